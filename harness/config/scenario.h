#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/config/json_path.h"
#include "harness/config/location.h"
#include "harness/config/template.h"
#include "harness/config/units.h"

/// The scenario file model (format version 1, docs/scenarios.md). Plain structs filled by
/// LoadScenarioFile; every value keeps the YAML location it came from, defaults have line 0.
namespace leakcheck::config {

/// How the harness decides the app is ready to take traffic.
enum class ReadyKind {
  kTcp,   ///< default: the port accepts TCP connections
  kHttp,  ///< `ready.http`: GET the path until a 2xx answer
  kLog,   ///< `ready.log`: a regex matches a line of stdout/stderr (group 1 = port, if any)
};

struct ReadyProbe {
  ReadyKind kind = ReadyKind::kTcp;
  Located<std::string> http;  ///< path, when kind == kHttp
  Located<std::string> log;   ///< ECMAScript regex, when kind == kLog
  Located<Duration> timeout{Duration(20000), {}};
};

struct AppConfig {
  Located<std::vector<std::string>> command;  ///< argv (a string is split like a shell)
  Located<std::string> cwd;                   ///< absolute; default: the YAML file's folder
  std::vector<std::pair<std::string, Located<std::string>>> env;  ///< added to the environment
  Located<std::vector<std::string>> node_args;
  Located<int> port;  ///< 0 = auto (a free port, passed as $PORT)
  ReadyProbe ready;
  Located<Duration> stop_timeout{Duration(5000), {}};
  Located<bool> reuse;      ///< run all scenarios of the file against one app process
  SourceLocation location;  ///< of the `app` key
  /// Attach mode (`app.url`, docs/scenarios.md "Attach mode"): the base URL of an app
  /// leakcheck did not start ("http://127.0.0.1:3000"); it is never started, stopped or
  /// killed. Empty: leakcheck starts `command`.
  Located<std::string> url;
  /// `app.inspect`: "host:port" of the inspector the user started (`--inspect=HOST:PORT`);
  /// required with `url`. A loopback host unless allow_remote_inspector.
  Located<std::string> inspect;
  /// `app.allow_remote_inspector`: accept an `inspect` host that is not loopback (the
  /// inspector runs any code it is sent).
  Located<bool> allow_remote_inspector;
  /// `app.tls.ca`: a PEM file of the CA (or the self-signed certificate) the app's certificate
  /// must chain to on an https target; absolute (resolved against the YAML file's folder).
  /// Empty: the system's CAs.
  Located<std::string> tls_ca;
  /// `app.tls.insecure`: https without verifying the certificate; loopback targets only.
  Located<bool> tls_insecure;
  /// True in attach mode.
  bool attached() const { return !url.value.empty(); }
  /// `setup:` commands (argv; a string is split like a shell, never run by one), run in order
  /// in `cwd` with `env` before each start of the app; their output is kept in the run folder.
  /// These, `command`, `env` values and `node_args` may hold `{{ app.port }}` and
  /// `{{ $env.NAME }}` (config/app_template.h), rendered when the app starts.
  std::vector<Located<std::vector<std::string>>> setup;
};

/// How much load a phase applies: an exact iteration count or a duration.
struct Amount {
  Located<int64_t> iterations;  ///< used when `duration` is not set
  std::optional<Located<Duration>> duration;
};

struct RunSpec {
  Amount amount{{1000, {}}, std::nullopt};
  Located<int> concurrency{4, {}};      ///< virtual users
  std::optional<Located<double>> rate;  ///< iterations per second, paced
  SourceLocation location;
};

struct Header {
  std::string name;
  Template value;
  SourceLocation location;
};

/// Where a `capture:` reads its value (Artillery's capture kinds).
enum class CaptureSource {
  kJson,    ///< `json: $.path`: a JSONPath into the response body
  kHeader,  ///< `header: name`: a response header (case-insensitive; the first one when repeated)
  kRegexp,  ///< `regexp: pattern`: an RE2 search of the response body, `group` of the match
};

struct Capture {
  CaptureSource source = CaptureSource::kJson;
  JsonPath json;           ///< kJson
  std::string header;      ///< kHeader: the header name as written
  std::string regexp;      ///< kRegexp: the RE2 pattern (checked by the loader)
  int group = -1;          ///< kRegexp: group number; -1 = 1 if the pattern has groups, else 0
  std::string group_name;  ///< kRegexp: a named group (`group: name`), instead of a number
  Located<std::string> as;
  /// Named in `secrets:` or used in an Authorization/Cookie header: captured values are
  /// redacted from everything leakcheck writes.
  bool secret = false;
};

struct Expect {
  std::vector<int> statuses;  ///< any of these; empty = any status below 400
  SourceLocation status_location;
  std::optional<std::string> header;      ///< this response header must be present...
  std::optional<Template> header_equals;  ///< ...with this value, when given
  std::optional<Template> contains;       ///< the body contains this text
  SourceLocation location;
};

enum class Method { kGet, kPost, kPut, kPatch, kDelete, kHead };
const char* MethodName(Method method);

/// One `name: value` entry of `qs:`, `cookie:`, `form:` or `formData:`, in file order. The
/// name is literal; the value a template.
struct NamedValue {
  std::string name;
  Template value;
  SourceLocation location;
};

/// The most redirects one request follows (`followRedirect`, on by default); one more is a
/// `redirect` error. Browsers allow 20, curl 50, got (Artillery) 10.
inline constexpr int kMaxRedirects = 10;

struct RequestStep {
  Method method = Method::kGet;
  /// A path (with query) appended to the target. Template values in it are percent-encoded
  /// (RFC 3986 unreserved characters stay); `{{{ name }}}` places a value raw.
  Template url;
  std::vector<NamedValue> qs;       ///< `qs:`: appended to the query, names and values encoded
  std::vector<Header> headers;      ///< after `defaults.headers`, which these override
  std::vector<NamedValue> cookies;  ///< `cookie:`: sent beside the virtual user's cookie jar
  std::optional<Template> body;     ///< from `json:` (also sets content-type) or `body:`
  bool json_body = false;
  /// `form:`: an application/x-www-form-urlencoded body (names and values encoded).
  std::vector<NamedValue> form;
  /// `formData:`: a multipart/form-data body (RFC 7578), one text part per entry.
  std::vector<NamedValue> form_data;
  /// `followRedirect` (default true): 301/302/303/307/308 answers are followed on the app's
  /// host, at most kMaxRedirects times; expectations and captures see the last answer.
  bool follow_redirect = true;
  std::vector<Capture> captures;
  Expect expect;
  std::optional<Duration> timeout;  ///< default: `defaults.timeout`
  int route = 0;                    ///< index into Scenario::routes, for per-route stats
};

struct Step;

struct LoopStep {
  Located<int64_t> count;
  std::vector<Step> flow;
};

/// One flow step: a request, a think time or a loop.
struct Step {
  enum class Kind { kRequest, kThink, kLoop };
  Kind kind = Kind::kRequest;
  RequestStep request;
  Duration think{0};
  LoopStep loop;
  SourceLocation location;
};

/// The detectors, in report order: one enumerator per entry of the registry
/// (harness/config/detectors.def; the spec of each is config::SpecOf in detectors.h).
enum class Detector {
#define LEAKCHECK_DETECTOR(enumerator, ...) enumerator,
#include "harness/config/detectors.def"
#undef LEAKCHECK_DETECTOR
};
/// The detector's YAML threshold key: "heap_per_iteration", ..., "http_errors".
const char* DetectorName(Detector detector);

/// What a threshold's value means.
enum class ThresholdUnit { kBytes, kCount, kFraction };

struct Threshold {
  Detector detector;
  double limit = 0;  ///< bytes, count or fraction (0.01 = 1%)
  ThresholdUnit unit = ThresholdUnit::kCount;
  std::string text;         ///< as written ("64B"), or the default's text
  SourceLocation location;  ///< line 0 for defaults
};

/// Known, accepted growth: reported but never fails the run.
struct Allow {
  std::optional<std::string> class_name;
  std::optional<std::string> path;
  std::string reason;
  SourceLocation location;
};

/// One of a scenario's weighted flows (`flows:`, each `{ name, weight, flow }`: Artillery's
/// `scenarios[].weight`, docs/scenarios.md "Weighted flows"). Each iteration runs one of them,
/// chosen with probability weight / sum of weights.
struct WeightedFlow {
  Located<std::string> name;  ///< "flow N" (1-based) when not given
  Located<int> weight{1, {}};
  std::vector<Step> flow;
};

/// The top-level `before:` or `after:` flow (Artillery's spelling: `before: { flow: [...] }`):
/// run once per scenario by one virtual user, outside the measured window (before the warm-up;
/// after the final snapshot). What `before` captures is visible to every flow.
struct OnceFlow {
  std::vector<Step> flow;           ///< empty: none
  std::vector<std::string> routes;  ///< indexed by its requests' RequestStep::route
  SourceLocation location;          ///< of the key
};

struct Scenario {
  Located<std::string> name;
  Amount warmup{{100, {}}, std::nullopt};
  RunSpec run;
  Located<int> checkpoints{5, {}};
  Located<int> snapshots{3, {}};
  std::vector<Step> flow;             ///< `flow:`; empty when `flows:` is given
  std::vector<WeightedFlow> flows;    ///< `flows:`; empty when `flow:` is given
  std::vector<Threshold> thresholds;  ///< one per detector, in Detector order (defaults filled)
  std::vector<Allow> allow;
  std::vector<std::string> routes;  ///< "GET /users/{{ uid }}", indexed by RequestStep::route
  SourceLocation location;

  const Threshold& threshold(Detector detector) const {
    return thresholds[static_cast<size_t>(detector)];
  }
};

struct Defaults {
  std::vector<Header> headers;
  Located<Duration> timeout{Duration(5000), {}};
};

/// One `variables:` entry (Artillery's `config.variables`): `{{ name }}` in every flow.
struct Variable {
  std::string name;
  Located<std::string> value;
};

/// What `run` overrides of every scenario's `run:` (an environment's `run:`, or `--iterations`,
/// `--duration`, `--concurrency`); unset fields leave the scenario's value.
struct RunOverrides {
  std::optional<Located<int64_t>> iterations;  ///< also drops the scenario's `duration`
  std::optional<Located<Duration>> duration;   ///< also drops the scenario's `iterations`
  std::optional<Located<int>> concurrency;
};

/// One entry of `environments:` (Artillery's `config.environments`), chosen with `run -e NAME`:
/// its variables replace or add to the file's, its `run:` overrides every scenario's.
struct Environment {
  Located<std::string> name;
  std::vector<Variable> variables;
  RunOverrides run;
};

struct ScenarioFile {
  std::string path;  ///< as given to the loader
  Located<int> version{1, {}};
  AppConfig app;
  Located<Template> target;  ///< default "http://127.0.0.1:{{ app.port }}"
  Defaults defaults;
  std::vector<Scenario> scenarios;
  /// `secrets:` names (environment variables or captured names) whose values are never
  /// written; see harness/config/secrets.h for what else is redacted by default.
  std::vector<Located<std::string>> secrets;
  OnceFlow before;  ///< `before:`
  OnceFlow after;   ///< `after:`

  /// Every flow of the file: each scenario's `flow` and `flows`, then `before` and `after`.
  template <typename Fn>
  void ForEachFlow(const Fn& fn) {
    for (Scenario& sc : scenarios) {
      fn(sc.flow);
      for (WeightedFlow& w : sc.flows) fn(w.flow);
    }
    fn(before.flow);
    fn(after.flow);
  }
  template <typename Fn>
  void ForEachFlow(const Fn& fn) const {
    const_cast<ScenarioFile*>(this)->ForEachFlow(
        [&fn](const std::vector<Step>& flow) { fn(flow); });
  }
  /// `variables:`; after ApplyOverrides (config/overrides.h), the chosen environment's and
  /// `--var`'s values are in here too.
  std::vector<Variable> variables;
  std::vector<Environment> environments;  ///< `environments:`, in file order
};

}  // namespace leakcheck::config
