#include "harness/load/stats.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace leakcheck::load {

const char* ErrorKindName(ErrorKind kind) {
  static constexpr const char* kNames[kErrorKinds] = {"connect",        "timeout",     "closed",
                                                      "status",         "expectation", "capture",
                                                      "body_too_large", "redirect"};
  return kNames[static_cast<size_t>(kind)];
}

void RouteStats::CountStatus(int status) {
  for (auto& [code, n] : statuses)
    if (code == status) {
      ++n;
      return;
    }
  statuses.emplace_back(status, 1);
}

void RouteStats::KeepSample(int status, std::string_view body) {
  if (samples.size() >= kRouteSamples) return;
  for (const BodySample& s : samples)
    if (s.status == status) return;
  samples.push_back({status, std::string(body.substr(0, kRouteSampleKeep))});
}

void RouteStats::KeepReason(ErrorKind kind, std::string_view reason) {
  std::string& kept = reasons[static_cast<size_t>(kind)];
  if (kept.empty()) kept = reason.substr(0, kRouteSampleKeep);
}

void RouteStats::Merge(const RouteStats& other) {
  route = other.route;
  requests += other.requests;
  failed += other.failed;
  for (const auto& [code, n] : other.statuses) {
    auto it = std::find_if(statuses.begin(), statuses.end(),
                           [code = code](const auto& s) { return s.first == code; });
    if (it == statuses.end())
      statuses.emplace_back(code, n);
    else
      it->second += n;
  }
  for (size_t i = 0; i < errors.size(); ++i) errors[i] += other.errors[i];
  for (const BodySample& s : other.samples) KeepSample(s.status, s.body);
  for (int i = 0; i < kErrorKinds; ++i)
    KeepReason(static_cast<ErrorKind>(i), other.reasons[static_cast<size_t>(i)]);
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
  redirects += other.redirects;
  if (routes.size() < other.routes.size()) routes.resize(other.routes.size());
  for (size_t i = 0; i < other.routes.size(); ++i) routes[i].Merge(other.routes[i]);
  latency.Merge(other.latency);
  elapsed_seconds += other.elapsed_seconds;
}

boost::json::object Stats::Json() const {
  namespace json = boost::json;
  json::object errors_json, status, latency_us;
  for (int i = 0; i < kErrorKinds; ++i)
    errors_json[ErrorKindName(static_cast<ErrorKind>(i))] = errors[static_cast<size_t>(i)];
  for (size_t c = 1; c < status_classes.size(); ++c)
    status[fmt::format("{}xx", c)] = status_classes[c];
  json::array routes_json;
  for (const RouteStats& r : routes) {
    json::object by_status, by_error;
    for (const auto& [code, n] : r.statuses) by_status[std::to_string(code)] = n;
    for (int i = 0; i < kErrorKinds; ++i)
      if (r.errors[static_cast<size_t>(i)] != 0)
        by_error[ErrorKindName(static_cast<ErrorKind>(i))] = r.errors[static_cast<size_t>(i)];
    json::object route{{"route", r.route},
                       {"requests", r.requests},
                       {"failed", r.failed},
                       {"status", std::move(by_status)},
                       {"errors", std::move(by_error)}};
    json::object reasons;
    for (int i = 0; i < kErrorKinds; ++i)
      if (!r.reasons[static_cast<size_t>(i)].empty())
        reasons[ErrorKindName(static_cast<ErrorKind>(i))] = r.reasons[static_cast<size_t>(i)];
    if (!reasons.empty()) route["reasons"] = std::move(reasons);
    routes_json.push_back(std::move(route));
  }
  latency_us = {{"count", latency.count()},         {"min", latency.min()},
                {"mean", latency.mean()},           {"p50", latency.Percentile(50)},
                {"p90", latency.Percentile(90)},    {"p99", latency.Percentile(99)},
                {"p999", latency.Percentile(99.9)}, {"max", latency.max()}};
  return {{"iterations", iterations},
          {"failed_iterations", failed_iterations},
          {"requests", requests},
          {"responses", responses},
          {"failed_requests", failed_requests},
          {"error_rate", error_rate()},
          {"connections_opened", connections_opened},
          {"server_closes", server_closes},
          {"redirects", redirects},
          {"elapsed_seconds", elapsed_seconds},
          {"requests_per_second",
           elapsed_seconds > 0 ? static_cast<double>(requests) / elapsed_seconds : 0.0},
          {"errors", std::move(errors_json)},
          {"status", std::move(status)},
          {"routes", std::move(routes_json)},
          {"latency_us", std::move(latency_us)}};
}

std::string Stats::ToJson() const { return boost::json::serialize(Json()); }

}  // namespace leakcheck::load
