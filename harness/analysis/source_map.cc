#include "harness/analysis/source_map.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>

namespace leakcheck::analysis {
namespace {

namespace fs = std::filesystem;

std::string WithoutFileScheme(std::string_view url) {
  if (url.starts_with("file://")) url.remove_prefix(7);
  return std::string(url);
}

// The base64 digit's value (the source map alphabet), or -1.
int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Reads the Base64 VLQ values of one segment ("AAgBC" → 0,0,16,1); false when malformed.
bool DecodeSegment(std::string_view text, std::vector<int>& values) {
  values.clear();
  size_t i = 0;
  while (i < text.size()) {
    int64_t value = 0;
    int shift = 0;
    bool more = true;
    while (more) {
      if (i >= text.size() || shift > 30) return false;
      const int digit = Base64Digit(text[i++]);
      if (digit < 0) return false;
      more = (digit & 32) != 0;
      value |= static_cast<int64_t>(digit & 31) << shift;
      shift += 5;
    }
    const bool negative = (value & 1) != 0;
    value >>= 1;
    values.push_back(static_cast<int>(negative ? -value : value));
  }
  return true;
}

std::string ResolveSource(const std::string& root, std::string_view source,
                          const std::string& base_dir) {
  std::string s =
      WithoutFileScheme(root.empty() || source.starts_with("/") || source.starts_with("file://")
                            ? std::string(source)
                            : (root.ends_with("/") ? root : root + "/") + std::string(source));
  fs::path p(s);
  if (p.is_relative() && !base_dir.empty()) p = fs::path(base_dir) / p;
  return p.lexically_normal().string();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::optional<SourceMap> SourceMap::Parse(std::string_view json, const std::string& base_dir) {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto& o = doc.as_object();
  const auto* version = o.if_contains("version");
  if (!version || !version->is_int64() || version->as_int64() != 3) return std::nullopt;
  const auto* mappings = o.if_contains("mappings");
  const auto* sources = o.if_contains("sources");
  if (!mappings || !mappings->is_string() || !sources || !sources->is_array()) return std::nullopt;
  std::string root;
  if (const auto* r = o.if_contains("sourceRoot"); r && r->is_string()) root = r->as_string();
  SourceMap map;
  for (const auto& s : sources->as_array())
    map.sources_.push_back(
        s.is_string() ? ResolveSource(root, std::string_view(s.as_string()), base_dir) : "");
  // Fields 2-4 are relative to the previous segment anywhere in the map; the generated column
  // restarts at each line (";").
  int source = 0, line = 0, column = 0;
  std::vector<int> values;
  const std::string_view text = mappings->as_string();
  map.lines_.emplace_back();
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != ',' && text[i] != ';') continue;
    int generated_column =
        map.lines_.back().empty() ? 0 : map.lines_.back().back().generated_column;
    if (i > start) {
      if (!DecodeSegment(text.substr(start, i - start), values)) return std::nullopt;
      if (values.size() != 1 && values.size() != 4 && values.size() != 5) return std::nullopt;
      Segment seg;
      seg.generated_column = generated_column + values[0];
      if (values.size() >= 4) {
        source += values[1], line += values[2], column += values[3];
        if (source < 0 || static_cast<size_t>(source) >= map.sources_.size() || line < 0 ||
            column < 0)
          return std::nullopt;
        seg.source = source, seg.line = line, seg.column = column;
      }
      map.lines_.back().push_back(seg);
    }
    if (i < text.size() && text[i] == ';') map.lines_.emplace_back();
    start = i + 1;
  }
  for (auto& segments : map.lines_)
    std::stable_sort(segments.begin(), segments.end(), [](const Segment& a, const Segment& b) {
      return a.generated_column < b.generated_column;
    });
  return map;
}

std::optional<OriginalPosition> SourceMap::Find(int line, int column) const {
  if (line < 1 || static_cast<size_t>(line) > lines_.size()) return std::nullopt;
  const auto& segments = lines_[static_cast<size_t>(line - 1)];
  const Segment* found = nullptr;
  if (column <= 0) {
    for (const auto& s : segments)
      if (s.source >= 0) {
        found = &s;
        break;
      }
  } else {
    for (const auto& s : segments) {
      if (s.generated_column > column - 1) break;
      found = &s;
    }
  }
  if (!found || found->source < 0) return std::nullopt;
  return OriginalPosition{sources_[static_cast<size_t>(found->source)], found->line + 1,
                          found->column + 1};
}

std::optional<std::string> DecodeDataUrl(std::string_view url) {
  if (!url.starts_with("data:")) return std::nullopt;
  const size_t comma = url.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const std::string_view meta = url.substr(5, comma - 5);
  const std::string_view payload = url.substr(comma + 1);
  std::string out;
  if (meta.ends_with(";base64")) {
    namespace b64 = boost::beast::detail::base64;
    std::string_view digits = payload;
    while (digits.ends_with('=')) digits.remove_suffix(1);
    out.resize(b64::decoded_size(digits.size()) + 3);
    auto [written, read] = b64::decode(out.data(), digits.data(), digits.size());
    if (read != digits.size()) return std::nullopt;
    out.resize(written);
    return out;
  }
  for (size_t i = 0; i < payload.size(); ++i) {
    if (payload[i] == '%' && i + 2 < payload.size()) {
      out += static_cast<char>(std::stoi(std::string(payload.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += payload[i];
    }
  }
  return out;
}

SourceMaps SourceMaps::Load(const std::vector<ScriptSourceMapUrl>& scripts) {
  SourceMaps out;
  for (const auto& s : scripts) {
    if (s.map_url.empty()) continue;
    const std::string script = WithoutFileScheme(s.script);
    if (script.empty() || script.front() != '/') continue;  // node:internal, eval'd code
    const fs::path script_dir = fs::path(script).parent_path();
    std::optional<std::string> text = DecodeDataUrl(s.map_url);
    std::string base = script_dir.string();
    if (!text) {
      if (s.map_url.find("://") != std::string::npos && !s.map_url.starts_with("file://"))
        continue;  // a map on a server is not ours to fetch
      fs::path file(WithoutFileScheme(s.map_url));
      if (file.is_relative()) file = script_dir / file;
      text = ReadFile(file);
      base = file.parent_path().string();
    }
    if (auto map = SourceMap::Parse(*text, base)) out.Add(script, std::move(*map));
  }
  return out;
}

void SourceMaps::Add(const std::string& script_path, SourceMap map) {
  maps_.insert_or_assign(script_path, std::move(map));
}

std::optional<OriginalPosition> SourceMaps::Find(const std::string& script_path, int line,
                                                 int column) const {
  auto it = maps_.find(script_path);
  if (it == maps_.end()) return std::nullopt;
  return it->second.Find(line, column);
}

std::string SourceMaps::Rewrite(std::string_view text) const {
  if (maps_.empty()) return std::string(text);
  std::string out;
  size_t copied = 0;
  auto digits = [&](size_t at, int* value) {
    size_t end = at;
    int64_t v = 0;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9' && end - at < 9)
      v = v * 10 + (text[end++] - '0');
    *value = static_cast<int>(v);
    return end;
  };
  for (size_t at = 0; at < text.size(); ++at) {
    if (text[at] != '/') continue;
    if (at > 0 && text[at - 1] != ' ' && text[at - 1] != '(' && text[at - 1] != '"') continue;
    // The longest mapped script path that starts here and is followed by ":<line>".
    const size_t colon = text.find(':', at);
    if (colon == std::string_view::npos) break;
    auto it = maps_.find(std::string(text.substr(at, colon - at)));
    if (it == maps_.end()) continue;
    int line = 0, column = 0;
    size_t end = digits(colon + 1, &line);
    if (end == colon + 1) continue;
    if (end < text.size() && text[end] == ':') {
      const size_t col_end = digits(end + 1, &column);
      if (col_end > end + 1) end = col_end;
    }
    out.append(text.substr(copied, at - copied));
    if (auto pos = it->second.Find(line, column)) {
      out += fmt::format("{}:{}:{}", pos->source, pos->line, pos->column);
    } else {
      out.append(text.substr(at, end - at));
      out += " (generated: not in its source map)";
    }
    copied = end;
    at = end - 1;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace leakcheck::analysis
