#pragma once

#include <random>
#include <string>
#include <string_view>

#include "harness/config/scenario.h"

/// The parts of an HTTP request the driver renders from a request step: the request target
/// (url + `qs:`) and the body (`json:`, `body:`, `form:`, `formData:`).
namespace leakcheck::load {

/// Appends `base_path`, the step's url (its `{{ }}` values percent-encoded unless `{{{ }}}`)
/// and its `qs:` pairs (names and values percent-encoded, RFC 3986) to `out`.
void RenderRequestTarget(const config::RequestStep& step, const config::RenderContext& context,
                         std::string_view base_path, std::string& out);

/// Renders the step's body into `out` (cleared first) and returns its content type: JSON
/// for `json:`, `application/x-www-form-urlencoded` for `form:`, `multipart/form-data;
/// boundary=...` for `formData:` (the boundary drawn from `rng`), "" for `body:` (the user
/// sets it) or no body. `*has_body` is false when the step has no body.
std::string RenderRequestBody(const config::RequestStep& step, const config::RenderContext& context,
                              std::mt19937_64& rng, std::string& out, bool* has_body);

}  // namespace leakcheck::load
