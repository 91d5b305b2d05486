// The driver's URL and TLS helpers (driver_internal.h).
#include <fmt/format.h>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "harness/common/error.h"
#include "harness/config/attach.h"
#include "harness/load/driver_internal.h"

namespace leakcheck::load::internal {

namespace asio = boost::asio;
using boost::system::error_code;

TargetUrl ParseTarget(const std::string& url) {
  const bool tls = url.rfind("https://", 0) == 0;
  if (!tls && url.rfind("http://", 0) != 0) {
    throw HarnessError("load", fmt::format("target `{}` must start with http:// or https://", url));
  }
  std::string rest = url.substr(tls ? 8 : 7);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  TargetUrl target;
  target.tls = tls;
  target.base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!target.base_path.empty() && target.base_path.back() == '/') target.base_path.pop_back();
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos || colon + 1 == authority.size() || authority.back() == ']') {
    if (colon != std::string::npos && colon + 1 == authority.size()) {
      throw HarnessError("load", fmt::format("target `{}` has no port (is app.port set?)", url));
    }
    target.host = authority;
    target.port = tls ? "443" : "80";
  } else {
    target.host = authority.substr(0, colon);
    target.port = authority.substr(colon + 1);
  }
  if (target.host.size() > 2 && target.host.front() == '[') {
    target.host = target.host.substr(1, target.host.size() - 2);
  }
  if (target.host.empty()) throw HarnessError("load", fmt::format("target `{}` has no host", url));
  return target;
}

std::optional<std::string> ResolveOnTarget(const std::string& scheme,
                                           const std::string& host_header,
                                           std::string_view location, const std::string& current) {
  const std::string base_text = scheme + "://" + host_header + current;  // the views point here
  auto base = boost::urls::parse_uri(base_text);
  auto ref = boost::urls::parse_uri_reference(location);
  if (!base || !ref) return std::nullopt;
  boost::urls::url resolved;
  if (!boost::urls::resolve(*base, *ref, resolved)) return std::nullopt;
  if (resolved.scheme() != scheme) return std::nullopt;
  std::string authority(resolved.encoded_host_and_port());
  const std::string default_port = scheme == "https" ? ":443" : ":80";
  if (authority != host_header &&
      !(resolved.port().empty() &&
        host_header == std::string(resolved.encoded_host()) + default_port))
    return std::nullopt;
  std::string target(resolved.encoded_path());
  if (target.empty()) target = "/";
  if (resolved.has_query()) {
    target += '?';
    target += resolved.encoded_query();
  }
  return target;
}

std::unique_ptr<asio::ssl::context> MakeTlsContext(const std::string& host, const std::string& ca,
                                                   bool insecure) {
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  error_code ec;
  if (insecure) {
    // Nothing else is ever trusted blindly.
    if (!config::IsLoopbackHost(host))
      throw HarnessError("load", fmt::format("`app.tls.insecure` is for loopback targets only, "
                                             "not `{}`: give the CA with `app.tls.ca`",
                                             host));
    tls->set_verify_mode(asio::ssl::verify_none);
    return tls;
  }
  tls->set_verify_mode(asio::ssl::verify_peer);
  if (ca.empty()) {
    tls->set_default_verify_paths(ec);
  } else {
    tls->load_verify_file(ca, ec);
  }
  if (ec)
    throw HarnessError("load", fmt::format("cannot load the CA certificates{}: {}",
                                           ca.empty() ? "" : " of `" + ca + "`", ec.message()));
  return tls;
}

}  // namespace leakcheck::load::internal
