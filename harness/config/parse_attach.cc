// `app.url`, `app.inspect`, `app.allow_remote_inspector` (attach mode) and `app.tls` (https
// targets): how leakcheck reaches the app (docs/scenarios.md).
#include "harness/config/attach.h"

#include <charconv>
#include <filesystem>

#include <fmt/format.h>
#include <boost/url/parse.hpp>

#include "harness/config/parser.h"

namespace leakcheck::config {

std::optional<HostPort> ParseHostPort(std::string_view text) {
  HostPort out;
  std::string_view port;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    out.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (out.host.find(':') != std::string::npos) return std::nullopt;  // v6 needs brackets
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535 ||
      out.host.empty())
    return std::nullopt;
  out.port = static_cast<uint16_t>(value);
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.a.b.c, each part a decimal number up to 255.
  if (!host.starts_with("127.")) return false;
  int parts = 0;
  for (size_t at = 0; at <= host.size(); ++parts) {
    size_t dot = host.find('.', at);
    if (dot == std::string_view::npos) dot = host.size();
    const std::string_view part = host.substr(at, dot - at);
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || v > 255)
      return false;
    at = dot + 1;
  }
  return parts == 4;
}

namespace internal {
namespace {
constexpr std::string_view kTlsKeys[] = {"ca", "insecure"};
}  // namespace

void Parser::ParseAttach(const MapView& map, AppConfig* app) {
  if (const Field* tls = map.Find("tls")) {
    if (auto t = Map(tls->value, "tls", kTlsKeys, ValueLoc(*tls))) {
      const Field* ca = t->Find("ca");
      const Field* insecure = t->Find("insecure");
      if (ca && insecure) {
        Error(Loc(insecure->key_node),
              "`tls` takes either `ca` (verify against this CA) or `insecure`, not both");
      } else if (ca) {
        if (auto file = String(*ca)) {
          namespace fs = std::filesystem;
          const fs::path resolved =
              (fs::absolute(fs::path(path_)).parent_path() / *file).lexically_normal();
          std::error_code ec;
          if (!fs::is_regular_file(resolved, ec))
            Error(ValueLoc(*ca), fmt::format("`tls.ca` `{}` is not a file (resolved to {})", *file,
                                             resolved.string()));
          app->tls_ca = {resolved.string(), ValueLoc(*ca)};
        }
      } else if (insecure) {
        if (auto b = Bool(*insecure)) app->tls_insecure = {*b, ValueLoc(*insecure)};
      }
    }
  }
  const Field* url = map.Find("url");
  const Field* inspect = map.Find("inspect");
  const Field* allow = map.Find("allow_remote_inspector");
  if (!url) {
    for (const Field* f : {inspect, allow})
      if (f) Error(Loc(f->key_node), fmt::format("`app.{}` needs `app.url` (attach mode)", f->key));
    return;
  }
  // What starts or stops the app has no meaning for an app leakcheck did not start.
  for (std::string_view key : {"command", "cwd", "env", "node_args", "port", "stop_timeout"}) {
    if (const Field* f = map.Find(key))
      Error(Loc(f->key_node),
            fmt::format("`app.{}` does not apply with `app.url`: in attach mode leakcheck does "
                        "not start the app",
                        key));
  }
  if (auto text = String(*url)) {
    auto parsed = boost::urls::parse_absolute_uri(*text);
    if (!(text->starts_with("http://") || text->starts_with("https://")) || !parsed ||
        parsed->encoded_host().empty()) {
      Error(ValueLoc(*url),
            fmt::format("`app.url` `{}` must be an absolute http:// or https:// URL (e.g. "
                        "`http://127.0.0.1:3000`)",
                        *text));
    } else {
      app->url = {*text, ValueLoc(*url)};
      while (app->url.value.ends_with('/')) app->url.value.pop_back();
    }
  }
  if (allow) {
    if (auto b = Bool(*allow)) app->allow_remote_inspector = {*b, ValueLoc(*allow)};
  }
  if (!inspect) {
    Error(Loc(url->key_node),
          "`app.url` needs `app.inspect`: the host:port of the app's inspector (start the app "
          "with `node --inspect=127.0.0.1:9229`)");
    return;
  }
  if (auto text = String(*inspect)) {
    auto hp = ParseHostPort(*text);
    if (!hp) {
      Error(ValueLoc(*inspect),
            fmt::format("`app.inspect` `{}` must be host:port (e.g. `127.0.0.1:9229`)", *text));
    } else if (!IsLoopbackHost(hp->host) && !app->allow_remote_inspector.value) {
      Error(ValueLoc(*inspect),
            fmt::format("`app.inspect` `{}` is not a loopback address: the inspector runs any "
                        "code it is sent, so leakcheck only attaches to 127.0.0.1, localhost or "
                        "::1 unless `app.allow_remote_inspector: true` says the network is trusted",
                        *text));
    } else {
      app->inspect = {*text, ValueLoc(*inspect)};
    }
  }
}

}  // namespace internal
}  // namespace leakcheck::config
