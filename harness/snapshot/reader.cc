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
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <future>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "harness/common/error.h"
#include "harness/common/format.h"
#include "harness/common/utf8.h"

namespace leakcheck::snapshot {

namespace {

// Reads with pread at its own position, so a second FileSource on the same descriptor
// (OpenAt) reads another part of the file at the same time.
class FileSource : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : path_(path), owns_fd_(true) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
      throw InputError("snapshot", fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
#ifdef POSIX_FADV_SEQUENTIAL
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  }
  ~FileSource() override {
    if (owns_fd_) ::close(fd_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::optional<uint64_t> Size() const override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return static_cast<uint64_t>(st.st_size);
  }
  std::unique_ptr<ByteSource> OpenAt(uint64_t offset) const override {
    if (!Size()) return nullptr;  // a pipe or a device: only one reader
    return std::unique_ptr<ByteSource>(new FileSource(path_, fd_, offset));
  }
  bool SkipTo(uint64_t offset) override {
    if (!Size()) return false;
    position_ = offset;
    return true;
  }

  size_t Read(char* buffer, size_t n) override {
    for (;;) {
      // A regular file is read at our own position; anything else (a pipe) in order.
      ssize_t got = regular_ ? ::pread(fd_, buffer, n, static_cast<off_t>(position_))
                             : ::read(fd_, buffer, n);
      if (got >= 0) {
        position_ += static_cast<uint64_t>(got);
        return static_cast<size_t>(got);
      }
      if (errno == ESPIPE && regular_) {
        regular_ = false;
        continue;
      }
      if (errno != EINTR)
        throw InputError("snapshot",
                         fmt::format("{}: read failed: {}", path_, std::strerror(errno)));
    }
  }

 private:
  FileSource(std::string path, int fd, uint64_t offset)
      : path_(std::move(path)), fd_(fd), owns_fd_(false), position_(offset) {}

  std::string path_;
  int fd_ = -1;
  bool owns_fd_;
  bool regular_ = true;
  uint64_t position_ = 0;
};

class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string_view data, uint64_t offset = 0)
      : data_(data), position_(std::min<uint64_t>(offset, data.size())) {}
  std::optional<uint64_t> Size() const override { return data_.size(); }
  std::unique_ptr<ByteSource> OpenAt(uint64_t offset) const override {
    return std::make_unique<MemorySource>(data_, offset);
  }
  bool SkipTo(uint64_t offset) override {
    position_ = std::min<uint64_t>(offset, data_.size());
    return true;
  }
  size_t Read(char* buffer, size_t n) override {
    n = std::min<uint64_t>(n, data_.size() - position_);
    std::memcpy(buffer, data_.data() + position_, n);
    position_ += n;
    return n;
  }

 private:
  std::string_view data_;
  uint64_t position_;
};
}  // namespace

int CpusAvailable() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

SnapshotBuilder::~SnapshotBuilder() = default;  // stops and joins the edges thread, if any

void SnapshotBuilder::Fail(const std::string& what) const {
  throw InputError("snapshot", fmt::format("{}: {}", name_, what));
}

HeapGraph SnapshotBuilder::Build(ByteSource& source) {
  Scanner s(source, *this);
  try {
    ReadTopLevel(source, s);
  } catch (...) {
    // An error found after this thread skipped the edges may be one the worker found first,
    // earlier in the file: the worker's is the one a reader in order would have reported.
    if (edges_worker_) {
      if (!edges_skipped_) edges_worker_->thread.request_stop();
      if (auto worker_error = JoinEdgesWorker(); worker_error && edges_skipped_)
        std::rethrow_exception(worker_error);
    }
    throw;
  }
  if (edges_worker_) {
    if (auto worker_error = JoinEdgesWorker()) std::rethrow_exception(worker_error);
    if (edges_skipped_) TakeEdges(edges_worker_->edges);
    MarkPhase(times_, "read: wait for the edges");
  }
  Finish();
  MarkPhase(times_, "read: finish (checks, class names)");
  return std::move(g_);
}

void SnapshotBuilder::ReadTopLevel(ByteSource& source, Scanner& s) {
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
      if (have_header_ && !have_nodes_) {
        s.SkipSpace();
        StartEdgesWorker(source, s.Offset());
      }
      ParseNodes(s);
      MarkPhase(times_, "read: nodes");
    } else if (key == "edges") {
      if (SkipEdgesReadByWorker(s)) {
        MarkPhase(times_, "read: edges (on a second thread)");
      } else {
        ParseEdges(s);
        MarkPhase(times_, "read: edges");
      }
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
    // The fast path is for values that start at least kPadding bytes before the buffer's end
    // (a number and its separator cannot then be cut by it), and not in the input's last
    // buffer (where the general loop tells a cut number from a whole one).
    char* const limit = eof ? p : end - kPadding;
    for (;;) {
      // The fast path: digits, then ',' or V8's "\n,". Anything else — other spaces, ']', a
      // long number, a fault — falls through to the general code below, in the same state (at
      // a value, or just after one).
      while (need_value && p < limit) {
        unsigned digit = static_cast<unsigned char>(*p) - '0';
        if (digit > 9) break;
        char* q = p + 1;
        uint64_t v = digit;
        while ((digit = static_cast<unsigned char>(*q) - '0') <= 9) {
          v = v * 10 + digit;
          ++q;
        }
        if (q - p > 19) break;  // the general code reports it
        values[column] = v;
        if (++column == width) {
          row(values.data());
          column = 0;
        }
        ++count;
        if (*q == '\n') ++q;
        if (*q == ',') {
          p = q + 1;
        } else {
          p = q;
          need_value = false;
        }
      }
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
  ReserveFilled(g_.node_type_, n);
  ReserveFilled(g_.node_name_, n);
  ReserveFilled(g_.node_id_, n);
  ReserveFilled(g_.node_self_size_, n);
  ReserveFilled(g_.first_edge_, n + 1);
  g_.first_edge_.push_back(0);
  if (n_detachedness_ >= 0) ReserveFilled(g_.node_detachedness_, n);

  uint64_t edges_so_far = 0, total_size = 0, max_name = 0;
  const auto type_count = node_types_.size();
  ParseUintArray(
      s, "nodes", node_width_, [&](const uint64_t* v) __attribute__((always_inline)) {
        const size_t ordinal = g_.node_type_.size();
        if (ordinal >= n)
          Fail(fmt::format("\"nodes\" holds more than the {} nodes snapshot.node_count declares",
                           n));
        // A type past meta's list (old Chrome writers) is read as unknown, as memlab reads it.
        g_.node_type_.push_back(v[n_type_] < type_count ? node_types_[v[n_type_]]
                                                        : NodeType::kUnknown);
        if (v[n_name_] >= UINT32_MAX)
          Fail(fmt::format("node {} has name index {}, out of range", ordinal, v[n_name_]));
        if (v[n_edge_count_] >= UINT32_MAX)
          Fail(fmt::format("node {} has edge count {}, out of range", ordinal, v[n_edge_count_]));
        g_.node_name_.push_back(static_cast<uint32_t>(v[n_name_]));
        max_name = std::max(max_name, v[n_name_]);
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
        total_size += v[n_self_size_];
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
  g_.total_size_ = total_size;
  max_node_name_ = max_name;
  have_nodes_ = true;
}

void SnapshotBuilder::ParseEdges(Scanner& s) {
  if (!have_nodes_) Fail("\"edges\" comes before \"nodes\"");
  if (have_edges_) Fail("\"edges\" appears twice");
  EdgeArrays edges;
  ReadEdgeArray(s, edges);
  TakeEdges(edges);
  have_edges_ = true;
}

// Reads only what the header fixed before "nodes" (counts, widths, types) and writes only
// `out`: it may run on the edges thread while "nodes" is read. (Into arrays of its own, not
// g_'s: the vectors' ends sit in the same cache lines as the node arrays' ends, and two
// threads pushing to them made both slower than one.)
void SnapshotBuilder::ReadEdgeArray(Scanner& s, EdgeArrays& out) {
  const size_t m = edge_count_;
  ReserveFilled(out.type, m);
  ReserveFilled(out.name, m);
  ReserveFilled(out.to, m);
  const uint64_t nodes_len = node_count_ * node_width_;
  const NodeOffsetDivisor per_node(node_width_);
  const auto type_count = edge_types_.size();
  // Per type: all ones when its name_or_index is a string index (checked in Finish against the
  // strings' count, which comes last), else zero; the largest such name is kept on the way.
  std::array<uint64_t, 256> string_name{};
  for (size_t t = 0; t < type_count && t < string_name.size(); ++t)
    string_name[t] = EdgeHasIndexName(edge_types_[t]) ? 0 : ~uint64_t{0};
  uint64_t max_string_name = 0;
  ParseUintArray(
      s, "edges", edge_width_, [&](const uint64_t* v) __attribute__((always_inline)) {
        const size_t index = out.type.size();
        if (index >= m)
          Fail(fmt::format("\"edges\" holds more than the {} edges snapshot.edge_count declares",
                           m));
        if (v[e_type_] >= type_count)
          Fail(fmt::format("edge {} has type {}, but meta lists only {} edge types", index,
                           v[e_type_], type_count));
        const uint64_t to_node = per_node.Quotient(v[e_to_]);
        if (v[e_to_] >= nodes_len || to_node * node_width_ != v[e_to_])
          Fail(fmt::format(
              "edge {} points at node offset {}, which is not a node (nodes has {} values)", index,
              v[e_to_], nodes_len));
        if (v[e_name_] > UINT32_MAX)
          Fail(fmt::format("edge {} has a name index out of range", index));
        out.type.push_back(edge_types_[v[e_type_]]);
        out.name.push_back(static_cast<uint32_t>(v[e_name_]));
        max_string_name = std::max(max_string_name, v[e_name_] & string_name[v[e_type_] & 0xff]);
        out.to.push_back(static_cast<NodeIndex>(to_node));
      });
  if (out.type.size() != m)
    Fail(fmt::format("\"edges\" holds {} edges, but snapshot.edge_count declares {}",
                     out.type.size(), m));
  out.max_string_name = max_string_name;
}

void SnapshotBuilder::TakeEdges(EdgeArrays& edges) {
  max_edge_string_name_ = edges.max_string_name;
  g_.edge_type_ = std::move(edges.type);
  g_.edge_name_ = std::move(edges.name);
  g_.edge_to_ = std::move(edges.to);
}

// The edges thread. A snapshot's two big arrays are "nodes" then "edges" (V8 writes them so);
// the edges are parsed here while the calling thread parses the nodes, which halves the time
// of the reader's largest part on two cores. The thread finds where "edges" begins without
// parsing "nodes": a valid "nodes" holds node_count × width numbers with a comma between each
// two, so its ']' is at least twice that many bytes past its '[', and nothing before it is a
// ']'. The calling thread uses the result only when it reached "edges" at the very same byte
// (so "nodes" parsed and ended there); otherwise it stops this thread and reads in order.

void SnapshotBuilder::StartEdgesWorker(ByteSource& source, uint64_t nodes_open) {
  const auto size = source.Size();
  if (!size || *size < kParallelMinBytes || CpusAvailable() < 2) return;
  auto worker = std::make_unique<EdgesWorker>();
  worker->source = source.OpenAt(nodes_open);
  if (!worker->source) return;
  try {
    worker->thread = std::jthread([this, w = worker.get(), nodes_open](std::stop_token stop) {
      RunEdgesWorker(*w, nodes_open, std::move(stop));
    });
  } catch (const std::system_error&) {
    return;  // no thread to be had: read in order
  }
  edges_worker_ = std::move(worker);
}

void SnapshotBuilder::RunEdgesWorker(EdgesWorker& w, uint64_t nodes_open, std::stop_token stop) {
  bool started = false;
  try {
    Scanner s(*w.source, *this, nodes_open, &stop);
    auto layout = [&]() -> bool {
      if (!s.SkipPastBracket(nodes_open + std::max<uint64_t>(1, 2 * node_count_ * node_width_)))
        return false;
      s.SkipSpace();
      if (s.Peek() != ',') return false;
      s.set_cur(s.cur() + 1);
      std::string key;
      s.ReadKey(key);
      if (key != "edges") return false;
      s.Expect(':', "after a key");
      s.SkipSpace();
      return s.Peek() == '[';
    };
    bool found = false;
    try {
      found = layout();
    } catch (const Error&) {  // not the layout looked for; the calling thread will say
    }
    if (!found) {
      w.start_promise.set_value(EdgesWorker::kNoStart);
      return;
    }
    w.start_promise.set_value(s.Offset());
    started = true;
    ReadEdgeArray(s, w.edges);
    w.end = s.Offset();
  } catch (const ReadCancelled&) {
  } catch (...) {
    if (started) w.error = std::current_exception();
  }
  if (!started) {
    try {
      w.start_promise.set_value(EdgesWorker::kNoStart);
    } catch (const std::future_error&) {  // already set
    }
  }
}

// At the "edges" key: when the worker is reading these very edges, moves past them (a search
// for their ']', which the worker will have checked is theirs) and returns true. Otherwise
// stops the worker and returns false: the caller reads them itself.
bool SnapshotBuilder::SkipEdgesReadByWorker(Scanner& s) {
  if (!edges_worker_ || !have_nodes_ || have_edges_) {
    if (edges_worker_) edges_worker_->thread.request_stop();
    return false;
  }
  s.SkipSpace();
  const uint64_t start = edges_worker_->start.get();
  if (start != s.Offset()) {  // it read something else: whatever it found does not count
    edges_worker_->thread.request_stop();
    edges_worker_->thread.join();
    edges_worker_.reset();
    return false;
  }
  edges_skipped_ = true;
  const uint64_t values = edge_count_ * edge_width_;
  if (!s.SkipPastBracket(start + std::max<uint64_t>(1, 2 * values))) {
    // The edges never end: the worker, reading the same bytes, says where and why.
    if (auto error = JoinEdgesWorker()) std::rethrow_exception(error);
    s.Truncated("the rest of \"edges\"");
  }
  edges_skip_end_ = s.Offset();
  have_edges_ = true;
  return true;
}

// Waits for the worker; returns its error, if it found one in the edges. Checks that it ended
// the edges where the calling thread did.
std::exception_ptr SnapshotBuilder::JoinEdgesWorker() {
  if (edges_worker_->thread.joinable()) edges_worker_->thread.join();
  if (edges_worker_->error) return edges_worker_->error;
  if (edges_skipped_ && edges_worker_->end != edges_skip_end_ &&
      !edges_worker_->thread.get_stop_token().stop_requested())
    Fail(
        fmt::format("internal error: \"edges\" ends at byte {} for one thread and {} for the other",
                    edges_worker_->end, edges_skip_end_));
  return nullptr;
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

HeapGraph ReadSnapshotFromString(std::string_view json, std::string_view name, PhaseTimes* times) {
  MemorySource source(json);
  return ReadSnapshot(source, name, times);
}

}  // namespace leakcheck::snapshot
