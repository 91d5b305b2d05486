// Heap snapshot reader.
//
// A V8 heap snapshot is one JSON object whose bulk is three flat arrays of unsigned integers
// ("nodes", "edges", "locations") and one array of strings. Parsing it into a DOM (simdjson's tape
// costs 8-16 bytes per number, its structural index 4 bytes per token) would need several times
// the file size in memory, so the reader streams the file through a fixed buffer:
//   - the small "snapshot" header (meta: field names and type tables, counts) is captured whole
//     and parsed with simdjson's DOM, then validated;
//   - the integer arrays go through a tight scanner straight into the graph's per-field arrays,
//     sized up front from node_count/edge_count;
//   - strings are unescaped as they stream by; the finished table is checked with
//     simdjson::validate_utf8.
// Everything read is validated before it is trusted: field widths, counts, type indices, edge
// targets and string indices. Any problem becomes one InputError naming the file and the fault.
#include "harness/snapshot/reader.h"
#include "harness/snapshot/reader_internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "harness/common/error.h"
#include "harness/common/format.h"
#include "harness/common/utf8.h"

namespace leakcheck::snapshot {

namespace {

class FileSource : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      throw InputError("snapshot", fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  }
  ~FileSource() override { ::close(fd_); }
  std::optional<uint64_t> Size() const override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return static_cast<uint64_t>(st.st_size);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  size_t Read(char* buffer, size_t n) override {
    for (;;) {
      ssize_t got = ::read(fd_, buffer, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR)
        throw InputError("snapshot",
                         fmt::format("{}: read failed: {}", path_, std::strerror(errno)));
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : data_(data), size_(data.size()) {}
  std::optional<uint64_t> Size() const override { return size_; }
  size_t Read(char* buffer, size_t n) override {
    n = std::min(n, data_.size());
    std::memcpy(buffer, data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view data_;
  uint64_t size_;
};
}  // namespace

void SnapshotBuilder::Fail(const std::string& what) const {
  throw InputError("snapshot", fmt::format("{}: {}", name_, what));
}

HeapGraph SnapshotBuilder::Build(ByteSource& source) {
  Scanner s(source, *this);
  s.SkipSpace();
  if (s.cur() == s.end() && s.eof()) Fail("empty file: not a V8 heap snapshot");
  if (s.Peek() != '{')
    Fail(fmt::format("not a V8 heap snapshot: expected a JSON object, found {}",
                     Printable(s.Peek())));
  s.Expect('{', "to open the snapshot");
  std::string key;
  for (bool first = true;; first = false) {
    s.SkipSpace();
    if (s.Peek() == '}' && first) break;
    s.ReadKey(key);
    s.Expect(':', "after a key");
    if (!have_header_ && key != "snapshot")
      Fail(fmt::format("not a V8 heap snapshot: it starts with \"{}\", not the \"snapshot\" header",
                       key));
    if (key == "snapshot") {
      ParseHeader(s);
      MarkPhase(times_, "read: header");
    } else if (key == "nodes") {
      ParseNodes(s);
      MarkPhase(times_, "read: nodes");
    } else if (key == "edges") {
      ParseEdges(s);
      MarkPhase(times_, "read: edges");
    } else if (key == "locations" && have_header_ && location_width_ > 0) {
      ParseLocations(s);
      MarkPhase(times_, "read: locations");
    } else if (key == "strings") {
      ParseStrings(s);
      MarkPhase(times_, "read: strings");
    } else {
      s.SkipValue();
    }
    s.SkipSpace();
    char c = s.Peek();
    if (c == ',') {
      s.set_cur(s.cur() + 1);
      continue;
    }
    if (c == '}') break;
    s.Unexpected(c, "',' or '}' after a top-level value");
  }
  s.set_cur(s.cur() + 1);
  s.SkipSpace();
  // Ensure, not Peek: a NUL byte in the data must not pass for the end of input.
  if (s.Ensure(1))
    Fail(fmt::format("unexpected data after the snapshot at byte {}: {}", s.Offset(),
                     *s.cur() == '\0' ? "a NUL byte (0x00)" : Printable(*s.cur())));
  Finish();
  MarkPhase(times_, "read: finish (checks, class names)");
  return std::move(g_);
}

void SnapshotBuilder::ParseHeader(Scanner& s) {
  std::string raw;
  s.CaptureValue(raw, 1 << 20);
  simdjson::dom::parser parser;
  simdjson::padded_string padded(raw);
  simdjson::dom::element header;
  if (auto err = parser.parse(padded).get(header))
    Fail(
        fmt::format("the \"snapshot\" header is not valid JSON: {}", simdjson::error_message(err)));

  auto field_list = [&](simdjson::dom::element meta, const char* key) {
    std::vector<std::string> out;
    simdjson::dom::array arr;
    if (meta[key].get_array().get(arr))
      Fail(fmt::format("snapshot.meta.{} is missing or not an array", key));
    for (auto v : arr) {
      std::string_view sv;
      if (v.get_string().get(sv)) Fail(fmt::format("snapshot.meta.{} holds a non-string", key));
      out.emplace_back(sv);
    }
    return out;
  };
  auto index_of = [](const std::vector<std::string>& fields, std::string_view name) {
    auto it = std::find(fields.begin(), fields.end(), name);
    return it == fields.end() ? -1 : static_cast<int>(it - fields.begin());
  };
  auto type_names = [&](simdjson::dom::element meta, const char* key, int column) {
    std::vector<std::string> out;
    simdjson::dom::array types, first;
    if (meta[key].get_array().get(types) || column < 0 ||
        types.at(static_cast<size_t>(column)).get_array().get(first))
      Fail(fmt::format("snapshot.meta.{} does not list the type names", key));
    for (auto v : first) {
      std::string_view sv;
      if (v.get_string().get(sv))
        Fail(fmt::format("snapshot.meta.{} holds a non-string type", key));
      out.emplace_back(sv);
    }
    return out;
  };

  simdjson::dom::element meta;
  if (header["meta"].get(meta)) Fail("snapshot.meta is missing: not a V8 heap snapshot");
  auto node_fields = field_list(meta, "node_fields");
  auto edge_fields = field_list(meta, "edge_fields");
  node_width_ = node_fields.size();
  edge_width_ = edge_fields.size();
  n_type_ = index_of(node_fields, "type");
  n_name_ = index_of(node_fields, "name");
  n_id_ = index_of(node_fields, "id");
  n_self_size_ = index_of(node_fields, "self_size");
  n_edge_count_ = index_of(node_fields, "edge_count");
  n_detachedness_ = index_of(node_fields, "detachedness");
  e_type_ = index_of(edge_fields, "type");
  e_name_ = index_of(edge_fields, "name_or_index");
  e_to_ = index_of(edge_fields, "to_node");
  for (auto [index, field] : {std::pair{n_type_, "type"},
                              {n_name_, "name"},
                              {n_id_, "id"},
                              {n_self_size_, "self_size"},
                              {n_edge_count_, "edge_count"}})
    if (index < 0) Fail(fmt::format("snapshot.meta.node_fields lacks \"{}\"", field));
  for (auto [index, field] :
       {std::pair{e_type_, "type"}, {e_name_, "name_or_index"}, {e_to_, "to_node"}})
    if (index < 0) Fail(fmt::format("snapshot.meta.edge_fields lacks \"{}\"", field));
  if (node_width_ > 16 || edge_width_ > 16)
    Fail("snapshot.meta declares more than 16 fields per record");

  for (const auto& t : type_names(meta, "node_types", n_type_))
    node_types_.push_back(NodeTypeFromName(t));
  for (const auto& t : type_names(meta, "edge_types", e_type_))
    edge_types_.push_back(EdgeTypeFromName(t));

  simdjson::dom::array location_fields_arr;
  if (!meta["location_fields"].get_array().get(location_fields_arr)) {
    auto location_fields = field_list(meta, "location_fields");
    l_object_ = index_of(location_fields, "object_index");
    l_script_ = index_of(location_fields, "script_id");
    l_line_ = index_of(location_fields, "line");
    l_column_ = index_of(location_fields, "column");
    if (l_object_ >= 0 && l_script_ >= 0 && l_line_ >= 0 && l_column_ >= 0 &&
        location_fields.size() <= 16)
      location_width_ = location_fields.size();
  }

  if (header["node_count"].get_uint64().get(node_count_) ||
      header["edge_count"].get_uint64().get(edge_count_))
    Fail("snapshot.node_count or snapshot.edge_count is missing or not a count");
  if (node_count_ == 0) Fail("snapshot.node_count is 0: a heap snapshot has at least its root");
  if (node_count_ >= UINT32_MAX || edge_count_ >= UINT32_MAX)
    Fail(fmt::format("{} nodes and {} edges exceed what this build supports (2^32-1)", node_count_,
                     edge_count_));
  have_header_ = true;
}

// Reads `[ n, n, ... ]` and calls row(values) for every `width` numbers. The scan runs on raw
// pointers; the sentinel at the buffer's end stops every inner loop, and a number cut by the
// buffer's end is re-read after a refill (a number is at most 20 bytes, so this always ends).
template <typename RowFn>
uint64_t SnapshotBuilder::ParseUintArray(Scanner& s, const char* section, size_t width,
                                         RowFn&& row) {
  s.Expect('[', fmt::format("to open \"{}\"", section).c_str());
  std::array<uint64_t, 16> values{};
  size_t column = 0;
  uint64_t count = 0;
  bool need_value = true;  // after '[' or ','
  auto where = [&] {
    return fmt::format("in \"{}\" (after {} values)", section,
                       FormatCount(static_cast<int64_t>(count)));
  };
  s.SkipSpace();
  if (s.Peek() == ']') {
    s.set_cur(s.cur() + 1);
    return 0;
  }
  for (;;) {
    if (s.end() - s.cur() < static_cast<ptrdiff_t>(kPadding)) s.Fill();
    char* p = s.cur();
    char* const end = s.end();
    const bool eof = s.eof();
    for (;;) {
      while (IsSpace(*p)) ++p;
      if (p >= end && !eof) break;
      if (need_value) {
        char* start = p;
        uint64_t v = 0;
        unsigned digit;
        while ((digit = static_cast<unsigned char>(*p) - '0') <= 9) {
          v = v * 10 + digit;
          ++p;
        }
        if (p - start > 19) {
          s.set_cur(start);
          Fail(fmt::format("number too large {} at byte {}", where(), s.Offset()));
        }
        if (p >= end) {
          if (!eof) {  // the number may go on past the buffer's end
            p = start;
            break;
          }
          // The input ends inside (or right after) this number: the file was cut here.
          s.set_cur(p);
          s.Truncated(fmt::format("the rest of \"{}\" (after {} values)", section,
                                  FormatCount(static_cast<int64_t>(count))));
        }
        if (p == start) {
          s.set_cur(p);
          s.Unexpected(*p, "a number " + where());
        }
        values[column] = v;
        if (++column == width) {
          row(values.data());
          column = 0;
        }
        ++count;
        need_value = false;
      } else if (*p == ',') {
        ++p;
        need_value = true;
      } else if (*p == ']') {
        s.set_cur(p + 1);
        if (column != 0)
          Fail(fmt::format("\"{}\" holds {} values, not a multiple of its {} fields", section,
                           count, width));
        return count;
      } else {
        s.set_cur(p);
        s.Unexpected(*p, "',' or ']' " + where());
      }
    }
    s.set_cur(p);
    s.Fill();
  }
}

void SnapshotBuilder::ParseNodes(Scanner& s) {
  if (!have_header_) Fail("\"nodes\" comes before the \"snapshot\" header");
  if (have_nodes_) Fail("\"nodes\" appears twice");
  const size_t n = node_count_;
  g_.node_type_.reserve(n);
  g_.node_name_.reserve(n);
  g_.node_id_.reserve(n);
  g_.node_self_size_.reserve(n);
  g_.first_edge_.reserve(n + 1);
  g_.first_edge_.push_back(0);
  if (n_detachedness_ >= 0) g_.node_detachedness_.reserve(n);

  uint64_t edges_so_far = 0;
  const auto type_count = node_types_.size();
  ParseUintArray(s, "nodes", node_width_, [&](const uint64_t* v) {
    const size_t ordinal = g_.node_type_.size();
    if (ordinal >= n)
      Fail(fmt::format("\"nodes\" holds more than the {} nodes snapshot.node_count declares", n));
    // A type past meta's list (old Chrome writers) is read as unknown, as memlab reads it.
    g_.node_type_.push_back(v[n_type_] < type_count ? node_types_[v[n_type_]] : NodeType::kUnknown);
    if (v[n_name_] >= UINT32_MAX)
      Fail(fmt::format("node {} has name index {}, out of range", ordinal, v[n_name_]));
    if (v[n_edge_count_] >= UINT32_MAX)
      Fail(fmt::format("node {} has edge count {}, out of range", ordinal, v[n_edge_count_]));
    g_.node_name_.push_back(static_cast<uint32_t>(v[n_name_]));
    uint64_t id = v[n_id_];
    if (id >= HeapGraph::kLargeId) {  // 64-bit ids (Julia writes addresses)
      g_.large_ids_[static_cast<NodeIndex>(ordinal)] = id;
      id = HeapGraph::kLargeId;
    }
    g_.node_id_.push_back(static_cast<uint32_t>(id));
    uint64_t self = v[n_self_size_];
    if (self >= HeapGraph::kLargeSize) {
      g_.large_self_sizes_[static_cast<NodeIndex>(ordinal)] = self;
      self = HeapGraph::kLargeSize;
    }
    g_.node_self_size_.push_back(static_cast<uint32_t>(self));
    g_.total_size_ += v[n_self_size_];
    edges_so_far += v[n_edge_count_];
    if (edges_so_far > edge_count_)
      Fail(fmt::format("node {}'s edges run past the {} edges snapshot.edge_count declares",
                       ordinal, edge_count_));
    g_.first_edge_.push_back(static_cast<uint32_t>(edges_so_far));
    if (n_detachedness_ >= 0)
      g_.node_detachedness_.push_back(static_cast<uint8_t>(v[n_detachedness_]));
  });
  if (g_.node_type_.size() != n)
    Fail(fmt::format("\"nodes\" holds {} nodes, but snapshot.node_count declares {}",
                     g_.node_type_.size(), n));
  if (edges_so_far != edge_count_)
    Fail(fmt::format("the nodes' edge counts add up to {}, but snapshot.edge_count declares {}",
                     edges_so_far, edge_count_));
  have_nodes_ = true;
}

void SnapshotBuilder::ParseEdges(Scanner& s) {
  if (!have_nodes_) Fail("\"edges\" comes before \"nodes\"");
  if (have_edges_) Fail("\"edges\" appears twice");
  const size_t m = edge_count_;
  g_.edge_type_.reserve(m);
  g_.edge_name_.reserve(m);
  g_.edge_to_.reserve(m);
  const uint64_t nodes_len = node_count_ * node_width_;
  const auto type_count = edge_types_.size();
  ParseUintArray(s, "edges", edge_width_, [&](const uint64_t* v) {
    const size_t index = g_.edge_type_.size();
    if (index >= m)
      Fail(fmt::format("\"edges\" holds more than the {} edges snapshot.edge_count declares", m));
    if (v[e_type_] >= type_count)
      Fail(fmt::format("edge {} has type {}, but meta lists only {} edge types", index, v[e_type_],
                       type_count));
    if (v[e_to_] >= nodes_len || v[e_to_] % node_width_ != 0)
      Fail(
          fmt::format("edge {} points at node offset {}, which is not a node (nodes has {} values)",
                      index, v[e_to_], nodes_len));
    if (v[e_name_] > UINT32_MAX) Fail(fmt::format("edge {} has a name index out of range", index));
    g_.edge_type_.push_back(edge_types_[v[e_type_]]);
    g_.edge_name_.push_back(static_cast<uint32_t>(v[e_name_]));
    g_.edge_to_.push_back(static_cast<NodeIndex>(v[e_to_] / node_width_));
  });
  if (g_.edge_type_.size() != m)
    Fail(fmt::format("\"edges\" holds {} edges, but snapshot.edge_count declares {}",
                     g_.edge_type_.size(), m));
  have_edges_ = true;
}

void SnapshotBuilder::ParseLocations(Scanner& s) {
  const uint64_t nodes_len = node_count_ * node_width_;
  ParseUintArray(s, "locations", location_width_, [&](const uint64_t* v) {
    if (v[l_object_] >= nodes_len || v[l_object_] % node_width_ != 0)
      Fail(fmt::format("a location points at node offset {}, which is not a node", v[l_object_]));
    if (v[l_script_] > UINT32_MAX || v[l_line_] > UINT32_MAX || v[l_column_] > UINT32_MAX)
      Fail("a location has a field out of range");
    g_.locations_.push_back(
        {static_cast<NodeIndex>(v[l_object_] / node_width_),
         Location{static_cast<uint32_t>(v[l_script_]), static_cast<uint32_t>(v[l_line_]),
                  static_cast<uint32_t>(v[l_column_])}});
  });
  std::sort(g_.locations_.begin(), g_.locations_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

HeapGraph ReadSnapshot(ByteSource& source, std::string_view name, PhaseTimes* times) {
  return SnapshotBuilder(std::string(name), times).Build(source);
}

HeapGraph ReadSnapshotFile(const std::string& path, PhaseTimes* times) {
  FileSource source(path);
  return ReadSnapshot(source, path, times);
}

HeapGraph ReadSnapshotFromString(std::string_view json, std::string_view name) {
  MemorySource source(json);
  return ReadSnapshot(source, name);
}

}  // namespace leakcheck::snapshot
