#include "harness/cdp/collection_adders.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "harness/common/error.h"
#include "harness/common/json_text.h"

namespace leakcheck::cdp {

namespace json = boost::json;

std::string_view WatchFunction() {
  // Runs in the app with `this` = the collection. The wrapper is an own, non-enumerable
  // property that shadows the prototype's method on this instance only; it records the
  // callers' top frames (Error.captureStackTrace from the wrapper: the wrapper itself is not a
  // frame) and removes itself after `max` calls. The state keeps the collection only through a
  // WeakRef. A method the app already overrides on the instance is left alone.
  return R"js(function (max) {
  const ref = new WeakRef(this);
  const methods = this instanceof Map ? ['set'] : this instanceof Set ? ['add']
      : Array.isArray(this) ? ['push', 'unshift', 'splice'] : [];
  const state = { sites: new Map(), sampled: 0, installed: [], done: false };
  const restore = () => {
    if (state.done) return;
    state.done = true;
    const target = ref.deref();
    // The last added first: V8 then rolls the object's shape back instead of making it a
    // dictionary.
    if (target) for (const m of [...state.installed].reverse()) { try { delete target[m]; } catch {} }
  };
  for (const m of methods) {
    if (Object.prototype.hasOwnProperty.call(this, m)) continue;
    const original = this[m];
    if (typeof original !== 'function') continue;
    const wrapper = function (...args) {
      if (!state.done && (m !== 'splice' || args.length > 2)) {
        // V8's own call sites: generated positions, which leakcheck maps through the app's
        // source maps like every other position (Node's --enable-source-maps formatting, or
        // tsx's, would hand over positions already mapped).
        const holder = {};
        const limit = Error.stackTraceLimit, prepare = Error.prepareStackTrace;
        const own = Object.prototype.hasOwnProperty.call(Error, 'prepareStackTrace');
        let sites = [];
        Error.stackTraceLimit = 4;
        Error.prepareStackTrace = (_, callSites) => callSites;
        try {
          Error.captureStackTrace(holder, wrapper);
          sites = holder.stack;
        } finally {
          Error.stackTraceLimit = limit;
          if (own) Error.prepareStackTrace = prepare; else delete Error.prepareStackTrace;
        }
        const frames = (Array.isArray(sites) ? sites : []).map((c) =>
            `${c.getFunctionName() || '<anonymous>'} (${c.getFileName() || '<anonymous>'}:${c.getLineNumber()}:${c.getColumnNumber()})`);
        const key = [m, ...frames].join('\n');
        state.sites.set(key, (state.sites.get(key) || 0) + 1);
        if (++state.sampled >= max) restore();
      }
      return Reflect.apply(original, this, args);
    };
    try {
      Object.defineProperty(this, m, { value: wrapper, writable: true, configurable: true, enumerable: false });
      state.installed.push(m);
    } catch {}
  }
  state.report = () => {
    restore();
    return JSON.stringify({ sampled: state.sampled, methods: state.installed, sites: [...state.sites] });
  };
  return state;
})js";
}

namespace {

// The `result.objectId` of a CDP response's result text, or "".
std::string ObjectIdOf(const std::string& result_json) {
  boost::system::error_code ec;
  json::value v = json::parse(result_json, ec);
  if (ec || !v.is_object()) return "";
  const json::value* result = v.as_object().if_contains("result");
  if (result == nullptr || !result->is_object()) return "";
  const json::value* id = result->as_object().if_contains("objectId");
  return id != nullptr && id->is_string() ? std::string(id->as_string()) : "";
}

// The exception's text of a Runtime.callFunctionOn result, or "".
std::string ExceptionOf(const std::string& result_json) {
  boost::system::error_code ec;
  json::value v = json::parse(result_json, ec);
  if (ec || !v.is_object()) return "malformed response";
  const json::value* details = v.as_object().if_contains("exceptionDetails");
  if (details == nullptr) return "";
  return "threw: " + json::serialize(*details).substr(0, 200);
}

}  // namespace

std::vector<AdderWatch> WatchAdders(Session& session, const std::vector<uint64_t>& ids,
                                    int max_samples) {
  std::vector<AdderWatch> out;
  const std::string group = QuoteJson(kAdderObjectGroup);
  for (uint64_t id : ids) {
    AdderWatch w;
    w.id = id;
    try {
      const std::string target =
          ObjectIdOf(session.Call("HeapProfiler.getObjectByHeapObjectId",
                                  fmt::format(R"({{"objectId":{},"objectGroup":{}}})",
                                              QuoteJson(std::to_string(id)), group)));
      if (target.empty()) {
        w.problem = "the object is gone";
      } else {
        const std::string result = session.Call(
            "Runtime.callFunctionOn",
            fmt::format(R"({{"objectId":{},"functionDeclaration":{},"arguments":[{{"value":{}}}],)"
                        R"("objectGroup":{},"silent":true}})",
                        QuoteJson(target), QuoteJson(WatchFunction()), max_samples, group));
        w.problem = ExceptionOf(result);
        if (w.problem.empty()) w.state = ObjectIdOf(result);
        if (w.state.empty() && w.problem.empty()) w.problem = "no state returned";
        // The collection's own handle is not needed any more: the state holds it weakly.
        session.Call("Runtime.releaseObject",
                     fmt::format(R"({{"objectId":{}}})", QuoteJson(target)));
      }
    } catch (const Error& e) {
      w.problem = e.stage() + ": " + e.detail();
    }
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<CollectionAdders> CollectAdders(Session& session,
                                            const std::vector<AdderWatch>& watches) {
  std::vector<CollectionAdders> out;
  for (const AdderWatch& w : watches) {
    CollectionAdders c;
    c.id = w.id;
    c.problem = w.problem;
    if (!w.state.empty()) {
      try {
        const std::string result = session.Call(
            "Runtime.callFunctionOn",
            fmt::format(R"({{"objectId":{},"functionDeclaration":{},"returnByValue":true,)"
                        R"("silent":true}})",
                        QuoteJson(w.state), QuoteJson("function () { return this.report(); }")));
        boost::system::error_code ec;
        json::value v = json::parse(result, ec);
        const json::value* value = nullptr;
        if (!ec && v.is_object())
          if (const json::value* r = v.as_object().if_contains("result"); r && r->is_object())
            value = r->as_object().if_contains("value");
        std::optional<CollectionAdders> parsed;
        if (value != nullptr && value->is_string())
          parsed = ParseAdderReport(w.id, value->as_string());
        if (parsed) {
          c = std::move(*parsed);
        } else {
          c.problem = "no report: " + ExceptionOf(result);
        }
      } catch (const Error& e) {
        c.problem = e.stage() + ": " + e.detail();
      }
    }
    out.push_back(std::move(c));
  }
  if (!watches.empty()) {
    try {
      session.Call("Runtime.releaseObjectGroup",
                   fmt::format(R"({{"objectGroup":{}}})", QuoteJson(kAdderObjectGroup)));
    } catch (const Error&) {
      // The app is gone or the session broken: nothing of the watch is left to release.
    }
  }
  return out;
}

std::optional<CollectionAdders> ParseAdderReport(uint64_t id, std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  const json::value* sampled = o.if_contains("sampled");
  const json::value* methods = o.if_contains("methods");
  const json::value* sites = o.if_contains("sites");
  if (!sampled || !sampled->is_number() || !methods || !methods->is_array() || !sites ||
      !sites->is_array())
    return std::nullopt;
  CollectionAdders c;
  c.id = id;
  c.sampled = sampled->to_number<int64_t>(ec);
  if (ec) return std::nullopt;
  for (const auto& m : methods->as_array())
    if (m.is_string()) c.methods.emplace_back(m.as_string());
  for (const auto& row : sites->as_array()) {
    const json::array* pair = row.if_array();
    if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_number())
      return std::nullopt;
    AdderSite s;
    std::string_view key = (*pair)[0].as_string();
    s.calls = (*pair)[1].to_number<int64_t>(ec);
    if (ec) return std::nullopt;
    size_t start = 0;
    for (size_t nl; start <= key.size(); start = nl + 1) {
      nl = key.find('\n', start);
      if (nl == std::string_view::npos) nl = key.size();
      std::string part(key.substr(start, nl - start));
      if (s.method.empty() && start == 0) {
        s.method = std::move(part);
      } else if (!part.empty()) {
        s.frames.push_back(std::move(part));
      }
    }
    c.sites.push_back(std::move(s));
  }
  std::stable_sort(c.sites.begin(), c.sites.end(),
                   [](const AdderSite& a, const AdderSite& b) { return a.calls > b.calls; });
  return c;
}

std::optional<FramePosition> ParseFrame(std::string_view frame) {
  // "fn (where)" or "where"; where is "<file>:<line>:<column>" (or "<file>:<line>").
  std::string_view where = frame;
  if (frame.ends_with(')')) {
    const size_t open = frame.rfind('(');
    if (open == std::string_view::npos) return std::nullopt;
    where = frame.substr(open + 1, frame.size() - open - 2);
  } else if (const size_t space = frame.rfind(' '); space != std::string_view::npos) {
    where = frame.substr(space + 1);
  }
  auto number_at_end = [](std::string_view& s, int& n) {
    const size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return false;
    std::string_view digits = s.substr(colon + 1);
    if (digits.empty()) return false;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size() || n <= 0) return false;
    s = s.substr(0, colon);
    return true;
  };
  FramePosition p;
  int last = 0;
  if (!number_at_end(where, last)) return std::nullopt;
  int line = 0;
  if (number_at_end(where, line)) {
    p.line = line;
    p.column = last;
  } else {
    p.line = last;
  }
  if (where.empty() || where == "<anonymous>" || where.starts_with("native")) return std::nullopt;
  if (where.starts_with("file://")) where.remove_prefix(7);
  p.file = std::string(where);
  return p;
}

std::optional<FramePosition> AppFrame(const AdderSite& site) {
  std::optional<FramePosition> first;
  for (const auto& f : site.frames) {
    auto p = ParseFrame(f);
    if (!p) continue;
    if (!first) first = p;
    if (!p->file.starts_with("node:") && p->file.find("/node_modules/") == std::string::npos &&
        !p->file.starts_with("internal/"))
      return p;
  }
  return first;
}

std::optional<AddedAt> DescribeAdders(const CollectionAdders& w) {
  if (w.methods.empty() || !w.problem.empty()) return std::nullopt;
  if (w.sites.empty()) {
    std::string methods;
    for (const auto& m : w.methods) methods += (methods.empty() ? "" : "/") + m;
    return AddedAt{fmt::format("no {} call added to it while watched: its entries are stored by "
                               "assignment (`obj[key] = v`, `arr[i] = v`), which the watch "
                               "cannot see",
                               methods),
                   std::nullopt};
  }
  // Sites are whole stacks: the same line reached from different callers counts once.
  struct Line {
    FramePosition at;
    int64_t calls = 0;
    std::string method;  // of its first site (the most frequent)
  };
  std::vector<Line> lines;
  for (const AdderSite& site : w.sites) {
    auto at = AppFrame(site);
    if (!at) continue;
    auto it = std::find_if(lines.begin(), lines.end(), [&](const Line& l) {
      return l.at.file == at->file && l.at.line == at->line && l.at.column == at->column;
    });
    if (it == lines.end()) it = lines.insert(lines.end(), Line{*at, 0, site.method});
    it->calls += site.calls;
  }
  if (lines.empty()) return std::nullopt;
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) { return a.calls > b.calls; });
  const Line& top = lines.front();
  const FramePosition* at = &top.at;
  const std::string position = at->column > 0
                                   ? fmt::format("{}:{}:{}", at->file, at->line, at->column)
                                   : fmt::format("{}:{}", at->file, at->line);
  std::string others;
  if (lines.size() > 1)
    others = fmt::format("; {} other line{}", lines.size() - 1, lines.size() == 2 ? "" : "s");
  return AddedAt{fmt::format("entries added at {} ({}, {} of {} sampled calls{})", position,
                             top.method, top.calls, w.sampled, others),
                 top.at};
}

}  // namespace leakcheck::cdp
