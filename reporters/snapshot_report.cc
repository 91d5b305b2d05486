#include "reporters/snapshot_report.h"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "harness/common/format.h"
#include "reporters/escape.h"  // names from the heap are escaped for the terminal
#include "reporters/text_table.h"

namespace leakcheck::reporters {

namespace json = boost::json;
using Align = TextTable::Align;

std::string ShowName(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(s[++i]));  // C1 controls
    } else if (c == 0xe2 && i + 2 < s.size() && s[i + 1] == '\x80' &&
               (s[i + 2] == '\xa8' || s[i + 2] == '\xa9')) {
      out += s[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";  // line/paragraph separators
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string SummaryText(const analysis::SnapshotSummary& s) {
  std::string out =
      fmt::format("{}\n  {} nodes, {} edges, {} strings; total self size {}", TerminalText(s.file),
                  FormatCount(static_cast<int64_t>(s.node_count)),
                  FormatCount(static_cast<int64_t>(s.edge_count)),
                  FormatCount(static_cast<int64_t>(s.string_count)),
                  FormatBytes(static_cast<double>(s.total_size)));
  if (s.unreachable_size)
    out += fmt::format(" ({} unreachable)", FormatBytes(static_cast<double>(s.unreachable_size)));
  out += "\n\nTop classes by retained size\n";
  TextTable classes({"class", "count", "self size", "retained"},
                    {Align::kLeft, Align::kRight, Align::kRight, Align::kRight});
  for (const auto& c : s.classes)
    classes.AddRow({Ellipsize(TerminalText(c.name), 60), FormatCount(static_cast<int64_t>(c.count)),
                    FormatBytes(static_cast<double>(c.self_size)),
                    FormatBytes(static_cast<double>(c.retained_size))});
  out += classes.Render();
  out += "\nLargest objects by retained size\n";
  TextTable objects({"object", "self size", "retained", "distance"},
                    {Align::kLeft, Align::kRight, Align::kRight, Align::kRight});
  for (const auto& o : s.largest)
    objects.AddRow({fmt::format("{} @{}", Ellipsize(TerminalText(o.class_name), 50), o.id),
                    FormatBytes(static_cast<double>(o.self_size)),
                    FormatBytes(static_cast<double>(o.retained_size)), std::to_string(o.distance)});
  out += objects.Render();
  out += "\nRetainer paths\n";
  for (const auto& o : s.largest) {
    out += fmt::format("  @{}  {}\n", o.id, TerminalText(o.path));
    if (!o.location.empty())
      out += fmt::format("        created at {}\n", TerminalText(o.location));
  }
  return out;
}

json::value SummaryJson(const analysis::SnapshotSummary& s) {
  json::array classes;
  for (const auto& c : s.classes)
    classes.push_back({{"name", c.name},
                       {"count", c.count},
                       {"self_size", c.self_size},
                       {"retained_size", c.retained_size}});
  json::array largest;
  for (const auto& o : s.largest) {
    json::object obj{{"id", o.id},
                     {"class", o.class_name},
                     {"type", o.type},
                     {"self_size", o.self_size},
                     {"retained_size", o.retained_size},
                     {"distance", o.distance},
                     {"path", o.path}};
    if (!o.location.empty()) obj["location"] = o.location;
    largest.push_back(std::move(obj));
  }
  return {{"file", s.file},
          {"node_count", s.node_count},
          {"edge_count", s.edge_count},
          {"string_count", s.string_count},
          {"total_size", s.total_size},
          {"unreachable_size", s.unreachable_size},
          {"classes", std::move(classes)},
          {"largest", std::move(largest)}};
}

std::string DiffText(const analysis::SnapshotDiff& d, size_t max_rows) {
  TextTable t({"class", "# new", "# deleted", "# delta", "alloc size", "freed size", "size delta"},
              {Align::kLeft, Align::kRight, Align::kRight, Align::kRight, Align::kRight,
               Align::kRight, Align::kRight});
  auto add = [&](const analysis::ClassDelta& c) {
    t.AddRow({Ellipsize(TerminalText(c.name), 60), FormatCount(c.added), FormatCount(c.deleted),
              FormatCount(c.CountDelta()), FormatBytes(static_cast<double>(c.alloc_size)),
              FormatBytes(static_cast<double>(c.freed_size)),
              FormatSignedBytes(static_cast<double>(c.SizeDelta()))});
  };
  size_t shown = 0;
  for (const auto& c : d.classes) {
    if (shown++ == max_rows) break;
    add(c);
  }
  add(d.total);
  std::string out = t.Render();
  if (d.classes.size() > max_rows)
    out += fmt::format("({} more classes; --top to show more)\n", d.classes.size() - max_rows);
  return out;
}

json::value DiffJson(const analysis::SnapshotDiff& d) {
  auto row = [](const analysis::ClassDelta& c) {
    return json::object{{"name", c.name},
                        {"new", c.added},
                        {"deleted", c.deleted},
                        {"delta", c.CountDelta()},
                        {"alloc_size", c.alloc_size},
                        {"freed_size", c.freed_size},
                        {"size_delta", c.SizeDelta()}};
  };
  json::array classes;
  for (const auto& c : d.classes) classes.push_back(row(c));
  return {{"classes", std::move(classes)}, {"total", row(d.total)}};
}

std::string SurvivorsText(const analysis::Survivors& s, size_t max_rows) {
  std::string out = fmt::format(
      "{} objects ({}) allocated between snapshots 1 and 2 are still alive in snapshot 3\n\n",
      FormatCount(static_cast<int64_t>(s.count)), FormatBytes(static_cast<double>(s.self_size)));
  TextTable by_class({"class", "count", "self size"}, {Align::kLeft, Align::kRight, Align::kRight});
  for (size_t i = 0; i < s.by_class.size() && i < max_rows; ++i)
    by_class.AddRow({Ellipsize(TerminalText(s.by_class[i].key), 60),
                     FormatCount(static_cast<int64_t>(s.by_class[i].count)),
                     FormatBytes(static_cast<double>(s.by_class[i].self_size))});
  out += by_class.Render();
  out += "\nBy retainer path\n";
  for (size_t i = 0; i < s.by_path.size() && i < max_rows; ++i) {
    const auto& g = s.by_path[i];
    out += fmt::format("  {:>8}  {}  {}\n            e.g. @{}: {}\n",
                       FormatCount(static_cast<int64_t>(g.count)),
                       FormatBytes(static_cast<double>(g.self_size)), TerminalText(g.key),
                       g.example_id, TerminalText(g.example_path));
  }
  return out;
}

json::value SurvivorsJson(const analysis::Survivors& s) {
  auto groups = [](const std::vector<analysis::SurvivorGroup>& v) {
    json::array a;
    for (const auto& g : v)
      a.push_back({{"key", g.key},
                   {"count", g.count},
                   {"self_size", g.self_size},
                   {"example_id", g.example_id},
                   {"example_path", g.example_path}});
    return a;
  };
  return {{"count", s.count},
          {"self_size", s.self_size},
          {"by_class", groups(s.by_class)},
          {"by_path", groups(s.by_path)}};
}

}  // namespace leakcheck::reporters
