#include <simdjson.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>

#include "harness/cdp/session.h"
#include "harness/common/error.h"

namespace leakcheck::cdp {
namespace {

using SiteKey = std::tuple<std::string, std::string, int, int>;

constexpr const char* kStage = "cdp: HeapProfiler.getSamplingProfile";

[[noreturn]] void Bad(simdjson::error_code e) {
  throw HarnessError(kStage,
                     std::string("malformed sampling profile: ") + simdjson::error_message(e));
}

template <class T>
T Must(simdjson::simdjson_result<T> r) {
  T v;
  if (auto e = std::move(r).get(v)) Bad(e);
  return v;
}

// Byte counts above 2^53 (8 PiB) are not real sizes; refusing them keeps every conversion and
// sum in range.
constexpr double kMaxSelfSize = 9007199254740992.0;

int64_t SelfSize(double value) {
  if (!std::isfinite(value) || value < 0 || value > kMaxSelfSize)
    throw HarnessError(kStage, "malformed sampling profile: selfSize out of range");
  return static_cast<int64_t>(value);
}

// CDP's 0-based line/column as 1-based; 0 (unknown) for -1 and anything out of range.
int OneBased(int64_t zero_based) {
  if (zero_based < 0 || zero_based >= std::numeric_limits<int>::max()) return 0;
  return static_cast<int>(zero_based) + 1;
}

// a + b for byte counts, stopping at the int64 maximum instead of overflowing.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<int64_t>::max() : sum;
}

// Walks one SamplingHeapProfileNode and its children (fields in any order).
void WalkNode(simdjson::ondemand::object node, std::map<SiteKey, int64_t>& sites, int depth) {
  if (depth > 10000) throw HarnessError(kStage, "sampling profile nested too deeply");
  AllocationSite site;
  for (auto field : node) {
    std::string_view key = Must(field.unescaped_key());
    if (key == "selfSize") {
      site.self_size = SelfSize(Must(field.value().get_double()));
    } else if (key == "callFrame") {
      for (auto cf : Must(field.value().get_object())) {
        std::string_view k = Must(cf.unescaped_key());
        if (k == "functionName")
          site.function_name = Must(cf.value().get_string());
        else if (k == "url")
          site.url = Must(cf.value().get_string());
        else if (k == "lineNumber")
          site.line = OneBased(Must(cf.value().get_int64()));
        else if (k == "columnNumber")
          site.column = OneBased(Must(cf.value().get_int64()));
      }
    } else if (key == "children") {
      for (auto child : Must(field.value().get_array())) {
        WalkNode(Must(child.get_object()), sites, depth + 1);
      }
    }
  }
  if (site.self_size > 0) {
    int64_t& total = sites[{site.function_name, site.url, site.line, site.column}];
    total = SaturatingAdd(total, site.self_size);
  }
}

}  // namespace

SamplingProfile ParseSamplingProfile(std::string_view json) {
  simdjson::padded_string copy(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc = Must(parser.iterate(copy));
  simdjson::ondemand::object root = Must(doc.get_object());
  std::map<SiteKey, int64_t> sites;
  for (auto field : root) {
    std::string_view key = Must(field.unescaped_key());
    if (key == "profile") {
      for (auto inner : Must(field.value().get_object())) {
        if (Must(inner.unescaped_key()) == "head")
          WalkNode(Must(inner.value().get_object()), sites, 0);
      }
    } else if (key == "head") {
      WalkNode(Must(field.value().get_object()), sites, 0);
    }
  }
  SamplingProfile profile;
  for (auto& [key, size] : sites) {
    auto& [fn, url, line, column] = key;
    profile.sites.push_back({fn, url, line, column, size});
    profile.total_bytes = SaturatingAdd(profile.total_bytes, size);
  }
  std::stable_sort(
      profile.sites.begin(), profile.sites.end(),
      [](const AllocationSite& a, const AllocationSite& b) { return a.self_size > b.self_size; });
  return profile;
}

}  // namespace leakcheck::cdp
