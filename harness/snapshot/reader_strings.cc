// The second half of the heap snapshot reader: the strings table, then the finishing passes
// (validation of string references, detachedness, class labels).
#include <cstring>
#include <unordered_map>

#include <simdjson.h>

#include "harness/common/error.h"
#include "harness/common/utf8.h"
#include "harness/snapshot/reader_internal.h"

namespace leakcheck::snapshot {

namespace {

// The first byte in [p, end) that ends a run of plain string bytes: '"', '\\' or a control
// character (end when there is none). Eight bytes at a time: the classic "has a zero byte"
// tests flag the first such byte exactly (false flags only ever come after a true one).
const char* EndOfPlainRun(const char* p, const char* end) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  for (; end - p >= 8; p += 8) {
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
    const uint64_t flags = (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                            ((w - kOnes * 0x20) & ~w)) &
                           kHigh;
    if (flags) return p + __builtin_ctzll(flags) / 8;
  }
  while (p < end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20) ++p;
  return p;
}

}  // namespace

void SnapshotBuilder::ParseStrings(Scanner& s) {
  if (have_strings_) Fail("\"strings\" appears twice");
  auto& out = g_.string_data_;
  auto& offsets = g_.string_offsets_;
  // The strings cannot take more bytes than the rest of the input (unescaping only shrinks
  // them), nor be more than a third as many: reserve that much address space up front, so the
  // tables never reallocate (a copy would briefly double them); untouched pages cost no memory.
  if (auto remaining = s.Remaining()) {
    out.reserve(*remaining + 64);
    offsets.reserve(*remaining / 3 + 64);
  }
  s.Expect('[', "to open \"strings\"");
  s.SkipSpace();
  if (s.Peek() == ']') {
    s.set_cur(s.cur() + 1);
    have_strings_ = true;
    return;
  }
  for (;;) {
    s.Expect('"', "to start a string in \"strings\"");
    for (;;) {  // string body
      char* const end = s.end();
      char* p = const_cast<char*>(EndOfPlainRun(s.cur(), end));
      out.insert(out.end(), s.cur(), p);
      s.set_cur(p);
      if (p == end) {
        if (!s.Fill())
          s.Unexpected('\0',
                       fmt::format("the end of string {} in \"strings\"", offsets.size() - 1));
        continue;
      }
      if (*p == '"') {
        s.set_cur(p + 1);
        break;
      }
      if (*p != '\\') s.Unexpected(*p, "an escaped control character in \"strings\"");
      s.Ensure(12);
      const ptrdiff_t avail = s.end() - s.cur();  // bytes past end() are stale, never read them
      p = s.cur() + 1;
      uint32_t cp = 0;
      switch (*p++) {
        case '"':
          cp = '"';
          break;
        case '\\':
          cp = '\\';
          break;
        case '/':
          cp = '/';
          break;
        case 'b':
          cp = '\b';
          break;
        case 'f':
          cp = '\f';
          break;
        case 'n':
          cp = '\n';
          break;
        case 'r':
          cp = '\r';
          break;
        case 't':
          cp = '\t';
          break;
        case 'u': {
          auto hex4 = [&](const char* h) {
            int a = HexDigitValue(h[0]), b = HexDigitValue(h[1]), c = HexDigitValue(h[2]),
                d = HexDigitValue(h[3]);
            return (a | b | c | d) < 0 ? -1 : (a << 12 | b << 8 | c << 4 | d);
          };
          int unit = avail >= 6 ? hex4(p) : -1;
          if (unit < 0) {
            s.set_cur(p);
            s.Unexpected(*p, "four hex digits after \\u");
          }
          p += 4;
          cp = static_cast<uint32_t>(unit);
          if (cp >= 0xD800 && cp <= 0xDBFF && avail >= 12 && p[0] == '\\' && p[1] == 'u') {
            int low = hex4(p + 2);
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
              p += 6;
            }
          }
          // JS strings may hold lone surrogates, which UTF-8 cannot: store U+FFFD instead.
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
          break;
        }
        default:
          s.set_cur(p - 1);
          s.Unexpected(p[-1], "a valid escape sequence");
      }
      AppendUtf8(out, cp);
      s.set_cur(p);
    }
    if (out.size() > UINT32_MAX) Fail("the strings table exceeds 4 GiB");
    offsets.push_back(static_cast<uint32_t>(out.size()));
    s.SkipSpace();
    char c = s.Peek();
    s.set_cur(s.cur() + 1);
    if (c == ']') break;
    if (c != ',') {
      s.set_cur(s.cur() - 1);
      s.Unexpected(c, "',' or ']' in \"strings\"");
    }
  }
  if (!simdjson::validate_utf8(out.data(), out.size()))
    Fail("the strings table is not valid UTF-8");
  have_strings_ = true;
}

void SnapshotBuilder::Finish() {
  if (!have_header_) Fail("not a V8 heap snapshot: the \"snapshot\" header is missing");
  if (!have_nodes_) Fail("the \"nodes\" array is missing");
  if (!have_edges_) Fail("the \"edges\" array is missing");
  if (!have_strings_) Fail("the \"strings\" array is missing");

  // The parse kept the largest string index the nodes and edges name: only a file that names
  // a missing string pays for the search that says which one.
  const uint64_t string_count = g_.string_offsets_.size() - 1;
  if (max_node_name_ >= string_count)
    for (NodeIndex n = 0; n < g_.NodeCount(); ++n)
      if (g_.node_name_[n] >= string_count)
        Fail(fmt::format("node {} names string {}, but there are only {} strings", n,
                         g_.node_name_[n], string_count));
  if (max_edge_string_name_ >= string_count)
    for (EdgeIndex e = 0; e < g_.EdgeCount(); ++e)
      if (!EdgeHasIndexName(g_.edge_type_[e]) && g_.edge_name_[e] >= string_count)
        Fail(fmt::format("edge {} names string {}, but there are only {} strings", e,
                         g_.edge_name_[e], string_count));

  NameMinifiedClasses();

  // Nodes V8 marks detached (detachedness 2: a native object whose owner is gone), and the
  // native nodes they hold, are named "Detached <name>", as DevTools and memlab name them.
  if (!g_.node_detachedness_.empty()) {
    PropagateDetachedness();
    std::unordered_map<StringIndex, StringIndex> detached_names;
    for (NodeIndex n = 0; n < g_.NodeCount(); ++n) {
      if (g_.node_detachedness_[n] != 2) continue;
      auto [it, inserted] = detached_names.try_emplace(g_.node_name_[n], 0);
      if (inserted) {
        std::string name = "Detached " + std::string(g_.String(g_.node_name_[n]));
        g_.string_data_.insert(g_.string_data_.end(), name.begin(), name.end());
        g_.string_offsets_.push_back(static_cast<uint32_t>(g_.string_data_.size()));
        it->second = static_cast<StringIndex>(g_.string_offsets_.size() - 2);
      }
      g_.node_name_[n] = it->second;
    }
  }
  // "(type)" class labels, appended to the strings table so classes are string indices.
  for (int t = 0; t <= static_cast<int>(NodeType::kUnknown); ++t) {
    auto type = static_cast<NodeType>(t);
    std::string label = type == NodeType::kHidden ? "(system)"
                        : type == NodeType::kCode ? "(compiled code)"
                                                  : fmt::format("({})", NodeTypeName(type));
    g_.string_data_.insert(g_.string_data_.end(), label.begin(), label.end());
    g_.string_offsets_.push_back(static_cast<uint32_t>(g_.string_data_.size()));
    g_.type_class_[t] = static_cast<StringIndex>(g_.string_offsets_.size() - 2);
  }
}

// V8 records the DOM state only at the entry points into embedder (native) objects; DevTools
// (HeapSnapshot.propagateDOMState) and memlab (HeapSnapshot._propagateDetachednessState) carry
// it to the native nodes those hold, never through JavaScript objects. Attached wins: it spreads
// first, and a node takes the first state that reaches it. Values: 0 unknown, 1 attached,
// 2 detached. The edges followed are those both tools follow: DevTools skips hidden and weak
// edges; memlab 2.0.5 means to, but looks the type names up in edge_fields, so in effect it
// skips "internal" edges (type 3) and follows hidden and weak ones. On Node snapshots the two
// differ (Node's BindingData, marked detached, holds its Aliased*Array natives by internal
// edges), and bench/crosscheck-memlab.sh compares class names exactly.
void SnapshotBuilder::PropagateDetachedness() {
  auto& state = g_.node_detachedness_;
  const uint32_t n = g_.NodeCount();
  std::vector<uint8_t> visited(n, 0);
  std::vector<NodeIndex> attached, detached;
  auto set_state = [&](NodeIndex node, uint8_t value) {
    if (visited[node]) return;
    visited[node] = 1;
    if (g_.node_type_[node] != NodeType::kNative) return;
    state[node] = value;
    (value == 1 ? attached : detached).push_back(node);
  };
  for (NodeIndex node = 0; node < n; ++node)
    if (state[node] == 1 || state[node] == 2) set_state(node, state[node]);
  auto spread = [&](std::vector<NodeIndex>& stack, uint8_t value) {
    while (!stack.empty()) {
      NodeIndex from = stack.back();
      stack.pop_back();
      if (state[from] != value) continue;
      for (EdgeIndex e = g_.first_edge_[from]; e < g_.first_edge_[from + 1]; ++e) {
        EdgeType t = g_.edge_type_[e];
        if (t == EdgeType::kHidden || t == EdgeType::kWeak || t == EdgeType::kInternal) continue;
        set_state(g_.edge_to_[e], value);
      }
    }
  };
  spread(attached, 1);
  spread(detached, 2);
}

}  // namespace leakcheck::snapshot
