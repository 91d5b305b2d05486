#include "harness/run/result_json.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <boost/describe/members.hpp>
#include <boost/json.hpp>
#include <boost/mp11/algorithm.hpp>

#include "harness/common/error.h"
#include "harness/common/exit_status.h"

namespace leakcheck::run {
namespace {

namespace json = boost::json;

// ---- what the descriptions do not say ------------------------------------------------------

// LoadStats' latency percentiles, written as the object `latency_ms`: one table, both ways.
constexpr std::pair<std::string_view, double LoadStats::*> kLatencyFields[] = {
    {"p50", &LoadStats::latency_p50_ms},
    {"p90", &LoadStats::latency_p90_ms},
    {"p99", &LoadStats::latency_p99_ms},
    {"max", &LoadStats::latency_max_ms}};

template <typename T>
constexpr bool kDescribed = boost::describe::has_describe_members<T>::value;

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

using Counts = std::vector<std::pair<std::string, int64_t>>;

std::string_view EnumName(CheckStatus s) { return CheckStatusName(s); }
std::string_view EnumName(Evidence::Kind k) { return EvidenceKindName(k); }
constexpr CheckStatus LastValue(CheckStatus) { return CheckStatus::kInconclusive; }
constexpr Evidence::Kind LastValue(Evidence::Kind) { return Evidence::Kind::kRoute; }

[[noreturn]] void Fail(const std::string& path, std::string_view what) {
  throw InputError("results", fmt::format("{}: {}", path.empty() ? "(top)" : path, what));
}

std::string Child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// ---- writing --------------------------------------------------------------------------------

template <typename T>
json::value Write(const T& v);

template <typename T>
json::object WriteMembers(const T& v) {
  json::object o;
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto member) { o[member.name] = Write(v.*member.pointer); });
  if constexpr (std::is_same_v<T, LoadStats>) {
    json::object latency;
    for (const auto& [name, field] : kLatencyFields) latency[name] = Write(v.*field);
    o["latency_ms"] = std::move(latency);
  }
  return o;
}

template <typename T>
json::value Write(const T& v) {
  if constexpr (std::is_same_v<T, double>) {
    if (!std::isfinite(v)) return nullptr;  // JSON has no NaN/Infinity
    return v;
  } else if constexpr (std::is_same_v<T, bool> || std::is_integral_v<T>) {
    return v;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return json::string(v);
  } else if constexpr (std::is_enum_v<T>) {
    return json::string(EnumName(v));
  } else if constexpr (IsOptional<T>::value) {
    if (!v) return nullptr;
    return Write(*v);
  } else if constexpr (std::is_same_v<T, Counts>) {
    json::object o;
    for (const auto& [name, n] : v) o[name] = n;
    return o;
  } else if constexpr (IsVector<T>::value) {
    json::array a;
    for (const auto& e : v) a.push_back(Write(e));
    return a;
  } else {
    static_assert(kDescribed<T>, "results.json: a field type without a JSON form");
    return WriteMembers(v);
  }
}

// ---- reading --------------------------------------------------------------------------------

// Reads `v` (never null) into `out`; `path` names the field in errors.
template <typename T>
void Read(const json::value& v, T& out, const std::string& path);

template <typename T>
void ReadMembers(const json::value& v, T& out, const std::string& path) {
  if (!v.is_object()) Fail(path, "expected an object");
  const json::object& o = v.get_object();
  if constexpr (std::is_same_v<T, CheckResult>) {
    out.measured = out.limit = std::nan("");  // unknown unless the file says
  }
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto member) {
        using Field = std::remove_reference_t<decltype(out.*member.pointer)>;
        const json::value* field = o.if_contains(member.name);
        if (field == nullptr) return;  // missing: the default
        if (field->is_null()) {
          if constexpr (std::is_same_v<Field, double>) out.*member.pointer = std::nan("");
          if constexpr (IsOptional<Field>::value) out.*member.pointer = std::nullopt;
          return;
        }
        Read(*field, out.*member.pointer, Child(path, member.name));
      });
  if constexpr (std::is_same_v<T, LoadStats>) {
    const json::value* latency = o.if_contains("latency_ms");
    if (latency == nullptr || latency->is_null()) return;
    std::string latency_path = Child(path, "latency_ms");
    if (!latency->is_object()) Fail(latency_path, "expected an object");
    for (const auto& [name, field] : kLatencyFields) {
      const json::value* p = latency->get_object().if_contains(name);
      if (p == nullptr) continue;
      if (p->is_null())
        out.*field = std::nan("");
      else
        Read(*p, out.*field, Child(latency_path, name));
    }
  }
}

template <typename T>
void Read(const json::value& v, T& out, const std::string& path) {
  if constexpr (std::is_same_v<T, double>) {
    if (!v.is_number()) Fail(path, "expected a number");
    out = v.to_number<double>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_bool()) Fail(path, "expected true or false");
    out = v.get_bool();
  } else if constexpr (std::is_integral_v<T>) {
    if (v.is_double()) {
      out = static_cast<T>(v.get_double());
    } else if (v.is_number()) {
      out = static_cast<T>(v.to_number<int64_t>());
    } else {
      Fail(path, "expected an integer");
    }
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) Fail(path, "expected a string");
    out = std::string(v.get_string());
  } else if constexpr (std::is_same_v<T, CheckStatus> || std::is_same_v<T, Evidence::Kind>) {
    std::string name;
    Read(v, name, path);
    for (int k = 0; k <= static_cast<int>(LastValue(T{})); ++k) {
      if (EnumName(static_cast<T>(k)) == name) {
        out = static_cast<T>(k);
        return;
      }
    }
    if constexpr (std::is_same_v<T, CheckStatus>) {
      Fail(path, fmt::format("unknown status \"{}\"", name));
    } else {
      out = Evidence::Kind::kNote;  // a newer kind reads as a note
    }
  } else if constexpr (IsOptional<T>::value) {
    typename T::value_type value{};
    Read(v, value, path);
    out = std::move(value);
  } else if constexpr (std::is_same_v<T, Counts>) {
    if (!v.is_object()) Fail(path, "expected an object of counts");
    out.clear();
    for (const auto& [name, n] : v.get_object()) {
      int64_t count = 0;
      Read(n, count, Child(path, name));
      out.emplace_back(std::string(name), count);
    }
  } else if constexpr (IsVector<T>::value) {
    if (!v.is_array()) Fail(path, "expected an array");
    out.clear();
    size_t i = 0;
    for (const json::value& e : v.get_array()) {
      typename T::value_type element{};
      Read(e, element, fmt::format("{}[{}]", path, i++));
      out.push_back(std::move(element));
    }
  } else {
    static_assert(kDescribed<T>, "results.json: a field type without a JSON form");
    ReadMembers(v, out, path);
  }
}

// Two-space indented JSON, one member or element per line (Boost.JSON writes every token).
void Pretty(std::string& out, const json::value& v, int indent) {
  auto newline = [&](int level) { out += '\n' + std::string(static_cast<size_t>(level) * 2, ' '); };
  if (v.is_object() && !v.get_object().empty()) {
    out += '{';
    bool first = true;
    for (const auto& [k, child] : v.get_object()) {
      if (!first) out += ',';
      first = false;
      newline(indent + 1);
      out += json::serialize(json::string(k)) + ": ";
      Pretty(out, child, indent + 1);
    }
    newline(indent);
    out += '}';
  } else if (v.is_array() && !v.get_array().empty()) {
    out += '[';
    bool first = true;
    for (const auto& child : v.get_array()) {
      if (!first) out += ',';
      first = false;
      newline(indent + 1);
      Pretty(out, child, indent + 1);
    }
    newline(indent);
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

template <typename T, typename>
void tag_invoke(json::value_from_tag, json::value& out, const T& v) {
  out = WriteMembers(v);
}

template <typename T, typename>
T tag_invoke(json::value_to_tag<T>, const json::value& v) {
  T out{};
  ReadMembers(v, out, "");
  return out;
}

// The described structs of result.h: the only types these conversions are for.
#define LEAKCHECK_RESULT_JSON(T)                                                   \
  template void tag_invoke<T, void>(json::value_from_tag, json::value&, const T&); \
  template T tag_invoke<T, void>(json::value_to_tag<T>, const json::value&);
LEAKCHECK_RESULT_JSON(RunResult)
LEAKCHECK_RESULT_JSON(ScenarioResult)
LEAKCHECK_RESULT_JSON(CheckResult)
LEAKCHECK_RESULT_JSON(Evidence)
LEAKCHECK_RESULT_JSON(CheckpointSample)
LEAKCHECK_RESULT_JSON(LoadStats)
LEAKCHECK_RESULT_JSON(PhaseTimes)
LEAKCHECK_RESULT_JSON(SourceLocation)
#undef LEAKCHECK_RESULT_JSON

std::string_view ResultOutcome(const RunResult& r) {
  switch (r.ExitCode()) {
    case kExitOk:
      return "passed";
    case kExitLeak:
      return "failed";
    case kExitInterrupted:
      return "interrupted";
    default:
      return "error";
  }
}

json::value ResultsJson(const RunResult& r) {
  json::object o{{"schema_version", kResultsSchemaVersion},
                 {"outcome", ResultOutcome(r)},
                 {"exit_code", r.ExitCode()}};
  json::value members = json::value_from(r);
  for (auto& [key, value] : members.as_object()) o[key] = std::move(value);
  return o;
}

std::string ResultsJsonText(const RunResult& r) {
  std::string out;
  Pretty(out, ResultsJson(r), 0);
  return out + '\n';
}

void WriteResultsFile(const RunResult& r, const std::string& path) {
  std::string text = ResultsJsonText(r);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  errno = 0;
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  f.close();
  if (!f) {
    std::string why = errno ? std::string(": ") + std::strerror(errno) : "";
    throw HarnessError("results", fmt::format("{}: cannot write{}", path, why));
  }
  ::chmod(path.c_str(), 0600);  // lives in the private run folder, like the logs
}

RunResult ResultsFromJson(const json::value& v) {
  if (!v.is_object()) Fail("", "expected an object");
  const json::value* version = v.get_object().if_contains("schema_version");
  if (version == nullptr || version->is_null())
    Fail("schema_version", "missing: not a leakcheck results file");
  int64_t number = 0;
  Read(*version, number, "schema_version");
  if (number < 1 || number > kResultsSchemaVersion)
    Fail("schema_version", fmt::format("{} is not supported (this leakcheck reads 1 to {})", number,
                                       kResultsSchemaVersion));
  return json::value_to<RunResult>(v);
}

RunResult ReadResultsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("results", fmt::format("{}: cannot open", path));
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  if (ec) throw InputError("results", fmt::format("{}: not JSON: {}", path, ec.message()));
  try {
    return ResultsFromJson(v);
  } catch (const Error& e) {
    throw InputError("results", fmt::format("{}: {}", path, e.detail()));
  }
}

}  // namespace leakcheck::run
