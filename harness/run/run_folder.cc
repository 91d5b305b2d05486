#include "harness/run/run_folder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "harness/common/error.h"
#include "harness/common/format.h"
#include "harness/run/pipeline.h"

namespace leakcheck::run {

namespace fs = std::filesystem;

void CreatePrivateDirs(const fs::path& dir) {
  fs::path at;
  for (const auto& part : dir) {
    at /= part;
    std::error_code ec;
    if (fs::is_directory(at, ec)) continue;
    if (::mkdir(at.c_str(), 0700) != 0 && errno != EEXIST)
      throw InputError("run",
                       fmt::format("cannot create {}: {}", at.string(), std::strerror(errno)));
    if (!fs::is_directory(at, ec))
      throw InputError("run",
                       fmt::format("cannot create {}: it exists and is not a folder", at.string()));
    // Snapshots hold whatever the app held (tokens, user data): owner-only, whatever the umask.
    // (mkdir applies the umask, so the mode is set again explicitly.)
    if (::chmod(at.c_str(), 0700) != 0)
      throw InputError("run", fmt::format("cannot make {} private (mode 0700): {}", at.string(),
                                          std::strerror(errno)));
  }
}

std::vector<std::string> ScenarioFolderNames(const std::vector<ScenarioKey>& keys) {
  std::map<std::string, int> by_slug;
  for (const auto& k : keys) ++by_slug[Slug(k.name)];
  std::vector<std::string> names;
  std::map<std::string, int> used;
  for (const auto& k : keys) {
    std::string name = Slug(k.name);
    if (by_slug[name] > 1) name = Slug(fs::path(k.file).stem().string()) + "-" + name;
    std::string unique = name;
    for (int n = 2; used.count(unique); ++n) unique = fmt::format("{}-{}", name, n);
    ++used[unique];
    names.push_back(unique);
  }
  return names;
}

void ClearScenarioFolder(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.ends_with(".heapsnapshot") || name.ends_with(".heapsnapshot.part") ||
        name == "stdout.log" || name == "stderr.log") {
      std::error_code ignored;
      if (!fs::is_directory(it->path(), ignored)) fs::remove(it->path(), ignored);
    }
  }
}

void MakeFilesPrivate(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
      ::chmod(entry.path().c_str(), st.st_mode & 0700);
  }
}

std::vector<std::string> ExistingFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::exists(p, ec)) out.push_back(p);
  }
  return out;
}

void CheckReportPath(const std::string& what, const std::string& path) {
  std::error_code ec;
  fs::path p(path);
  if (fs::is_directory(p, ec))
    throw InputError(what, fmt::format("{}: is a folder, not a file", path));
  fs::path parent = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(parent, ec))
    throw InputError(
        what, fmt::format("{}: cannot write: the folder {} does not exist", path, parent.string()));
  if (::access(parent.c_str(), W_OK | X_OK) != 0)
    throw InputError(what, fmt::format("{}: cannot write in {}: {}", path, parent.string(),
                                       std::strerror(errno)));
  if (fs::exists(p, ec) && ::access(p.c_str(), W_OK) != 0)
    throw InputError(what, fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
}

}  // namespace leakcheck::run
