#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace leakcheck::config {

/// The JSON text of a plain (unquoted, untagged) YAML scalar in a `json:` body, resolved by the
/// YAML 1.2 core schema (YAML 1.2.2, section 10.3.2), the schema yaml-cpp and Node's `yaml`
/// package read by default:
/// - null:  `null`, `Null`, `NULL`, `~` and the empty scalar  -> `null`
/// - bool:  `true`, `True`, `TRUE`, `false`, `False`, `FALSE` -> `true` / `false`
/// - int:   `[-+]?[0-9]+` -> decimal without `+` or leading zeros (`+5` -> `5`, `007` -> `7`);
///          `0o[0-7]+` and `0x[0-9a-fA-F]+` -> decimal (`0x1F` -> `31`), up to 2^64 - 1
/// - float: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` -> the same number in JSON's
///          grammar (`.5` -> `0.5`, `5.` -> `5.0`, `-.5e3` -> `-0.5e3`); digits are kept, never
///          rounded through a double
/// Returns nullopt for every other scalar: the core schema reads it as a string (`yes`, `1_000`,
/// `0b1`, `1:30`, `5px` are strings), and so does the body. `.inf`, `.nan` (floats JSON cannot
/// hold) and octal/hex beyond 64 bits also return nullopt, with `*error` set to the reason;
/// the loader reports those as errors at the scalar.
std::optional<std::string> CoreSchemaJson(std::string_view plain, std::string* error);

}  // namespace leakcheck::config
