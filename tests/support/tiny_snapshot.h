#pragma once

// Builds small V8-format heap snapshots in memory for unit tests, in the exact JSON layout
// Node writes (meta, nodes, edges, locations, strings).
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/snapshot/reader.h"

namespace leakcheck::testing {

class TinySnapshot {
 public:
  /// Adds a node; returns its ordinal. The first node added is the root.
  uint32_t Node(const std::string& type, const std::string& name, uint64_t self_size,
                uint32_t id = 0) {
    nodes_.push_back({type, Intern(name), id ? id : next_id_, self_size, {}, 0});
    next_id_ += 2;
    return static_cast<uint32_t>(nodes_.size() - 1);
  }
  /// Adds an edge from `from` to `to`. Element/hidden edges take a numeric name.
  void Edge(uint32_t from, const std::string& type, const std::string& name, uint32_t to) {
    bool numeric = type == "element" || type == "hidden";
    nodes_[from].edges.push_back(
        {type, numeric ? static_cast<uint32_t>(std::stoul(name)) : Intern(name), to});
  }
  void Detached(uint32_t node) { nodes_[node].detachedness = 2; }
  void Location(uint32_t node, uint32_t script, uint32_t line, uint32_t column) {
    locations_.push_back({node, script, line, column});
  }

  std::string Json() const {
    static const std::vector<std::string> kNodeTypes = {"hidden",
                                                        "array",
                                                        "string",
                                                        "object",
                                                        "code",
                                                        "closure",
                                                        "regexp",
                                                        "number",
                                                        "native",
                                                        "synthetic",
                                                        "concatenated string",
                                                        "sliced string",
                                                        "symbol",
                                                        "bigint",
                                                        "object shape"};
    static const std::vector<std::string> kEdgeTypes = {
        "context", "element", "property", "internal", "hidden", "shortcut", "weak"};
    auto index_of = [](const std::vector<std::string>& v, const std::string& s) {
      for (size_t i = 0; i < v.size(); ++i)
        if (v[i] == s) return i;
      return v.size() + 100;  // deliberately invalid
    };
    size_t edge_count = 0;
    for (const auto& n : nodes_) edge_count += n.edges.size();
    std::string out = fmt::format(
        R"({{"snapshot":{{"meta":{{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],)"
        R"("node_types":[{},"string","number","number","number","number","number"],)"
        R"("edge_fields":["type","name_or_index","to_node"],"edge_types":[{},"string_or_number","node"],)"
        R"("location_fields":["object_index","script_id","line","column"]}},"node_count":{},"edge_count":{},"trace_function_count":0}},)"
        "\n\"nodes\":[",
        JsonList(kNodeTypes), JsonList(kEdgeTypes), nodes_.size(), edge_count);
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const auto& n = nodes_[i];
      out += fmt::format("{}{},{},{},{},{},0,{}\n", i ? "," : "", index_of(kNodeTypes, n.type),
                         n.name, n.id, n.self_size, n.edges.size(), n.detachedness);
    }
    out += "],\n\"edges\":[";
    bool first = true;
    for (const auto& n : nodes_)
      for (const auto& e : n.edges) {
        out += fmt::format("{}{},{},{}\n", first ? "" : ",", index_of(kEdgeTypes, e.type), e.name,
                           e.to * 7);
        first = false;
      }
    out += "],\n\"trace_function_infos\":[],\n\"trace_tree\":[],\n\"samples\":[],\n\"locations\":[";
    for (size_t i = 0; i < locations_.size(); ++i) {
      const auto& l = locations_[i];
      out += fmt::format("{}{},{},{},{}\n", i ? "," : "", l.node * 7, l.script, l.line, l.column);
    }
    out += "],\n\"strings\":[";
    for (size_t i = 0; i < strings_.size(); ++i) out += (i ? ",\n" : "") + Quote(strings_[i]);
    out += "]}";
    return out;
  }

  snapshot::HeapGraph Graph() const {
    return snapshot::ReadSnapshotFromString(Json(), "tiny.heapsnapshot");
  }

  static std::string Quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }

 private:
  struct EdgeSpec {
    std::string type;
    uint32_t name;
    uint32_t to;
  };
  struct NodeSpec {
    std::string type;
    uint32_t name;
    uint32_t id;
    uint64_t self_size;
    std::vector<EdgeSpec> edges;
    int detachedness;
  };
  struct LocationSpec {
    uint32_t node, script, line, column;
  };

  uint32_t Intern(const std::string& s) {
    for (size_t i = 0; i < strings_.size(); ++i)
      if (strings_[i] == s) return static_cast<uint32_t>(i);
    strings_.push_back(s);
    return static_cast<uint32_t>(strings_.size() - 1);
  }
  static std::string JsonList(const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + Quote(v[i]);
    return out + "]";
  }

  std::vector<NodeSpec> nodes_;
  std::vector<std::string> strings_;
  std::vector<LocationSpec> locations_;
  uint32_t next_id_ = 1;
};

}  // namespace leakcheck::testing
