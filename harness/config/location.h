#pragma once

#include <string>

#include <boost/describe/class.hpp>

namespace leakcheck::config {

/// Where a value came from in a scenario file. Lines and columns are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  /// "scenarios/api.yaml:12:5" (or just the file when the position is unknown).
  std::string ToString() const;
};
BOOST_DESCRIBE_STRUCT(SourceLocation, (), (file, line, column))

/// A value together with the place in the YAML file that set it. `location.line == 0` means
/// the value is a default that no line of the file set.
template <typename T>
struct Located {
  T value{};
  SourceLocation location;

  bool IsSet() const { return location.line != 0; }
};

}  // namespace leakcheck::config
