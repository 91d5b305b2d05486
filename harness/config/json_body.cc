// `json:` request bodies: YAML to JSON text, with `{{ }}` holes in strings filled (and
// JSON-escaped) per request. Structure and scalars are resolved once, here.
#include "harness/config/json_body.h"

#include <charconv>
#include <cstdint>

#include <fmt/format.h>
#include <re2/re2.h>

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
  // RE2 rather than std::regex: one regex engine in the project (see common/line_pattern.h).
  static const RE2 kNull("null|Null|NULL|~|");
  static const RE2 kTrue("true|True|TRUE");
  static const RE2 kFalse("false|False|FALSE");
  static const RE2 kInt10("([-+]?)([0-9]+)");
  static const RE2 kInt8("0o([0-7]+)");
  static const RE2 kInt16("0x([0-9a-fA-F]+)");
  static const RE2 kFloat(R"(([-+]?)([0-9]*)(\.([0-9]*))?([eE][-+]?[0-9]+)?)");
  static const RE2 kInf(R"([-+]?\.(inf|Inf|INF))");
  static const RE2 kNan(R"(\.(nan|NaN|NAN))");
  error->clear();
  const re2::StringPiece text(plain.data(), plain.size());
  std::string sign, digits;
  if (RE2::FullMatch(text, kNull)) return "null";
  if (RE2::FullMatch(text, kTrue)) return "true";
  if (RE2::FullMatch(text, kFalse)) return "false";
  if (RE2::FullMatch(text, kInt10, &sign, &digits)) {
    std::string out = CanonicalInteger(sign, digits);
    return out == "-0" ? "0" : out;  // the integer zero has no sign
  }
  if (RE2::FullMatch(text, kInt8, &digits)) return FromBase(digits, 8, plain, error);
  if (RE2::FullMatch(text, kInt16, &digits)) return FromBase(digits, 16, plain, error);
  // kFloat is the spec's float pattern with both digit runs optional; "one of them is
  // non-empty" completes it (`.5` and `5.` are floats, `.` and `+e3` are not).
  std::string fraction, exponent;
  re2::StringPiece point_group;
  if (RE2::FullMatch(text, kFloat, &sign, &digits, &point_group, &fraction, &exponent) &&
      (!digits.empty() || !fraction.empty())) {
    std::string out = CanonicalInteger(sign, digits);
    if (point_group.data() != nullptr)
      out += "." + (fraction.empty() ? std::string("0") : fraction);
    return out + exponent;
  }
  if (RE2::FullMatch(text, kInf) || RE2::FullMatch(text, kNan)) {
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
  // A string that is one `{{ }}` and nothing else keeps the value's type (a number stays a
  // number): docs/scenarios.md, "Typed values".
  if (auto whole = t->AsJsonValue()) {
    out->Append(*whole, false);
    return true;
  }
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
