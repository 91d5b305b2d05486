// `leakcheck list [--json] FILE…`: the scenarios of scenario files, e.g. for a CI matrix:
//   [{"file": "scenarios/api.yaml", "scenario": "create-and-read-user", "slug":
//   "create-and-read-user"}]
// It reads only `scenarios[].name` with yaml-cpp, so it works on files the full loader
// (harness/config) would reject; `leakcheck validate` is the place for that.
#include <cstdio>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "harness/cli/cli.h"
#include "harness/common/error.h"
#include "harness/common/exit_status.h"
#include "harness/common/format.h"

namespace leakcheck {

namespace {

struct ListOptions {
  std::vector<std::string> files;
  bool json = false;
};

std::vector<std::string> ScenarioNames(const std::string& file) {
  YAML::Node doc;
  try {
    doc = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw InputError("list", fmt::format("{}: cannot open", file));
  } catch (const YAML::Exception& e) {
    throw InputError("list",
                     fmt::format("{}:{}:{}: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  YAML::Node scenarios = doc.IsMap() ? doc["scenarios"] : YAML::Node();
  if (!scenarios.IsSequence())
    throw InputError("list", fmt::format("{}: no `scenarios:` list", file));
  std::vector<std::string> names;
  for (const auto& s : scenarios) {
    YAML::Node name = s.IsMap() ? s["name"] : YAML::Node();
    if (!name.IsScalar())
      throw InputError("list",
                       fmt::format("{}:{}: a scenario without a `name:`", file, s.Mark().line + 1));
    names.push_back(name.as<std::string>());
  }
  return names;
}

int RunList(const ListOptions& opt) {
  boost::json::array rows;
  std::string text;
  for (const auto& file : opt.files) {
    for (const auto& name : ScenarioNames(file)) {
      rows.push_back({{"file", file}, {"scenario", name}, {"slug", Slug(name)}});
      text += file + ": " + name + '\n';
    }
  }
  std::fputs(opt.json ? (boost::json::serialize(rows) + '\n').c_str() : text.c_str(), stdout);
  return kExitOk;
}

}  // namespace

void RegisterListCommand(CLI::App& root, CommandAction& action) {
  auto opt = std::make_shared<ListOptions>();
  auto* cmd =
      root.add_subcommand("list", "List the scenarios of scenario files (--json for a CI matrix)");
  cmd->add_option("files", opt->files, "Scenario YAML files")->required();
  cmd->add_flag("--json", opt->json, "Print a JSON array of {file, scenario, slug}");
  cmd->callback([&action, opt] { action = [opt] { return RunList(*opt); }; });
}

}  // namespace leakcheck
