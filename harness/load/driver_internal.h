#pragma once

// The driver's response parsing and per-step plans (driver.cc's internals, split out to keep
// the file under the size limit). Not a public interface.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <re2/re2.h>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>

#include "harness/common/redact.h"
#include "harness/config/scenario.h"
#include "harness/load/stats.h"

namespace leakcheck::load::internal {

namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

// Parses one response without storing every header: the status, the headers `wanted` (the
// first of each), Location, Set-Cookie values (into `set_cookies`) and the body into a string.
class ResponseParser : public http::basic_parser<false> {
 public:
  ResponseParser(std::string& body, const std::vector<std::string>& wanted,
                 std::vector<std::string>& set_cookies)
      : body_(body), wanted_(wanted), set_cookies_(set_cookies), found(wanted.size()) {
    body_.clear();
    set_cookies_.clear();
    body_limit(kMaxResponseBody);
  }

  int status = 0;
  std::string location;

 private:
  void on_request_impl(http::verb, beast::string_view, beast::string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override { status = code; }
  void on_field_impl(http::field field, beast::string_view name, beast::string_view value,
                     error_code&) override {
    // Session cookies the app hands out are secrets in whatever leakcheck writes later.
    if (field == http::field::set_cookie) {
      redact::Global().AddHeaderValue({value.data(), value.size()});
      set_cookies_.emplace_back(value.data(), value.size());
    }
    if (field == http::field::location) location.assign(value.data(), value.size());
    for (size_t i = 0; i < wanted_.size(); ++i) {
      if (!found[i] && beast::iequals(name, wanted_[i]))
        found[i].emplace(value.data(), value.size());
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    if (length) body_.reserve(static_cast<size_t>(*length));
  }
  std::size_t on_body_impl(beast::string_view s, error_code&) override {
    body_.append(s.data(), s.size());
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view s, error_code&) override {
    body_.append(s.data(), s.size());
    return s.size();
  }
  void on_finish_impl(error_code&) override {}

  std::string& body_;
  const std::vector<std::string>& wanted_;
  std::vector<std::string>& set_cookies_;

 public:
  std::vector<std::optional<std::string>> found;  ///< parallel to `wanted`
};

// What a request step needs from each response, worked out once per step.
struct StepPlan {
  std::vector<std::string> wanted_headers;  // expect.header first (if any), then captures'
  std::vector<int> capture_header;          // per capture: index into wanted_headers, or -1
  std::vector<std::shared_ptr<const RE2>> capture_regexp;  // per capture (kRegexp), or null
  std::vector<int> capture_group;                          // per capture (kRegexp)
};

inline StepPlan PlanStep(const config::RequestStep& step) {
  StepPlan plan;
  if (step.expect.header) plan.wanted_headers.push_back(*step.expect.header);
  for (const config::Capture& capture : step.captures) {
    plan.capture_header.push_back(-1);
    plan.capture_regexp.emplace_back();
    plan.capture_group.push_back(0);
    if (capture.source == config::CaptureSource::kHeader) {
      plan.capture_header.back() = static_cast<int>(plan.wanted_headers.size());
      plan.wanted_headers.push_back(capture.header);
    } else if (capture.source == config::CaptureSource::kRegexp) {
      auto re = std::make_shared<RE2>(capture.regexp, RE2::Quiet);
      int group = capture.group >= 0 ? capture.group : (re->NumberOfCapturingGroups() > 0);
      if (!capture.group_name.empty()) {
        auto it = re->NamedCapturingGroups().find(capture.group_name);
        group = it == re->NamedCapturingGroups().end() ? 0 : it->second;
      }
      plan.capture_regexp.back() = std::move(re);
      plan.capture_group.back() = group;
    }
  }
  return plan;
}

inline void PlanFlow(const std::vector<config::Step>& flow,
                     std::unordered_map<const config::RequestStep*, StepPlan>* plans) {
  for (const config::Step& step : flow) {
    if (step.kind == config::Step::Kind::kRequest) (*plans)[&step.request] = PlanStep(step.request);
    if (step.kind == config::Step::Kind::kLoop) PlanFlow(step.loop.flow, plans);
  }
}

inline bool UsesUuid(const config::Template& t) {
  for (const config::TemplatePart& part : t.parts()) {
    if (part.kind == config::TemplatePart::Kind::kUuid) return true;
  }
  return false;
}

// True when any template of the flow (or the default headers) uses {{ $uuid }}; a UUID is then
// made per iteration, otherwise never.
inline bool FlowUsesUuid(const std::vector<config::Step>& flow, const config::Defaults& defaults) {
  for (const config::Header& h : defaults.headers) {
    if (UsesUuid(h.value)) return true;
  }
  for (const config::Step& step : flow) {
    if (step.kind == config::Step::Kind::kLoop && FlowUsesUuid(step.loop.flow, {})) return true;
    if (step.kind != config::Step::Kind::kRequest) continue;
    const config::RequestStep& r = step.request;
    if (UsesUuid(r.url) || (r.body && UsesUuid(*r.body)) ||
        (r.expect.contains && UsesUuid(*r.expect.contains)) ||
        (r.expect.header_equals && UsesUuid(*r.expect.header_equals))) {
      return true;
    }
    for (const config::Header& h : r.headers) {
      if (UsesUuid(h.value)) return true;
    }
  }
  return false;
}

/// A target URL taken apart (driver_internal.cc).
struct TargetUrl {
  bool tls = false;       ///< https://
  std::string host;       ///< brackets removed from an IPv6 address
  std::string port;       ///< "80" / "443" when not written
  std::string base_path;  ///< without a trailing '/'
};

/// "http(s)://host[:port][/base]"; HarnessError("load", …) for anything else.
TargetUrl ParseTarget(const std::string& url);

/// The request target of `location` (a redirect's Location, or an absolute URL in a request)
/// resolved against `current` on scheme://host_header (RFC 9110 section 10.2.2), or nullopt
/// when it leaves that scheme, host and port (the driver has one endpoint).
std::optional<std::string> ResolveOnTarget(const std::string& scheme,
                                           const std::string& host_header,
                                           std::string_view location, const std::string& current);

/// The TLS client context of an https target: verify the peer against `ca` (a PEM file; empty:
/// the system's CAs), or nothing with `insecure` (only when `host` is loopback). HarnessError
/// ("load", …) when the CA file cannot be loaded or `insecure` is asked for another host.
std::unique_ptr<boost::asio::ssl::context> MakeTlsContext(const std::string& host,
                                                          const std::string& ca, bool insecure);

}  // namespace leakcheck::load::internal
