#include "harness/run/processes.h"

#include <fmt/format.h>

#include "harness/common/format.h"

namespace leakcheck::run {
namespace {

int Rank(CheckStatus s) {
  switch (s) {
    case CheckStatus::kFailed:
      return 4;
    case CheckStatus::kInconclusive:
      return 3;
    case CheckStatus::kAllowed:
      return 2;
    case CheckStatus::kPassed:
      return 1;
    case CheckStatus::kSkipped:
      return 0;
  }
  return 0;
}

double Severity(const CheckResult& c) { return c.limit > 0 ? c.measured / c.limit : c.measured; }

}  // namespace

ProcessResult ProcessEntryOf(const process::NodeProcess& p) {
  ProcessResult r;
  r.pid = p.pid;
  r.role = p.role;
  r.script = p.script;
  r.thread_id = p.thread_id;
  r.label = p.thread_id > 0 ? fmt::format("thread {}:{}{}", p.pid, p.thread_id,
                                          p.script.empty() ? "" : " (" + p.script + ")")
                            : process::ProcessLabel(p.role, p.pid, p.script);
  r.measured = p.problem.empty();
  r.problem = p.problem;
  return r;
}

std::string LifetimeNote(const ProcessResult& p) {
  std::string note;
  if (p.found_at)
    note =
        fmt::format("started after startup, measured from iteration {}", FormatCount(*p.found_at));
  if (p.exited_at) {
    note += note.empty() ? "" : "; ";
    note +=
        p.checkpoints.empty()
            ? fmt::format("exited by iteration {}, before its first checkpoint",
                          FormatCount(*p.exited_at))
            : fmt::format("exited by iteration {}, measured until iteration {}",
                          FormatCount(*p.exited_at), FormatCount(p.checkpoints.back().iteration));
  }
  return note;
}

std::vector<CheckResult> MergeProcessChecks(const std::vector<ProcessResult>& processes) {
  std::vector<CheckResult> out;
  std::vector<const ProcessResult*> from;
  for (const ProcessResult& p : processes) {
    if (!p.measured) continue;
    for (size_t i = 0; i < p.checks.size(); ++i) {
      const CheckResult& c = p.checks[i];
      if (i >= out.size()) {
        out.push_back(c);
        from.push_back(&p);
        continue;
      }
      const int a = Rank(c.status), b = Rank(out[i].status);
      if (a > b || (a == b && Severity(c) > Severity(out[i]))) {
        out[i] = c;
        from[i] = &p;
      }
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    const std::string note = LifetimeNote(*from[i]);
    out[i].summary =
        from[i]->label + (note.empty() ? "" : " (" + note + ")") + ": " + out[i].summary;
  }
  if (!out.empty()) {
    for (const ProcessResult& p : processes) {
      if (p.measured) continue;
      Evidence e;
      e.kind = Evidence::Kind::kNote;
      e.title = "not measured: " + p.label;
      e.detail = p.problem;
      out.front().evidence.push_back(std::move(e));
    }
  }
  return out;
}

ProcessResult* FindProcessEntry(std::vector<ProcessResult>& processes,
                                const process::NodeProcess& p) {
  for (ProcessResult& r : processes)
    if (r.pid == p.pid && r.thread_id == p.thread_id && r.role == p.role) return &r;
  return nullptr;
}

std::string SnapshotFileName(const std::string& checkpoint_label, const ProcessResult& p,
                             bool primary) {
  if (primary) return checkpoint_label + ".heapsnapshot";
  if (p.thread_id > 0)
    return fmt::format("{}.thread-{}-{}.heapsnapshot", checkpoint_label, p.pid, p.thread_id);
  return fmt::format("{}.{}-{}.heapsnapshot", checkpoint_label, p.role, p.pid);
}

}  // namespace leakcheck::run
