#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "harness/load/histogram.h"

namespace leakcheck::load {

/// Why a request failed. A request counts once per kind it failed in.
enum class ErrorKind {
  kConnect,       ///< could not connect
  kTimeout,       ///< no complete response within the request's timeout
  kClosed,        ///< the server closed or reset the connection before the response was complete
  kStatus,        ///< status not in `expect.status` (or >= 400 when none is given)
  kExpectation,   ///< `expect.header` / `expect.contains` not met
  kCapture,       ///< a `capture` JSONPath found nothing (or the body was not JSON)
  kBodyTooLarge,  ///< the response body exceeded kMaxResponseBody; the connection is closed
  kRedirect,      ///< more than config::kMaxRedirects redirects, or one off the app's host
};
inline constexpr int kErrorKinds = 8;
/// The most of one response body the driver keeps (16 MiB): a larger body is not read on, so
/// leakcheck's memory stays bounded whatever the app sends.
inline constexpr uint64_t kMaxResponseBody = 16ull << 20;
/// "connect", "timeout", "closed", "status", "expectation", "capture", "body_too_large",
/// "redirect".
const char* ErrorKindName(ErrorKind kind);

/// The most of a failed response's body a route keeps as its sample (raw, before redaction:
/// run/ redacts it and cuts it to kRouteSampleBytes).
inline constexpr size_t kRouteSampleKeep = 4096;
/// The most of a sample body the reports show (bytes, cut at a UTF-8 boundary).
inline constexpr size_t kRouteSampleBytes = 512;
/// At most this many distinct status codes a route keeps a sample body for.
inline constexpr size_t kRouteSamples = 8;

/// One response body a route failed with: the first seen per status code.
struct BodySample {
  int status = 0;
  std::string body;  ///< its first kRouteSampleKeep bytes, as received (not redacted)
};

struct RouteStats {
  std::string route;     ///< "GET /users/{{ uid }}": the method and URL as written in the YAML
  int64_t requests = 0;  ///< requests started on this route
  int64_t failed = 0;    ///< of which failed in any way
  /// Complete responses by status code (the last hop of a redirect chain), in order of first
  /// appearance.
  std::vector<std::pair<int, int64_t>> statuses;
  std::array<int64_t, kErrorKinds> errors{};  ///< failures by ErrorKind
  std::vector<BodySample> samples;            ///< failed responses' bodies, one per status
  /// The first failure's message of each kind, where the transport gave one (the kinds connect
  /// and closed: "certificate verify failed (SSL routines)", "Connection refused"); empty
  /// otherwise. Not redacted (run/ redacts).
  std::array<std::string, kErrorKinds> reasons;

  /// Counts a complete response with `status`.
  void CountStatus(int status);
  /// Keeps `body` as the sample of `status` unless one is kept (or kRouteSamples are).
  void KeepSample(int status, std::string_view body);
  /// Keeps `reason` (its first kRouteSampleKeep bytes) as the reason of `kind` unless one is kept.
  void KeepReason(ErrorKind kind, std::string_view reason);
  /// Adds `other`'s counts; keeps this route's samples and reasons first.
  void Merge(const RouteStats& other);
};

/// What one batch (or a whole run) of the driver did.
struct Stats {
  int64_t iterations = 0;         ///< iterations completed (all steps run or abandoned)
  int64_t failed_iterations = 0;  ///< iterations abandoned or with a failed request
  int64_t requests = 0;           ///< requests started
  int64_t responses = 0;          ///< complete responses received
  int64_t failed_requests = 0;    ///< requests with at least one error
  std::array<int64_t, kErrorKinds> errors{};
  std::array<int64_t, 6> status_classes{};  ///< responses by status / 100 (index 1..5)
  int64_t connections_opened = 0;
  int64_t server_closes = 0;  ///< connections the server closed (Connection: close, idle close)
  int64_t redirects = 0;      ///< redirects followed (each hop; not counted in `requests`)
  std::vector<RouteStats> routes;  ///< indexed like config::Scenario::routes
  LatencyHistogram latency;        ///< response time in µs, complete responses only
  double elapsed_seconds = 0;

  int64_t errors_of(ErrorKind kind) const { return errors[static_cast<size_t>(kind)]; }
  /// failed_requests / requests (0 without requests): the `http_errors` detector's value.
  double error_rate() const;
  /// Adds `other` (routes by index).
  void Merge(const Stats& other);
  /// A JSON object with every field, `errors` by kind, `status` by class ("2xx"), `routes`
  /// ({route, requests, failed, status: {"500": n}, errors: {kind: n}, and reasons: {kind:
  /// message} when a failure gave one}) and `latency_us` (count,
  /// min, mean, p50, p90, p99, p999, max).
  boost::json::object Json() const;
  /// Json() serialised on one line (Boost.JSON: every string escaped by the one escaper).
  std::string ToJson() const;
};

}  // namespace leakcheck::load
