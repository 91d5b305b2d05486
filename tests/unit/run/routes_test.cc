// Failed requests a person can act on (run/routes.h): the driver's per-route counts as results,
// sample bodies redacted then bounded at a UTF-8 boundary, and the http check's route evidence.
#include "harness/run/routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/common/redact.h"

namespace leakcheck::run {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

load::RouteStats Route(const char* name, int64_t requests, int64_t failed) {
  load::RouteStats r;
  r.route = name;
  r.requests = requests;
  r.failed = failed;
  return r;
}

TEST(Routes, OutcomesKeepStatusesAndOnlyTheKindsThatOccurred) {
  load::RouteStats r = Route("GET /items/{{ id }}", 10, 4);
  for (int i = 0; i < 6; ++i) r.CountStatus(200);
  for (int i = 0; i < 3; ++i) r.CountStatus(404);
  r.errors[static_cast<size_t>(load::ErrorKind::kStatus)] = 3;
  r.errors[static_cast<size_t>(load::ErrorKind::kTimeout)] = 1;
  r.KeepSample(404, "{\"error\":\"no item\"}");
  std::vector<RouteOutcome> out = ToRouteOutcomes({r});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].route, "GET /items/{{ id }}");
  EXPECT_THAT(out[0].statuses, ElementsAre(Pair("200", 6), Pair("404", 3)));
  EXPECT_THAT(out[0].errors, ElementsAre(Pair("timeout", 1), Pair("status", 3)));
  ASSERT_EQ(out[0].samples.size(), 1u);
  EXPECT_EQ(out[0].samples[0].body, "{\"error\":\"no item\"}");
  EXPECT_FALSE(out[0].samples[0].truncated);
}

TEST(Routes, SamplesAreRedactedBeforeTheyAreCutAndCutAtAUtf8Boundary) {
  const std::string secret = "tok-routes-4e1d9a";
  redact::Global().AddSecret(secret);
  load::RouteStats r = Route("POST /x", 1, 1);
  // The secret straddles byte 512: redacting after the cut would leave its first half.
  std::string body = std::string(505, 'a') + secret + std::string(100, 'b');
  r.KeepSample(500, body);
  // 511 ASCII bytes then "é" (2 bytes): a cut at 512 would split it.
  std::string accented = std::string(511, 'c') + "\xc3\xa9" + "tail";
  r.KeepSample(502, accented);
  std::vector<RouteOutcome> out = ToRouteOutcomes({r});
  ASSERT_EQ(out[0].samples.size(), 2u);
  const std::string& cut = out[0].samples[0].body;
  EXPECT_EQ(cut.size(), load::kRouteSampleBytes);
  EXPECT_EQ(cut.find("tok-"), std::string::npos) << "no part of the secret";
  EXPECT_EQ(cut.substr(505), "[redact");
  EXPECT_TRUE(out[0].samples[0].truncated);
  EXPECT_EQ(out[0].samples[1].body, std::string(511, 'c')) << "the é is not split";
  redact::Global().Clear();
}

TEST(Routes, EvidenceNamesFailingRoutesTheirStatusesAndOneLineBodies) {
  LoadStats load;
  load.routes = {{"GET /ok", 5, 0, {{"200", 5}}, {}, {}, {}},
                 {"GET /items/{{ id }}",
                  1200,
                  1190,
                  {{"200", 10}, {"404", 1190}},
                  {{"status", 1190}},
                  {{404, "{\n  \"error\": \"gone\"\r\n}", false}},
                  {}},
                 {"POST /orders", 3, 3, {}, {{"timeout", 3}}, {}, {}}};
  CheckResult http;
  AddRouteEvidence(load, http);
  ASSERT_EQ(http.evidence.size(), 3u) << "a route without failures is left out";
  EXPECT_EQ(http.evidence[0].kind, Evidence::Kind::kRoute);
  EXPECT_EQ(http.evidence[0].title, "GET /items/{{ id }}");
  EXPECT_EQ(http.evidence[0].detail,
            "— 1,190 of 1,200 failed: 200 ×10, 404 ×1,190; errors: status ×1,190");
  EXPECT_EQ(http.evidence[1].detail, "— 404 body: { \"error\": \"gone\" }");
  EXPECT_EQ(http.evidence[2].detail, "— 3 of 3 failed; errors: timeout ×3");
}

TEST(Routes, TheTransportsReasonIsKeptOncePerKindRedactedOnOneLineAndShownWithItsCount) {
  const std::string secret = "tok-reason-77c1";
  redact::Global().AddSecret(secret);
  load::RouteStats a = Route("GET /secure", 4, 4);
  a.errors[static_cast<size_t>(load::ErrorKind::kConnect)] = 3;
  a.errors[static_cast<size_t>(load::ErrorKind::kClosed)] = 1;
  a.KeepReason(load::ErrorKind::kConnect, "certificate verify failed (SSL routines)");
  a.KeepReason(load::ErrorKind::kConnect, "Connection refused");  // the first one stays
  load::RouteStats b = Route("GET /secure", 2, 2);
  b.errors[static_cast<size_t>(load::ErrorKind::kClosed)] = 2;
  b.KeepReason(load::ErrorKind::kClosed, "reset\nby " + secret + "\x1b[2J");
  a.Merge(b);  // batches merge: a kind's reason comes from whichever batch saw one
  std::vector<RouteOutcome> out = ToRouteOutcomes({a});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].reasons.size(), 2u);
  EXPECT_EQ(out[0].reasons[0].kind, "connect");
  EXPECT_EQ(out[0].reasons[0].message, "certificate verify failed (SSL routines)");
  EXPECT_EQ(out[0].reasons[1].kind, "closed");
  EXPECT_EQ(out[0].reasons[1].message.find(secret), std::string::npos);
  EXPECT_EQ(out[0].reasons[1].message.find_first_of("\n\x1b"), std::string::npos);

  LoadStats load;
  load.routes = out;
  CheckResult http;
  AddRouteEvidence(load, http);
  ASSERT_EQ(http.evidence.size(), 1u);
  EXPECT_EQ(http.evidence[0].detail.rfind("— 6 of 6 failed; errors: connect ×3 (certificate verify "
                                          "failed (SSL routines)), closed ×3 (reset by [redact",
                                          0),
            0u)
      << http.evidence[0].detail;
  redact::Global().Clear();
}

}  // namespace
}  // namespace leakcheck::run
