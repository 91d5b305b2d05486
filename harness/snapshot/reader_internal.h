// Internals of the heap snapshot reader, shared by reader.cc (header, integer arrays) and
// reader_strings.cc (strings, detachedness). Not part of the public interface.
#pragma once

#include <algorithm>
#include <array>
#include <cstring>
#include <future>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "harness/snapshot/reader.h"

namespace leakcheck::snapshot {

// Builds a HeapGraph from the parsed sections (a friend of HeapGraph).
class SnapshotBuilder {
 public:
  SnapshotBuilder(std::string name, PhaseTimes* times) : name_(std::move(name)), times_(times) {}
  HeapGraph Build(ByteSource& source);
  ~SnapshotBuilder();

 private:
  class Scanner;

  [[noreturn]] void Fail(const std::string& what) const;
  void ReadTopLevel(ByteSource& source, Scanner& s);
  void ParseHeader(Scanner& s);
  void ParseNodes(Scanner& s);
  void ParseEdges(Scanner& s);
  void ParseLocations(Scanner& s);
  void ParseStrings(Scanner& s);
  void Finish();
  void PropagateDetachedness();

  // "edges" on a second thread (reader.cc): started at "nodes" when the source can be read at
  // two places at once; this thread then skips the edges and reads what follows them.
  struct EdgesWorker;
  struct EdgeArrays {
    BigVector<EdgeType> type;
    BigVector<uint32_t> name;
    BigVector<NodeIndex> to;
    uint64_t max_string_name = 0;  // the largest name of an edge named by a string index
  };
  void ReadEdgeArray(Scanner& s, EdgeArrays& out);
  void TakeEdges(EdgeArrays& edges);
  void StartEdgesWorker(ByteSource& source, uint64_t nodes_open);
  void RunEdgesWorker(EdgesWorker& w, uint64_t nodes_open, std::stop_token stop);
  bool SkipEdgesReadByWorker(Scanner& s);
  std::exception_ptr JoinEdgesWorker();
  // Objects of a minified class get the name it is exported under (class_alias.cc).
  void NameMinifiedClasses();

  template <typename RowFn>
  uint64_t ParseUintArray(Scanner& s, const char* section, size_t width, RowFn&& row);

  std::string name_;
  PhaseTimes* times_;
  HeapGraph g_;

  // From snapshot.meta.
  size_t node_width_ = 0, edge_width_ = 0, location_width_ = 0;
  int n_type_ = -1, n_name_ = -1, n_id_ = -1, n_self_size_ = -1, n_edge_count_ = -1,
      n_detachedness_ = -1;
  int e_type_ = -1, e_name_ = -1, e_to_ = -1;
  int l_object_ = -1, l_script_ = -1, l_line_ = -1, l_column_ = -1;
  std::vector<NodeType> node_types_;
  std::vector<EdgeType> edge_types_;
  uint64_t node_count_ = 0, edge_count_ = 0;
  uint64_t max_node_name_ = 0, max_edge_string_name_ = 0;  // checked in Finish
  bool have_header_ = false, have_nodes_ = false, have_edges_ = false, have_strings_ = false;
  std::unique_ptr<EdgesWorker> edges_worker_;  // declared after g_: stopped before it goes
  bool edges_skipped_ = false;                 // this thread skipped "edges"; the worker read them
  uint64_t edges_skip_end_ = 0;                // where this thread found their end
};

// The edges thread's state (reader.cc, StartEdgesWorker).
struct SnapshotBuilder::EdgesWorker {
  static constexpr uint64_t kNoStart = UINT64_MAX;
  std::unique_ptr<ByteSource> source;
  std::promise<uint64_t> start_promise;  // byte of the edges' '[', or kNoStart
  std::future<uint64_t> start = start_promise.get_future();
  uint64_t end = 0;  // the byte after the edges' ']'
  EdgeArrays edges;
  std::exception_ptr error;
  std::jthread thread;  // last: stopped and joined first
};

// Thrown inside a scanner whose stop token was triggered (the edges thread, when the reader
// no longer needs it); never leaves the reader.
struct ReadCancelled {};

// Inputs at least this large read "edges" on a second thread (reader.cc).
inline constexpr uint64_t kParallelMinBytes = 1 << 20;

// Division by a node record's width (1 to 16) for the offsets in "edges" and "locations",
// which are below node_count × width < 2^36: one multiplication instead of a 64-bit divide
// per edge (the divide was a third of the edge parse; callgrind, 2026-11-30). With
// m = ceil(2^64 / d), floor(x · m / 2^64) = floor(x / d) for every x < 2^36: the error term
// x · (m − 2^64/d) / 2^64 is below 2^-28, less than the 1/d a fraction needs to cross an integer.
class NodeOffsetDivisor {
 public:
  explicit NodeOffsetDivisor(uint64_t d) : d_(d), m_(d <= 1 ? 0 : ~uint64_t{0} / d + 1) {}
  /// x / d for x < 2^36.
  uint64_t Quotient(uint64_t x) const {
    return d_ <= 1 ? x : static_cast<uint64_t>((static_cast<Uint128>(x) * m_) >> 64);
  }

 private:
  __extension__ using Uint128 = unsigned __int128;  // GCC and Clang: mul, high half in rdx
  uint64_t d_, m_;
};

// Helpers of the reader (internal).
inline constexpr size_t kBufferSize = 4 << 20;
// A source known to be smaller gets a buffer that just holds it (at least this much): a small
// snapshot (tests, fuzzing) should not pay for zeroing 4 MiB.
inline constexpr size_t kMinBufferSize = 64 << 10;
inline constexpr size_t kPadding = 64;  // a full number plus separators always fits in this margin

// The buffer size for `source`: the whole input when it is known to fit, else kBufferSize.
inline size_t BufferSizeFor(const ByteSource& source) {
  auto size = source.Size();
  if (!size || *size >= kBufferSize) return kBufferSize;
  return std::max(kMinBufferSize, static_cast<size_t>(*size));
}

inline bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

inline std::string Printable(char c) {
  if (c == '\0') return "end of input";
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
    return fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
  return fmt::format("'{}'", c);
}

// A pull buffer over a ByteSource. Invariant: buffer_[end_] == '\0' (a sentinel that stops
// every scanning loop), and bytes in [cur_, end_) are unread.
class SnapshotBuilder::Scanner {
 public:
  /// Reads `source`, whose next byte is byte `start` of the input; `stop`, when given, makes
  /// the next refill throw ReadCancelled once it is triggered.
  Scanner(ByteSource& source, const SnapshotBuilder& owner, uint64_t start = 0,
          const std::stop_token* stop = nullptr)
      : source_(source),
        owner_(owner),
        buffer_size_(BufferSizeFor(source)),
        buffer_(buffer_size_ + 2 * kPadding + 1),
        base_(start),
        stop_(stop) {
    Fill();
  }

  char* cur() { return cur_; }
  char* end() { return end_; }
  bool eof() const { return eof_; }
  void set_cur(char* p) { cur_ = p; }
  uint64_t Offset() const { return base_ + static_cast<uint64_t>(cur_ - buffer_.data()); }

  /// Keeps the unread bytes and reads more after them. Returns false at end of input.
  bool Fill() {
    if (stop_ && stop_->stop_requested()) throw ReadCancelled{};
    if (eof_) return false;
    size_t keep = static_cast<size_t>(end_ - cur_);
    base_ += static_cast<uint64_t>(cur_ - buffer_.data());
    std::memmove(buffer_.data(), cur_, keep);
    cur_ = buffer_.data();
    end_ = cur_ + keep;
    size_t room = buffer_size_ + kPadding - keep;
    bool read_any = false;
    while (room > 0) {
      size_t got = source_.Read(end_, room);
      if (got == 0) {
        eof_ = true;
        break;
      }
      read_any = true;
      end_ += got;
      room -= got;
      if (static_cast<size_t>(end_ - cur_) >= buffer_size_) break;
    }
    *end_ = '\0';
    return read_any;
  }

  /// Makes at least n bytes available unless the input ends first.
  bool Ensure(size_t n) {
    while (static_cast<size_t>(end_ - cur_) < n) {
      if (!Fill()) return static_cast<size_t>(end_ - cur_) >= n;
    }
    return true;
  }

  char Peek() { return Ensure(1) ? *cur_ : '\0'; }

  /// Moves forward to byte `offset` (not before the current one), within the buffer when it
  /// holds it, else by repositioning the source. False when the source cannot move.
  bool SkipTo(uint64_t offset) {
    const uint64_t buffered_end = base_ + static_cast<uint64_t>(end_ - buffer_.data());
    if (offset <= buffered_end) {
      cur_ = buffer_.data() + (offset - base_);
      return true;
    }
    if (auto size = source_.Size()) offset = std::min(offset, *size);
    if (!source_.SkipTo(offset)) return false;
    base_ = offset;
    cur_ = end_ = buffer_.data();
    *end_ = '\0';
    eof_ = false;
    Fill();
    return true;
  }

  /// Moves just past the first ']' at or after byte `from` (not before the current one).
  /// False when the input ends first or the source cannot move.
  bool SkipPastBracket(uint64_t from) {
    if (!SkipTo(from)) return false;
    for (;;) {
      if (auto* hit =
              static_cast<char*>(std::memchr(cur_, ']', static_cast<size_t>(end_ - cur_)))) {
        cur_ = hit + 1;
        return true;
      }
      cur_ = end_;
      if (!Fill()) return false;
    }
  }

  /// Bytes left to read, when the source knows its size.
  std::optional<uint64_t> Remaining() const {
    auto size = source_.Size();
    if (!size) return std::nullopt;
    return *size > Offset() ? *size - Offset() : 0;
  }

  void SkipSpace() {
    for (;;) {
      while (IsSpace(*cur_)) ++cur_;
      if (cur_ < end_ || !Fill()) return;
    }
  }

  void Expect(char c, const char* context) {
    SkipSpace();
    char got = Peek();
    if (got != c) Unexpected(got, fmt::format("'{}' {}", c, context));
    ++cur_;
  }

  /// Fails at the current position. A '\0' there is either the sentinel (the input ended: the
  /// file is truncated) or a NUL byte in the data, which is named as such.
  [[noreturn]] void Unexpected(char got, const std::string& expected) {
    if (got == '\0' && cur_ >= end_ && eof_) Truncated(expected);
    owner_.Fail(fmt::format("malformed JSON at byte {}: expected {}, found {}", Offset(), expected,
                            got == '\0' ? "a NUL byte (0x00)" : Printable(got)));
  }

  /// Fails with "truncated: the file ends at byte N where <expected> was expected".
  [[noreturn]] void Truncated(const std::string& expected) {
    owner_.Fail(fmt::format("truncated: the file ends at byte {} where {} was expected", Offset(),
                            expected));
  }

  /// Reads a short JSON string (an object key) into `out`; escapes are kept raw.
  void ReadKey(std::string& out) {
    Expect('"', "to start a key");
    out.clear();
    for (;;) {
      char c = Peek();
      if (c == '\0') Unexpected(c, "the end of a key");
      ++cur_;
      if (c == '"') return;
      if (c == '\\') {
        c = Peek();
        ++cur_;
      }
      out += c;
      if (out.size() > 256)
        owner_.Fail(fmt::format("malformed JSON at byte {}: key too long", Offset()));
    }
  }

  /// Skips one JSON value of any kind, string- and nesting-aware, without storing it.
  void SkipValue() {
    SkipSpace();
    int depth = 0;
    do {
      char c = Peek();
      if (c == '\0') Unexpected(c, "a value");
      ++cur_;
      if (c == '"') {
        SkipStringBody();
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (--depth < 0) Unexpected(c, "a value");
      } else if (depth == 0) {
        // A scalar at top level: consume until a delimiter.
        while (Ensure(1) && !IsSpace(*cur_) && *cur_ != ',' && *cur_ != '}' && *cur_ != ']') ++cur_;
      }
    } while (depth > 0);
  }

  /// Captures one JSON value (an object or array) verbatim into `out`.
  void CaptureValue(std::string& out, size_t limit) {
    SkipSpace();
    out.clear();
    int depth = 0;
    do {
      char c = Peek();
      if (c == '\0') Unexpected(c, "the rest of the snapshot header");
      out += c;
      ++cur_;
      if (c == '"') {
        for (;;) {
          char d = Peek();
          if (d == '\0') Unexpected(d, "the end of a string");
          out += d;
          ++cur_;
          if (d == '\\') {
            out += Peek();
            ++cur_;
          } else if (d == '"') {
            break;
          }
        }
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        --depth;
      }
      if (out.size() > limit) owner_.Fail("the \"snapshot\" header is implausibly large");
    } while (depth > 0);
  }

  void SkipStringBody() {
    for (;;) {
      char* p = cur_;
      while (*p != '"' && *p != '\\' && p < end_) ++p;
      cur_ = p;
      if (p == end_) {
        if (!Fill()) Unexpected('\0', "the end of a string");
        continue;
      }
      ++cur_;
      if (*p == '"') return;
      if (!Ensure(1)) Unexpected('\0', "an escaped character");
      ++cur_;
    }
  }

 private:
  ByteSource& source_;
  const SnapshotBuilder& owner_;
  size_t buffer_size_;
  std::vector<char> buffer_;
  char* cur_ = buffer_.data();
  char* end_ = buffer_.data();
  uint64_t base_ = 0;
  const std::stop_token* stop_ = nullptr;
  bool eof_ = false;
};

}  // namespace leakcheck::snapshot
