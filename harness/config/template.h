#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/common/json_text.h"

/// The template language of scenario strings: `{{ $uuid }}`, `{{ $iteration }}`, `{{ $vu }}`,
/// `{{ $loopCount }}`, `{{ $randomInt(a, b) }}` (and Artillery's `{{ $randomNumber(a, b) }}`),
/// `{{ $randomString(n) }}`, `{{ $env.NAME }}`, `{{ app.port }}` and captured names.
/// `{{{ expr }}}` (Mustache's triple braces) is the same value never percent-encoded in a URL. A
/// template is compiled once into literal and variable parts; rendering walks the parts and never
/// re-parses the source.
namespace leakcheck::config {

/// One piece of a compiled template.
struct TemplatePart {
  enum class Kind {
    kLiteral,       ///< `text` verbatim
    kUuid,          ///< the iteration's UUID (one per iteration, the same within it)
    kIteration,     ///< global iteration number, 0-based across warm-up and run
    kVu,            ///< virtual user number, 0-based
    kLoopCount,     ///< 1-based index within the innermost `loop` (0 outside loops)
    kRandomInt,     ///< uniform integer in [a, b]
    kRandomString,  ///< `a` random alphanumeric characters
    kEnv,           ///< environment variable `text` of the leakcheck process ("" when unset)
    kVariable,      ///< a captured name or a harness variable such as `app.port`
  };
  Kind kind = Kind::kLiteral;
  std::string text;
  int64_t a = 0;
  int64_t b = 0;
  /// Escape the rendered value for a JSON string (parts of `json:` bodies).
  bool json_escape = false;
  /// Render a whole JSON value (a `json:` string that is one `{{ }}` and nothing else): numbers
  /// ($iteration, $vu, $loopCount, $randomInt) bare, a captured JSON non-string as captured,
  /// anything else as a quoted, escaped string.
  bool json_value = false;
  /// Percent-encode the rendered value (RFC 3986: all but unreserved characters), for values
  /// placed in a URL. Set by Template::EncodeForUrl on every part not written `{{{ }}}`.
  bool url_escape = false;
  /// Written `{{{ expr }}}`: never percent-encoded.
  bool raw = false;
};

/// Named values a template can refer to: captures of a virtual user, `app.port`.
/// A small flat list: a flow has a handful of names, so a linear scan beats hashing.
class Variables {
 public:
  /// Sets or replaces `name`. `json`: the value is JSON text of a non-string (a captured number,
  /// boolean, null, object or array), kept as such where a template is a whole `json:` value.
  void Set(std::string_view name, std::string value, bool json = false);
  /// The value of `name`, or nullptr; `*json` (when given) says how it was Set.
  const std::string* Find(std::string_view name, bool* json = nullptr) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::vector<bool> json_;  // parallel to entries_
};

/// What one rendering sees: the iteration, the virtual user and its variables.
struct RenderContext {
  int64_t iteration = 0;
  int64_t vu = 0;
  int64_t loop_count = 0;
  std::string_view uuid;
  std::mt19937_64* rng = nullptr;        ///< required for $random*; may be null otherwise
  const Variables* variables = nullptr;  ///< looked up first
  const Variables* globals = nullptr;    ///< then here (app.port)
};

/// A compiled template.
class Template {
 public:
  Template() = default;

  /// Compiles `source`. On a syntax error returns nullopt and sets `*error` to a message
  /// such as "unknown template function `$uuidd` (did you mean `$uuid`?)".
  static std::optional<Template> Compile(std::string_view source, std::string* error);
  /// A template that renders `text` verbatim.
  static Template Literal(std::string_view text);

  /// Appends the rendering to `out`. Unknown variables render as "".
  void RenderTo(const RenderContext& context, std::string& out) const;
  std::string Render(const RenderContext& context) const;

  /// Appends `other`'s parts, optionally marking its variable parts for JSON escaping.
  void Append(const Template& other, bool json_escape);
  void AppendLiteral(std::string_view text);
  /// Marks every value part not written `{{{ }}}` for percent-encoding (a URL template).
  void EncodeForUrl();
  /// When the template is exactly one `{{ }}`: a template that renders it as a whole JSON value
  /// (TemplatePart::json_value). Otherwise nullopt.
  std::optional<Template> AsJsonValue() const;

  /// True when the template has no variable parts (it renders the same every time).
  bool IsLiteral() const;
  /// The names of kVariable parts (captures and `app.port`), in order.
  std::vector<std::string> VariableNames() const;
  const std::vector<TemplatePart>& parts() const { return parts_; }
  /// The source text as written in the YAML (for messages and route names).
  const std::string& source() const { return source_; }

 private:
  std::vector<TemplatePart> parts_;
  std::string source_;
};

/// A random RFC 4122 version 4 UUID.
std::string MakeUuid(std::mt19937_64& rng);

/// Appends `value` to `out` escaped for the inside of a JSON string: leakcheck's one escaper
/// (common/json_text.h), which the `json:` bodies and `{{ }}` values in them go through.
using ::leakcheck::AppendJsonEscaped;

/// Appends `value` percent-encoded (RFC 3986 section 2.1): every byte but the unreserved
/// characters `A-Z a-z 0-9 - . _ ~` becomes `%XX` (Boost.URL's encoder).
void AppendPercentEncoded(std::string_view value, std::string& out);

}  // namespace leakcheck::config
