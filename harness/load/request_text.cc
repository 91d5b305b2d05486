#include "harness/load/request_text.h"

#include <fmt/format.h>

namespace leakcheck::load {
namespace {

// Name and value pairs joined by '&', each percent-encoded (the query and urlencoded forms).
void AppendEncodedPairs(const std::vector<config::NamedValue>& pairs,
                        const config::RenderContext& context, std::string& out) {
  std::string value;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i) out += '&';
    config::AppendPercentEncoded(pairs[i].name, out);
    out += '=';
    value.clear();
    pairs[i].value.RenderTo(context, value);
    config::AppendPercentEncoded(value, out);
  }
}

// A multipart field name, quoted as the WHATWG HTML standard does (", CR and LF escaped).
void AppendQuotedFieldName(std::string_view name, std::string& out) {
  out += '"';
  for (char c : name) {
    if (c == '"') {
      out += "%22";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

void RenderRequestTarget(const config::RequestStep& step, const config::RenderContext& context,
                         std::string_view base_path, std::string& out) {
  out += base_path;
  const size_t start = out.size();
  step.url.RenderTo(context, out);
  if (step.qs.empty()) return;
  out += out.find('?', start) == std::string::npos ? '?' : '&';
  AppendEncodedPairs(step.qs, context, out);
}

std::string RenderRequestBody(const config::RequestStep& step, const config::RenderContext& context,
                              std::mt19937_64& rng, std::string& out, bool* has_body) {
  out.clear();
  *has_body = true;
  if (step.body) {
    step.body->RenderTo(context, out);
    return step.json_body ? "application/json" : "";
  }
  if (!step.form.empty()) {
    AppendEncodedPairs(step.form, context, out);
    return "application/x-www-form-urlencoded";
  }
  if (!step.form_data.empty()) {
    // RFC 7578: a boundary that does not occur in the parts (random, 24 hex digits).
    std::string boundary = fmt::format("----leakcheck{:016x}{:08x}", rng(), rng() & 0xffffffffu);
    for (const config::NamedValue& field : step.form_data) {
      out += "--";
      out += boundary;
      out += "\r\nContent-Disposition: form-data; name=";
      AppendQuotedFieldName(field.name, out);
      out += "\r\n\r\n";
      field.value.RenderTo(context, out);
      out += "\r\n";
    }
    out += "--";
    out += boundary;
    out += "--\r\n";
    return "multipart/form-data; boundary=" + boundary;
  }
  *has_body = false;
  return "";
}

}  // namespace leakcheck::load
