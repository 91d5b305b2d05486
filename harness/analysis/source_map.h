#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

/// Source maps (version 3, https://tc39.es/ecma426/): every file:line leakcheck prints for an
/// app's script that has a map — closures, listeners, handles, allocation sites — is rewritten to
/// the original file and line (a listener at src/bus.ts:7 prints src/bus.ts:7, not dist/bus.js:9
/// nor tsx's one-line output). Which scripts have maps is asked of the app at the end of the run
/// (run/live_stages.cc: V8's `Debugger.scriptParsed` sourceMapURL, i.e. the script's own
/// `//# sourceMappingURL=` comment, a file or an inline data: URL); docs/attribution.md.
namespace leakcheck::analysis {

/// A position in an original source: its file (resolved against the map's folder) and 1-based
/// line and column.
struct OriginalPosition {
  std::string source;
  int line = 0;
  int column = 0;
};

/// One parsed source map: the segments of its `mappings`, per generated line.
class SourceMap {
 public:
  /// Parses a version-3 map (JSON text). Relative `sources` (after `sourceRoot`) resolve against
  /// `base_dir` (the map file's folder, or the script's for an inline map); `file://` URLs become
  /// paths. nullopt when the text is not such a map (bad JSON, another version, an index map with
  /// `sections`, a malformed VLQ).
  static std::optional<SourceMap> Parse(std::string_view json, const std::string& base_dir);

  /// The original position of generated line/column (1-based): the last segment of that line
  /// that starts at or before the column (the first segment of the line when `column` is 0, i.e.
  /// unknown). nullopt when the map does not cover it.
  std::optional<OriginalPosition> Find(int line, int column) const;

 private:
  struct Segment {
    int generated_column = 0;  // 0-based
    int source = -1;           // -1: a segment that maps to nothing
    int line = 0;              // 0-based
    int column = 0;            // 0-based
  };
  std::vector<std::string> sources_;
  std::vector<std::vector<Segment>> lines_;
};

/// Where a script's map is, as the app's V8 reported it.
struct ScriptSourceMapUrl {
  std::string script;   ///< the script's URL or path ("file:///app/dist/bus.js")
  std::string map_url;  ///< its sourceMappingURL: relative, absolute, file:// or data:...;base64,
};

/// Decodes a data: URL's payload (base64 or percent-encoded); nullopt when it is not a data: URL.
std::optional<std::string> DecodeDataUrl(std::string_view url);

/// The app's scripts that have source maps, by path.
class SourceMaps {
 public:
  /// Loads each script's map: an inline data: URL decoded, a file read relative to the script's
  /// folder. A map that cannot be read or parsed is left out (its positions stay generated).
  static SourceMaps Load(const std::vector<ScriptSourceMapUrl>& scripts);

  /// Adds (or replaces) the map of the script at `script_path` (a path, no file://).
  void Add(const std::string& script_path, SourceMap map);

  bool empty() const { return maps_.empty(); }

  /// `text` with every "<script path>:<line>[:<column>]" of a mapped script rewritten to its
  /// original "<source>:<line>:<column>"; a position the map does not cover keeps its generated
  /// form followed by " (generated: not in its source map)".
  std::string Rewrite(std::string_view text) const;

  /// The original position of 1-based `line`/`column` in the script at `script_path` (a path,
  /// no file://): nullopt when that script has no map or its map does not cover the position.
  /// What a structured code location (run::Evidence::code) goes through.
  std::optional<OriginalPosition> Find(const std::string& script_path, int line, int column) const;

 private:
  std::unordered_map<std::string, SourceMap> maps_;
};

}  // namespace leakcheck::analysis
