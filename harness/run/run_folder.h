#pragma once

#include <filesystem>
#include <string>
#include <vector>

/// The run folder (`--out`, default leakcheck-results/) and the scenario folders in it: created
/// owner-only, unique per file and scenario, emptied of an earlier run's evidence. Existing
/// folders of the user keep their mode.
namespace leakcheck::run {

/// Creates `dir` and any missing parents; each folder it creates is made owner-only (0700),
/// folders that already existed keep their mode. Throws InputError("run", …) naming the folder
/// that cannot be created (or is not a folder).
void CreatePrivateDirs(const std::filesystem::path& dir);

/// One (file, scenario name) of the run, to name its folder.
struct ScenarioKey {
  std::string file;  ///< the scenario file's path, as given
  std::string name;  ///< the scenario's name
};

/// A folder name per scenario, unique across the run: Slug(name) when no other scenario of the
/// run has the same slug; otherwise Slug(<file stem>)-Slug(name), and "-2", "-3", … after that
/// when even those meet. Same order as `keys`.
std::vector<std::string> ScenarioFolderNames(const std::vector<ScenarioKey>& keys);

/// Removes what an earlier run left in a scenario folder: heap snapshots (also partial ones)
/// and the app's logs. Nothing else is touched (a folder of the user's is safe).
void ClearScenarioFolder(const std::filesystem::path& dir);

/// Makes every regular file in `dir` owner-only (logs, snapshots the app wrote with its umask).
void MakeFilesPrivate(const std::filesystem::path& dir);

/// `paths` without the ones that do not exist (results.json names only files that exist).
std::vector<std::string> ExistingFiles(const std::vector<std::string>& paths);

/// Checks that a report file can be written at `path` before anything runs: its folder exists
/// and is writable, and `path` is not a folder. Throws InputError("<what>", …) otherwise.
void CheckReportPath(const std::string& what, const std::string& path);

}  // namespace leakcheck::run
