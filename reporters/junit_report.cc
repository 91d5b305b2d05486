#include "reporters/junit_report.h"

#include <cmath>

#include <fmt/format.h>
#include <tinyxml2.h>

#include "harness/common/error.h"
#include "harness/common/format.h"
#include "reporters/values.h"

namespace leakcheck::reporters {

namespace xml = tinyxml2;

namespace {

std::string Seconds(double s) { return fmt::format("{:.3f}", std::isfinite(s) && s > 0 ? s : 0.0); }

// Attribute values lose their newlines to attribute normalisation anyway; say so explicitly.
std::string OneLine(std::string_view s) {
  std::string out = CleanText(s);
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

xml::XMLElement* Child(xml::XMLElement* parent, const char* name) {
  xml::XMLElement* e = parent->GetDocument()->NewElement(name);
  parent->InsertEndChild(e);
  return e;
}

void SetAttr(xml::XMLElement* e, const char* name, std::string_view value) {
  e->SetAttribute(name, OneLine(value).c_str());
}

void SetText(xml::XMLElement* e, std::string_view text) { e->SetText(CleanText(text).c_str()); }

void AddProperty(xml::XMLElement* props, const char* name, const std::string& value) {
  if (value.empty()) return;
  xml::XMLElement* p = Child(props, "property");
  SetAttr(p, "name", name);
  SetAttr(p, "value", value);
}

// The text of a failed or allowed check: its summary, where the threshold is, the evidence.
std::string CheckText(const run::CheckResult& c) {
  std::string text = c.summary.empty() ? MeasuredVsLimit(c) : c.summary;
  text += '\n';
  std::string where = FormatLocation(c.location);
  if (!where.empty())
    text +=
        fmt::format("threshold: {}{}\n", where, c.default_threshold ? " (default threshold)" : "");
  if (c.baseline_measured)
    text += fmt::format("baseline: {}\n", FormatMeasured(*c.baseline_measured, c.unit));
  for (const auto& e : c.evidence) text += EvidenceLine(e) + '\n';
  return text;
}

void AddCheck(xml::XMLElement* suite, const run::ScenarioResult& s, const run::CheckResult& c) {
  xml::XMLElement* tc = Child(suite, "testcase");
  SetAttr(tc, "name", s.name + ": " + c.detector);
  SetAttr(tc, "classname", "leakcheck." + Slug(s.name));
  const run::SourceLocation& loc = c.location.file.empty() ? s.location : c.location;
  if (!loc.file.empty()) SetAttr(tc, "file", loc.file);
  if (loc.line > 0) SetAttr(tc, "line", std::to_string(loc.line));
  switch (c.status) {
    case run::CheckStatus::kFailed: {
      xml::XMLElement* f = Child(tc, "failure");
      SetAttr(f, "message", MeasuredVsLimit(c));
      SetAttr(f, "type", c.detector);
      SetText(f, CheckText(c));
      break;
    }
    case run::CheckStatus::kSkipped: {
      xml::XMLElement* sk = Child(tc, "skipped");
      SetAttr(sk, "message", c.summary.empty() ? "skipped" : c.summary);
      break;
    }
    case run::CheckStatus::kAllowed:
      SetText(Child(tc, "system-out"),
              fmt::format("allowed (never fails the run): {}\n{}", c.allowed_reason, CheckText(c)));
      break;
    case run::CheckStatus::kPassed:
      SetText(Child(tc, "system-out"), CheckText(c));
      break;
    case run::CheckStatus::kInconclusive: {
      // Not a pass and not a fail: a skipped test case carrying the reason.
      xml::XMLElement* sk = Child(tc, "skipped");
      SetAttr(sk, "message", "inconclusive: " + c.inconclusive_reason);
      SetText(Child(tc, "system-out"), CheckText(c));
      break;
    }
  }
}

void AddRunError(xml::XMLElement* suite, const run::ScenarioResult& s) {
  xml::XMLElement* tc = Child(suite, "testcase");
  SetAttr(tc, "name", s.name + ": run");
  SetAttr(tc, "classname", "leakcheck." + Slug(s.name));
  SetAttr(tc, "time", Seconds(s.duration_seconds));
  if (!s.location.file.empty()) SetAttr(tc, "file", s.location.file);
  if (s.location.line > 0) SetAttr(tc, "line", std::to_string(s.location.line));
  xml::XMLElement* err = Child(tc, "error");
  std::string stage = s.infrastructure_stage.empty() ? "run" : s.infrastructure_stage;
  SetAttr(err, "message", stage + ": " + *s.infrastructure_error);
  SetAttr(err, "type", stage);
  std::string text = stage + ": " + *s.infrastructure_error + '\n';
  if (!s.app_stderr_tail.empty()) text += "\napp stderr (last lines):\n" + s.app_stderr_tail;
  SetText(err, text);
  if (!s.app_stderr_tail.empty()) SetText(Child(tc, "system-err"), s.app_stderr_tail);
}

void AddSuite(xml::XMLElement* root, const run::RunResult& r, const run::ScenarioResult& s) {
  CheckCounts n = CountChecks(s);
  xml::XMLElement* suite = Child(root, "testsuite");
  SetAttr(suite, "name", s.name);
  SetAttr(suite, "tests", std::to_string(n.Total() + n.errors));
  SetAttr(suite, "failures", std::to_string(n.failed));
  SetAttr(suite, "errors", std::to_string(n.errors));
  SetAttr(suite, "skipped", std::to_string(n.skipped + n.inconclusive));
  SetAttr(suite, "time", Seconds(s.duration_seconds));
  if (!r.started_at.empty()) SetAttr(suite, "timestamp", r.started_at);
  std::string file = s.location.file.empty() ? r.scenario_file : s.location.file;
  if (!file.empty()) SetAttr(suite, "file", file);
  xml::XMLElement* props = Child(suite, "properties");
  AddProperty(props, "leakcheck.version", r.leakcheck_version);
  AddProperty(props, "node.version", r.node_version);
  AddProperty(props, "git.commit", r.git_commit);
  AddProperty(props, "scenario.file", r.scenario_file);
  AddProperty(props, "baseline.file", r.baseline_file);
  if (s.load.iterations > 0)
    AddProperty(props, "load.iterations", std::to_string(s.load.iterations));
  if (s.load.requests > 0) AddProperty(props, "load.requests", std::to_string(s.load.requests));
  if (s.warmup_end.stopped == "settled" || s.warmup_end.stopped == "cap")
    AddProperty(props, "leakcheck.warmup", s.warmup_end.reason);
  for (size_t i = 0; i < s.extensions.size(); ++i)
    AddProperty(props, i == 0 ? "leakcheck.extension.1" : "leakcheck.extension.2", s.extensions[i]);
  for (const auto& c : s.checks)
    if (c.status == run::CheckStatus::kInconclusive)
      AddProperty(props, "leakcheck.inconclusive", c.detector + ": " + c.inconclusive_reason);
  if (props->NoChildren()) suite->DeleteChild(props);
  if (s.infrastructure_error) AddRunError(suite, s);
  for (const auto& c : s.checks) AddCheck(suite, s, c);
}

std::string Print(const xml::XMLDocument& doc) {
  xml::XMLPrinter printer;
  doc.Print(&printer);
  return std::string(printer.CStr(), static_cast<size_t>(printer.CStrSize() - 1));
}

}  // namespace

std::string JunitXml(const run::RunResult& r) {
  xml::XMLDocument doc;
  doc.InsertEndChild(doc.NewDeclaration(R"(xml version="1.0" encoding="UTF-8")"));
  xml::XMLElement* root = doc.NewElement("testsuites");
  doc.InsertEndChild(root);
  CheckCounts n = CountChecks(r);
  SetAttr(root, "name", "leakcheck");
  SetAttr(root, "tests", std::to_string(n.Total() + n.errors));
  SetAttr(root, "failures", std::to_string(n.failed));
  SetAttr(root, "errors", std::to_string(n.errors));
  SetAttr(root, "time", Seconds(r.duration_seconds));
  for (const auto& s : r.scenarios) AddSuite(root, r, s);
  return Print(doc);
}

void WriteJunitFile(const run::RunResult& r, const std::string& path) {
  WriteTextFile(path, JunitXml(r), "junit");
}

namespace {

struct Totals {
  int64_t tests = 0, failures = 0, errors = 0;
  double time = 0;
};

void AddSuiteTotals(const xml::XMLElement* suite, Totals& t) {
  t.tests += suite->Int64Attribute("tests");
  t.failures += suite->Int64Attribute("failures");
  t.errors += suite->Int64Attribute("errors");
  t.time += suite->DoubleAttribute("time");
}

}  // namespace

std::string MergeJunit(const std::vector<std::string>& documents,
                       const std::vector<std::string>& names) {
  xml::XMLDocument out;
  out.InsertEndChild(out.NewDeclaration(R"(xml version="1.0" encoding="UTF-8")"));
  xml::XMLElement* root = out.NewElement("testsuites");
  out.InsertEndChild(root);
  Totals totals;
  for (size_t i = 0; i < documents.size(); ++i) {
    const std::string name = i < names.size() ? names[i] : fmt::format("document {}", i + 1);
    xml::XMLDocument in;
    if (in.Parse(documents[i].data(), documents[i].size()) != xml::XML_SUCCESS)
      throw InputError("merge", fmt::format("{}: not XML: {}", name, in.ErrorStr()));
    const xml::XMLElement* top = in.RootElement();
    if (top == nullptr || (std::string_view(top->Name()) != "testsuites" &&
                           std::string_view(top->Name()) != "testsuite"))
      throw InputError(
          "merge",
          fmt::format("{}: not a JUnit report (root is not testsuites or testsuite)", name));
    auto add = [&](const xml::XMLElement* suite) {
      AddSuiteTotals(suite, totals);
      root->InsertEndChild(suite->DeepClone(&out));
    };
    if (std::string_view(top->Name()) == "testsuite") {
      add(top);
    } else {
      for (const xml::XMLElement* s = top->FirstChildElement("testsuite"); s;
           s = s->NextSiblingElement("testsuite"))
        add(s);
    }
  }
  root->SetAttribute("name", "leakcheck");
  root->SetAttribute("tests", std::to_string(totals.tests).c_str());
  root->SetAttribute("failures", std::to_string(totals.failures).c_str());
  root->SetAttribute("errors", std::to_string(totals.errors).c_str());
  root->SetAttribute("time", Seconds(totals.time).c_str());
  return Print(out);
}

}  // namespace leakcheck::reporters
