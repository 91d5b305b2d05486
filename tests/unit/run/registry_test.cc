// The detector registry (harness/config/detectors.def) and everything that reads it: the loader's
// threshold keys, the defaults, limits, report names, the verdict's allocation sites, allow
// entries and threshold locations, and the docs and JSON schema users read.
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "harness/config/detectors.h"
#include "harness/config/loader.h"
#include "harness/run/detectors.h"
#include "harness/run/verdict.h"
#include "tests/support/tiny_snapshot.h"

namespace leakcheck::run {
namespace {

using config::Detector;
using config::kDetectorSpecs;

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(LEAKCHECK_SOURCE_DIR) + "/" + relative);
  EXPECT_TRUE(in) << relative;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

config::Scenario LoadScenario(const std::string& thresholds, const std::string& allow = "") {
  std::string yaml =
      "version: 1\napp: { command: node server.js }\nscenarios:\n  - name: s\n"
      "    flow: [ { get: { url: / } } ]\n" +
      thresholds + allow;
  std::vector<config::Diagnostic> diagnostics;
  config::ScenarioFile f = config::ParseScenarioText(yaml, "/tmp/s.yaml", &diagnostics);
  for (const auto& d : diagnostics) ADD_FAILURE() << d.message;
  return f.scenarios.empty() ? config::Scenario{} : f.scenarios.front();
}

TEST(DetectorRegistry, EntriesAreInEnumOrderWithUniqueNames) {
  std::set<std::string_view> keys, names;
  for (size_t i = 0; i < config::kDetectorCount; ++i) {
    EXPECT_EQ(static_cast<size_t>(kDetectorSpecs[i].id), i);
    EXPECT_TRUE(keys.insert(kDetectorSpecs[i].threshold_key).second);
    EXPECT_TRUE(names.insert(kDetectorSpecs[i].report_name).second);
    EXPECT_EQ(config::kThresholdKeys[i], kDetectorSpecs[i].threshold_key);
    EXPECT_EQ(Registry()[i].spec, &kDetectorSpecs[i]);
    EXPECT_NE(Registry()[i].check, nullptr);
  }
  EXPECT_EQ(Registry().size(), config::kDetectorCount);
}

TEST(DetectorRegistry, HttpKeepsBothUserVisibleSpellings) {
  const auto& http = config::SpecOf(Detector::kHttpErrors);
  EXPECT_EQ(http.threshold_key, "http_errors");
  EXPECT_EQ(http.report_name, "http");
  EXPECT_EQ(config::FindDetector("http"), &http);
  EXPECT_EQ(config::FindDetector("http_errors"), &http);
  EXPECT_EQ(config::FindDetector("baseline"), nullptr);
  EXPECT_STREQ(config::DetectorName(Detector::kHttpErrors), "http_errors");
}

TEST(DetectorRegistry, DefaultThresholdsAndNamesComeFromTheRegistry) {
  auto defaults = config::DefaultThresholds();
  ASSERT_EQ(defaults.size(), config::kDetectorCount);
  for (size_t i = 0; i < defaults.size(); ++i) {
    EXPECT_EQ(defaults[i].detector, kDetectorSpecs[i].id);
    EXPECT_EQ(defaults[i].limit, kDetectorSpecs[i].default_limit);
    EXPECT_EQ(defaults[i].text, kDetectorSpecs[i].default_text);
    EXPECT_EQ(defaults[i].unit, kDetectorSpecs[i].threshold_unit);
    EXPECT_EQ(defaults[i].location.line, 0);
    EXPECT_EQ(DetectorNames()[i], kDetectorSpecs[i].report_name);
  }
}

TEST(DetectorRegistry, LoaderAcceptsEveryKeyAndScalesLimits) {
  // Every key, written as its default: the loader accepts it, records its line, and the limits
  // are the defaults in report units (the fraction of http_errors becomes a percentage).
  std::string thresholds = "    thresholds:\n";
  for (const auto& spec : kDetectorSpecs)
    thresholds +=
        "      " + std::string(spec.threshold_key) + ": " + std::string(spec.default_text) + "\n";
  config::Scenario sc = LoadScenario(thresholds);
  ASSERT_EQ(sc.thresholds.size(), config::kDetectorCount);
  DetectorLimits limits = LimitsFor(sc);
  for (size_t i = 0; i < config::kDetectorCount; ++i) {
    const auto& spec = kDetectorSpecs[i];
    EXPECT_EQ(sc.threshold(spec.id).location.line, static_cast<int>(7 + i)) << spec.threshold_key;
    EXPECT_DOUBLE_EQ(limits[i], spec.default_limit * spec.limit_scale) << spec.threshold_key;
    const config::Threshold* t = ThresholdFor(sc, spec.report_name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->detector, spec.id);
  }
  EXPECT_DOUBLE_EQ(limits[static_cast<size_t>(Detector::kHttpErrors)], 1.0);
  EXPECT_EQ(ThresholdFor(sc, "baseline"), nullptr);
  EXPECT_EQ(ThresholdFor(sc, "http_errors"), nullptr);  // reports name it `http`
}

TEST(DetectorRegistry, WholeNumberThresholdsRejectFractions) {
  for (const auto& spec : kDetectorSpecs) {
    if (spec.threshold_unit != config::ThresholdUnit::kCount) continue;
    std::string yaml =
        "version: 1\napp: { command: node server.js }\nscenarios:\n  - name: s\n"
        "    flow: [ { get: { url: / } } ]\n    thresholds: { " +
        std::string(spec.threshold_key) + ": 0.5 }\n";
    std::vector<config::Diagnostic> diagnostics;
    config::ParseScenarioText(yaml, "/tmp/s.yaml", &diagnostics);
    EXPECT_EQ(diagnostics.size(), spec.whole_number ? 1u : 0u) << spec.threshold_key;
  }
}

TEST(DetectorRegistry, RunDetectorsNamesEveryCheckAsTheRegistryDoes) {
  DetectorInput in;  // no snapshots, no load: every check still reports under its own name
  in.samples = {CheckpointSample{}, CheckpointSample{}};
  in.samples[1].iteration = 100;
  DetectorLimits limits{};
  auto checks = RunDetectors(in, limits);
  ASSERT_EQ(checks.size(), config::kDetectorCount);
  for (size_t i = 0; i < checks.size(); ++i) {
    EXPECT_EQ(checks[i].detector, kDetectorSpecs[i].report_name);
    // Skipped or not: the unit the registry gives it (one Skipped helper for every detector).
    EXPECT_EQ(checks[i].unit, kDetectorSpecs[i].report_unit) << checks[i].detector;
  }
  // The snapshot detectors too, on two snapshots of a flat heap.
  testing::TinySnapshot tiny;
  tiny.Edge(tiny.Node("synthetic", "", 0, 1), "element", "1",
            tiny.Node("synthetic", "(GC roots)", 0, 3));
  auto graph = tiny.Graph();
  in.snapshots = {{&graph, 0, "a"}, {&graph, 100, "b"}};
  in.load.requests = 10;
  for (auto& sample : in.samples) {  // and the process's /proc figures and V8's heap limit
    sample.rss = 60e6;
    sample.heap_limit = 4e9;
    sample.fds = {{"file", 3}, {"socket", 2}};
  }
  for (const auto& c : RunDetectors(in, limits)) {
    EXPECT_NE(c.status, CheckStatus::kSkipped) << c.detector << ": " << c.summary;
    const auto* spec = config::FindDetector(c.detector);
    ASSERT_NE(spec, nullptr) << c.detector;
    EXPECT_EQ(c.unit, spec->report_unit) << c.detector;
  }
}

TEST(DetectorRegistry, AllocationSitesGoToTheEntriesThatTakeThem) {
  cdp::SamplingProfile profile;
  profile.sites.push_back({"postsFor", "file:///app/server.js", 16, 0, 4096});
  profile.sites.push_back({"internal", "node:internal/x", 3, 0, 4096});
  std::vector<CheckResult> checks;
  for (const auto& spec : kDetectorSpecs) {
    CheckResult c;
    c.detector = spec.report_name;
    c.status = CheckStatus::kFailed;
    checks.push_back(c);
  }
  CheckResult passed;
  passed.detector = "heap_per_iteration";
  checks.push_back(passed);
  AddAllocationSites(profile, checks);
  for (size_t i = 0; i < config::kDetectorCount; ++i) {
    ASSERT_EQ(checks[i].evidence.size(), kDetectorSpecs[i].allocation_sites ? 1u : 0u)
        << kDetectorSpecs[i].report_name;
    if (kDetectorSpecs[i].allocation_sites) {
      // The profiler's position is the function's start, and the report says so (issue 13).
      const Evidence& e = checks[i].evidence[0];
      EXPECT_EQ(e.title, "in function `postsFor` at /app/server.js:16");
      EXPECT_THAT(e.detail,
                  ::testing::HasSubstr("function start; V8 samples functions, not lines"));
      ASSERT_TRUE(e.code.has_value());
      EXPECT_EQ(e.code->file, "/app/server.js");
      EXPECT_EQ(e.code->line, 16);
    }
  }
  EXPECT_TRUE(checks.back().evidence.empty());  // a passed check gets none

  // The finest position V8 gives: the column too, when the profile has it; anonymous named so.
  cdp::SamplingProfile columns;
  columns.sites.push_back({"", "file:///app/a.js", 7, 23, 4096});
  std::vector<CheckResult> one(1);
  one[0].detector = "heap_per_iteration";
  one[0].status = CheckStatus::kFailed;
  AddAllocationSites(columns, one);
  ASSERT_EQ(one[0].evidence.size(), 1u);
  EXPECT_EQ(one[0].evidence[0].title, "in an anonymous function at /app/a.js:7:23");
  EXPECT_EQ(one[0].evidence[0].code->column, 23);
}

TEST(DetectorRegistry, AllowEntriesAndLocationsFollowTheRegistry) {
  config::Scenario sc = LoadScenario("    thresholds: { http_errors: 5% }\n",
                                     "    allow: [ { class: LRUCache, reason: bounded } ]\n");
  SourceLocation scenario_location{"/tmp/s.yaml", 4, 5};
  for (const auto& spec : kDetectorSpecs) {
    CheckResult c;
    c.detector = spec.report_name;
    c.status = CheckStatus::kFailed;
    c.summary = "LRUCache grows";
    Evidence culprit;  // the check's culprit: what `class:` matches (run/allow.h)
    culprit.kind = Evidence::Kind::kGrowingClass;
    culprit.title = "LRUCache";
    c.evidence.push_back(culprit);
    ApplyAllowList(sc, c);
    EXPECT_EQ(c.status, spec.allow ? CheckStatus::kAllowed : CheckStatus::kFailed);
    if (spec.allow) {
      EXPECT_EQ(c.allowed_reason, "bounded");
    }
    LocateCheck(sc, scenario_location, c);
    if (spec.id == Detector::kHttpErrors) {
      EXPECT_EQ(c.location.line, 6);
      EXPECT_FALSE(c.default_threshold);
    } else {
      EXPECT_EQ(c.location.line, 4) << spec.report_name;
      EXPECT_TRUE(c.default_threshold);
    }
  }
  CheckResult unrelated;
  unrelated.detector = "survivors";
  unrelated.status = CheckStatus::kFailed;
  unrelated.summary = "Array grows";
  ApplyAllowList(sc, unrelated);
  EXPECT_EQ(unrelated.status, CheckStatus::kFailed);
}

TEST(DetectorRegistry, SchemaThresholdsAreTheRegistryKeys) {
  boost::json::value schema = boost::json::parse(ReadSource("docs/scenario.schema.json"));
  // The thresholds object, wherever the schema nests it.
  const boost::json::object* thresholds = nullptr;
  std::vector<const boost::json::value*> stack{&schema};
  for (int guard = 0; !stack.empty() && guard < 100000 && !thresholds; ++guard) {
    const boost::json::value* v = stack.back();
    stack.pop_back();
    if (const auto* o = v->if_object()) {
      if (const auto* t = o->if_contains("thresholds");
          t && t->is_object() && t->as_object().contains("properties"))
        thresholds = &t->as_object().at("properties").as_object();
      for (const auto& [k, child] : *o) stack.push_back(&child);
    } else if (const auto* a = v->if_array()) {
      for (const auto& child : *a) stack.push_back(&child);
    }
  }
  ASSERT_NE(thresholds, nullptr);
  std::set<std::string> schema_keys, registry_keys;
  for (const auto& [k, v] : *thresholds) schema_keys.insert(std::string(k));
  for (const auto& spec : kDetectorSpecs) {
    registry_keys.insert(std::string(spec.threshold_key));
    const auto* entry = thresholds->if_contains(spec.threshold_key);
    if (entry == nullptr) continue;
    std::string description(entry->at("description").as_string());
    EXPECT_TRUE(description.ends_with("Default " + std::string(spec.default_text) + "."))
        << spec.threshold_key << ": " << description;
    const auto& o = entry->as_object();
    switch (spec.threshold_unit) {
      case config::ThresholdUnit::kBytes:
        EXPECT_TRUE(o.contains("oneOf")) << spec.threshold_key;
        break;
      case config::ThresholdUnit::kFraction:
        EXPECT_EQ(o.at("type").as_string(), "string") << spec.threshold_key;
        break;
      case config::ThresholdUnit::kCount:
        EXPECT_EQ(o.at("type").as_string(), spec.whole_number ? "integer" : "number")
            << spec.threshold_key;
        break;
    }
  }
  EXPECT_EQ(schema_keys, registry_keys);
}

TEST(DetectorRegistry, DocsTablesListTheRegistry) {
  // docs/scenarios.md: | `key` | unit | `default` | ... |, in registry order.
  std::string md = ReadSource("docs/scenarios.md");
  std::vector<std::string> rows;
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);) {
    // Cells of `| `key` | unit words | `default` | ...`; other tables and text are skipped.
    if (!line.starts_with("| `")) continue;
    std::vector<std::string> cells;
    for (size_t at = 2, bar; (bar = line.find(" | ", at)) != std::string::npos; at = bar + 3) {
      cells.push_back(line.substr(at, bar - at));
    }
    if (cells.size() < 3 || cells[0].size() < 3 || cells[2].size() < 3 || cells[2][0] != '`' ||
        cells[2].back() != '`') {
      continue;
    }
    const std::string key = cells[0].substr(1, cells[0].size() - 2);
    const auto* spec = config::FindDetector(key);
    if (spec == nullptr || spec->threshold_key != key) continue;
    rows.push_back(key);
    EXPECT_EQ(cells[1], config::ThresholdUnitWord(*spec)) << key;
    EXPECT_EQ(cells[2].substr(1, cells[2].size() - 2), spec->default_text) << key;
  }
  std::vector<std::string> expected;
  for (const auto& spec : kDetectorSpecs) expected.emplace_back(spec.threshold_key);
  EXPECT_EQ(rows, expected);

  // README.md: | `report_name` (`key` when it differs) | ... | `default` |
  std::string readme = ReadSource("README.md");
  for (const auto& spec : kDetectorSpecs) {
    std::string head = "| `" + std::string(spec.report_name) + "`";
    if (spec.report_name != spec.threshold_key)
      head += " (`" + std::string(spec.threshold_key) + "`)";
    size_t at = readme.find(head + " |");
    ASSERT_NE(at, std::string::npos) << head;
    std::string line = readme.substr(at, readme.find('\n', at) - at);
    EXPECT_TRUE(line.ends_with("| `" + std::string(spec.default_text) + "` |")) << line;
  }
}

}  // namespace
}  // namespace leakcheck::run
