#include "harness/load/stats.h"

#include <fmt/format.h>

#include "harness/config/template.h"

namespace leakcheck::load {

const char* ErrorKindName(ErrorKind kind) {
  static constexpr const char* kNames[kErrorKinds] = {
      "connect", "timeout", "closed", "status", "expectation", "capture", "body_too_large"};
  return kNames[static_cast<size_t>(kind)];
}

double Stats::error_rate() const {
  return requests ? static_cast<double>(failed_requests) / static_cast<double>(requests) : 0;
}

void Stats::Merge(const Stats& other) {
  iterations += other.iterations;
  failed_iterations += other.failed_iterations;
  requests += other.requests;
  responses += other.responses;
  failed_requests += other.failed_requests;
  for (size_t i = 0; i < errors.size(); ++i) errors[i] += other.errors[i];
  for (size_t i = 0; i < status_classes.size(); ++i) status_classes[i] += other.status_classes[i];
  connections_opened += other.connections_opened;
  server_closes += other.server_closes;
  if (routes.size() < other.routes.size()) routes.resize(other.routes.size());
  for (size_t i = 0; i < other.routes.size(); ++i) {
    routes[i].route = other.routes[i].route;
    routes[i].requests += other.routes[i].requests;
    routes[i].failed += other.routes[i].failed;
  }
  latency.Merge(other.latency);
  elapsed_seconds += other.elapsed_seconds;
}

std::string Stats::ToJson() const {
  auto out = fmt::memory_buffer();
  auto it = std::back_inserter(out);
  fmt::format_to(it,
                 "{{\"iterations\":{},\"failed_iterations\":{},\"requests\":{},\"responses\":{},"
                 "\"failed_requests\":{},\"error_rate\":{},\"connections_opened\":{},"
                 "\"server_closes\":{},\"elapsed_seconds\":{:.6f},\"requests_per_second\":{:.1f},",
                 iterations, failed_iterations, requests, responses, failed_requests, error_rate(),
                 connections_opened, server_closes, elapsed_seconds,
                 elapsed_seconds > 0 ? static_cast<double>(requests) / elapsed_seconds : 0.0);
  fmt::format_to(it, "\"errors\":{{");
  for (int i = 0; i < kErrorKinds; ++i) {
    fmt::format_to(it, "{}\"{}\":{}", i ? "," : "", ErrorKindName(static_cast<ErrorKind>(i)),
                   errors[static_cast<size_t>(i)]);
  }
  fmt::format_to(it, "}},\"status\":{{\"1xx\":{},\"2xx\":{},\"3xx\":{},\"4xx\":{},\"5xx\":{}}},",
                 status_classes[1], status_classes[2], status_classes[3], status_classes[4],
                 status_classes[5]);
  fmt::format_to(it, "\"routes\":[");
  for (size_t i = 0; i < routes.size(); ++i) {
    std::string name;
    config::AppendJsonEscaped(routes[i].route, name);
    fmt::format_to(it, "{}{{\"route\":\"{}\",\"requests\":{},\"failed\":{}}}", i ? "," : "", name,
                   routes[i].requests, routes[i].failed);
  }
  fmt::format_to(it,
                 "],\"latency_us\":{{\"count\":{},\"min\":{},\"mean\":{:.1f},\"p50\":{},\"p90\":{},"
                 "\"p99\":{},\"p999\":{},\"max\":{}}}}}",
                 latency.count(), latency.min(), latency.mean(), latency.Percentile(50),
                 latency.Percentile(90), latency.Percentile(99), latency.Percentile(99.9),
                 latency.max());
  return fmt::to_string(out);
}

}  // namespace leakcheck::load
