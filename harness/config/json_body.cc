// `json:` request bodies: YAML to JSON text, with `{{ }}` holes in strings filled (and
// JSON-escaped) per request. Structure and scalars are resolved once, here.
#include "harness/config/json_body.h"

#include <charconv>
#include <cstdint>
#include <regex>

#include <fmt/format.h>

#include "harness/common/json_text.h"
#include "harness/config/parser.h"

namespace leakcheck::config {
namespace {

// Drops a leading `+`, keeps a `-`, and strips leading zeros of the integer digits `digits`.
std::string CanonicalInteger(std::string_view sign, std::string_view digits) {
  size_t nonzero = digits.find_first_not_of('0');
  std::string_view kept = nonzero == std::string_view::npos ? "0" : digits.substr(nonzero);
  return (sign == "-" ? "-" : "") + std::string(kept);
}

std::optional<std::string> FromBase(std::string_view digits, int base, std::string_view text,
                                    std::string* error) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    *error = fmt::format("`{}` is larger than 64 bits", text);
    return std::nullopt;
  }
  return std::to_string(value);
}

}  // namespace

std::optional<std::string> CoreSchemaJson(std::string_view plain, std::string* error) {
  // The patterns of the YAML 1.2.2 core schema (section 10.3.2), in its resolution order.
  static const std::regex kNull("null|Null|NULL|~|");
  static const std::regex kTrue("true|True|TRUE");
  static const std::regex kFalse("false|False|FALSE");
  static const std::regex kInt10("([-+]?)([0-9]+)");
  static const std::regex kInt8("0o([0-7]+)");
  static const std::regex kInt16("0x([0-9a-fA-F]+)");
  static const std::regex kFloat(R"(([-+]?)([0-9]*)(\.([0-9]*))?([eE][-+]?[0-9]+)?)");
  static const std::regex kInf(R"([-+]?\.(inf|Inf|INF))");
  static const std::regex kNan(R"(\.(nan|NaN|NAN))");
  error->clear();
  std::string text(plain);
  std::smatch m;
  if (std::regex_match(text, kNull)) return "null";
  if (std::regex_match(text, kTrue)) return "true";
  if (std::regex_match(text, kFalse)) return "false";
  if (std::regex_match(text, m, kInt10)) {
    std::string out = CanonicalInteger(m.str(1), m.str(2));
    return out == "-0" ? "0" : out;  // the integer zero has no sign
  }
  if (std::regex_match(text, m, kInt8)) return FromBase(m.str(1), 8, plain, error);
  if (std::regex_match(text, m, kInt16)) return FromBase(m.str(1), 16, plain, error);
  // kFloat is the spec's float pattern with both digit runs optional; "one of them is
  // non-empty" completes it (`.5` and `5.` are floats, `.` and `+e3` are not).
  if (std::regex_match(text, m, kFloat) && (m.length(2) > 0 || m.length(4) > 0)) {
    std::string out = CanonicalInteger(m.str(1), m.str(2));
    if (m[3].matched) out += "." + (m.length(4) > 0 ? m.str(4) : std::string("0"));
    return out + m.str(5);
  }
  if (std::regex_match(text, kInf) || std::regex_match(text, kNan)) {
    *error =
        fmt::format("`{}` is a YAML float that JSON cannot hold (quote it for a string)", plain);
  }
  return std::nullopt;
}

namespace internal {

bool Parser::AppendJson(const YAML::Node& node, Template* out) {
  if (node.IsMap()) {
    out->AppendLiteral("{");
    bool first = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar() && !key.IsNull()) {
        Error(key, "keys of a `json` body must be strings");
        return false;
      }
      out->AppendLiteral(fmt::format("{}{}:", first ? "" : ",", QuoteJson(key.Scalar())));
      first = false;
      if (!AppendJson(it->second, out)) return false;
    }
    out->AppendLiteral("}");
    return true;
  }
  if (node.IsSequence()) {
    out->AppendLiteral("[");
    for (size_t i = 0; i < node.size(); ++i) {
      if (i) out->AppendLiteral(",");
      if (!AppendJson(node[i], out)) return false;
    }
    out->AppendLiteral("]");
    return true;
  }
  if (node.IsNull()) {
    out->AppendLiteral("null");
    return true;
  }
  // A plain scalar (tag "?") or one with a non-string tag resolves by the core schema; a quoted
  // one (tag "!") or `!!str` is a string.
  if (node.Tag() != "!" && node.Tag() != "tag:yaml.org,2002:str") {
    std::string error;
    if (auto json = CoreSchemaJson(node.Scalar(), &error)) {
      out->AppendLiteral(*json);
      return true;
    }
    if (!error.empty()) {
      Error(node, error);
      return false;
    }
  }
  auto t = TemplateScalar(node, Loc(node));
  if (!t) return false;
  out->AppendLiteral("\"");
  out->Append(*t, true);
  out->AppendLiteral("\"");
  return true;
}

std::optional<Template> Parser::JsonBody(const YAML::Node& node) {
  Template body;
  if (!AppendJson(node, &body)) return std::nullopt;
  return body;
}

}  // namespace internal
}  // namespace leakcheck::config
