#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

/// Keeps secrets out of everything leakcheck writes (reports, logs, messages). Two rules:
///  - known secret values (configured `secrets:`, secret-looking environment variables,
///    Authorization/Cookie header values of the scenario, Set-Cookie values and secret captures
///    seen at run time) are replaced wherever they occur;
///  - header-aware: the value after `authorization:`, `proxy-authorization:`, `cookie:` and
///    `set-cookie:` (header lines, `"name": "value"` JSON fields, `name: 'value'` inspect output;
///    names case-insensitive, optionally quoted) is replaced.
/// Both replace with kMarker. Heap snapshots are never redacted (they are the app's memory).
namespace leakcheck::redact {

/// What replaces a secret.
inline constexpr std::string_view kMarker = "[redacted]";
/// Values (or lines of multi-line values) shorter than this are not matched literally: a
/// 1–3 byte "secret" would blank out digits and words all over a report. Header values are
/// still redacted by the header rule whatever their length.
inline constexpr size_t kMinSecretLength = 4;
/// At most this many distinct values are kept (Set-Cookie values of a long run); later ones are
/// covered by the header rule only.
inline constexpr size_t kMaxSecrets = 100000;

/// A byte range of text to replace.
struct Span {
  size_t begin = 0;
  size_t end = 0;
  bool to_line_end = false;  ///< a header value that runs to the end of the text (no newline)
};

/// Thread-safe: AddSecret may be called while other threads Apply.
class Redactor {
 public:
  /// Adds a value to redact. Multi-line values are added line by line; lines shorter than
  /// kMinSecretLength are skipped. Its JSON-escaped form is added too when it differs.
  /// Returns true when anything new was added.
  bool AddSecret(std::string_view value);
  /// A header value as sent or received: the whole value, the credentials after an auth
  /// scheme (`Bearer xyz` → `xyz`), and each cookie's value (`a=1; b=2` → `1`, `2`).
  void AddHeaderValue(std::string_view value);

  /// `text` with every secret and header value replaced by kMarker.
  std::string Apply(std::string_view text) const;
  /// The spans Apply replaces, sorted and merged.
  std::vector<Span> FindSpans(std::string_view text) const;

  size_t secret_count() const;
  /// The longest secret, in bytes (0 when none).
  size_t max_secret_length() const { return max_length_.load(std::memory_order_relaxed); }
  /// Forgets every value (tests).
  void Clear();

 private:
  bool AddOne(std::string_view value);

  mutable std::shared_mutex mu_;
  std::unordered_set<std::string> secrets_;
  // Secrets by their first kMinSecretLength bytes: one hash lookup per text position.
  std::unordered_map<uint32_t, std::vector<const std::string*>> by_prefix_;
  std::atomic<size_t> max_length_{0};
  std::atomic<size_t> count_{0};
};

/// The process-wide redactor every writer uses.
Redactor& Global();
/// Global().Apply(text).
std::string Redact(std::string_view text);

/// Redacts a stream written chunk by chunk (the app's stdout/stderr logs): a secret or a
/// header line split across chunks is still found. Complete lines are released at once; a line
/// longer than max_pending bytes is released in part, keeping enough back for any secret
/// that may straddle the cut. Not thread-safe (one per stream).
class StreamRedactor {
 public:
  explicit StreamRedactor(const Redactor& redactor, size_t max_pending = 64 * 1024)
      : redactor_(redactor), max_pending_(max_pending) {}
  /// Adds a chunk; returns what is safe to write now (redacted).
  std::string Feed(std::string_view chunk);
  /// The rest, at end of stream.
  std::string Finish();

 private:
  std::string Release(size_t cut, const std::vector<Span>& spans);

  const Redactor& redactor_;
  size_t max_pending_;
  std::string pending_;
  bool in_header_value_ = false;  // a released part ended inside a header value
};

/// True for environment variable names that look secret: a `_`-separated word of the
/// upper-cased name is KEY, APIKEY, TOKEN, SECRET, PASSWORD, PASSWD, CREDENTIAL(S), AUTH or
/// COOKIE, or the name contains TOKEN, SECRET or PASSWORD (GITHUB_TOKEN, DB_PASSWORD,
/// AWS_SECRET_ACCESS_KEY, NPM_AUTH, SESSION_COOKIE, MYAPP_APIKEY).
bool LooksSecretName(std::string_view name);

}  // namespace leakcheck::redact
