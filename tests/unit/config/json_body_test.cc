// `json:` request bodies: every YAML scalar form becomes valid JSON (YAML 1.2 core schema), and
// every body the builder produces is parsed here, not compared as text.
#include "harness/config/json_body.h"

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "harness/config/loader.h"

namespace leakcheck::config {
namespace {

using ::testing::HasSubstr;

// Parses a one-request file whose POST body is `json` (flow YAML), reporting diagnostics.
ScenarioFile WithBody(const std::string& json, std::vector<Diagnostic>* diagnostics) {
  std::string yaml =
      "app: { command: node s.js }\nscenarios:\n  - name: s\n    flow:\n"
      "      - post: { url: /u, json: " +
      json + " }\n";
  return ParseScenarioText(yaml, "t.yaml", diagnostics);
}

// The body sent for iteration 7, parsed as JSON.
boost::json::value SentBody(const std::string& json) {
  std::vector<Diagnostic> diagnostics;
  ScenarioFile file = WithBody(json, &diagnostics);
  for (const Diagnostic& d : diagnostics) ADD_FAILURE() << d.ToString();
  const RequestStep& request = file.scenarios.at(0).flow.at(0).request;
  EXPECT_TRUE(request.json_body);
  RenderContext ctx;
  ctx.iteration = 7;
  std::string text = request.body->Render(ctx);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << "not JSON: " << text;
  return v;
}

TEST(JsonBody, TheNumberFormsOfIssue11AreValidJsonNumbers) {
  // Sent as `{"a":+5,"b":007,"c":.5,"d":5.}` before (invalid JSON).
  auto body = SentBody("{a: +5, b: 007, c: .5, d: 5.}").as_object();
  EXPECT_EQ(body.at("a").as_int64(), 5);
  EXPECT_EQ(body.at("b").as_int64(), 7);
  EXPECT_EQ(body.at("c").as_double(), 0.5);
  EXPECT_EQ(body.at("d").as_double(), 5.0);
}

TEST(JsonBody, EveryCoreSchemaFormBecomesTheValueYamlMeans) {
  auto body = SentBody(
                  "{i: -0012, hex: 0x1F, oct: 0o17, e: 1e3, ne: -.5E-2, f: 00.250, big: "
                  "123456789012345678901234567890, t: True, f2: FALSE, n1: ~, n2: Null, n3: , "
                  "s1: yes, s2: 1_000, s3: 0b11, s4: 1:30, s5: 5px, s6: '007', s7: \"+5\", "
                  "s8: !!str 12, s10: .}")
                  .as_object();
  EXPECT_EQ(body.at("i").as_int64(), -12);
  EXPECT_EQ(body.at("hex").as_int64(), 31);
  EXPECT_EQ(body.at("oct").as_int64(), 15);
  EXPECT_EQ(body.at("e").to_number<double>(), 1000);
  EXPECT_EQ(body.at("ne").as_double(), -0.005);
  EXPECT_EQ(body.at("f").as_double(), 0.25);
  EXPECT_TRUE(body.at("big").is_double());  // beyond 64 bits: still a number, never a string
  EXPECT_EQ(body.at("t").as_bool(), true);
  EXPECT_EQ(body.at("f2").as_bool(), false);
  EXPECT_TRUE(body.at("n1").is_null());
  EXPECT_TRUE(body.at("n2").is_null());
  EXPECT_TRUE(body.at("n3").is_null());
  for (auto [key, text] : {std::pair{"s1", "yes"},
                           {"s2", "1_000"},
                           {"s3", "0b11"},
                           {"s4", "1:30"},
                           {"s5", "5px"},
                           {"s6", "007"},
                           {"s7", "+5"},
                           {"s8", "12"},
                           {"s10", "."}}) {
    ASSERT_TRUE(body.at(key).is_string()) << key;
    EXPECT_EQ(body.at(key).as_string(), text) << key;
  }
}

TEST(JsonBody, KeysAndTemplatedStringsAreEscapedByTheOneEscaper) {
  ::setenv("LEAKCHECK_JSON_BODY_TEST", "say \"hi\"\n\\ \x01", 1);
  auto body = SentBody(
                  "{\"k\\\"ey\": \"{{ $env.LEAKCHECK_JSON_BODY_TEST }}-{{ $iteration }}\", list: "
                  "[1, \"a\\tb\", {x: .5}]}")
                  .as_object();
  ::unsetenv("LEAKCHECK_JSON_BODY_TEST");
  EXPECT_EQ(body.at("k\"ey").as_string(), "say \"hi\"\n\\ \x01-7");
  const auto& list = body.at("list").as_array();
  EXPECT_EQ(list.at(0).as_int64(), 1);
  EXPECT_EQ(list.at(1).as_string(), "a\tb");
  EXPECT_EQ(list.at(2).at("x").as_double(), 0.5);
}

TEST(JsonBody, InfinityAndNanAreErrorsAtTheScalar) {
  for (const char* form : {".inf", "-.Inf", "+.INF", ".nan", ".NaN", "0x10000000000000000"}) {
    std::vector<Diagnostic> diagnostics;
    WithBody(std::string("{a: 1, b: ") + form + "}", &diagnostics);
    ASSERT_EQ(diagnostics.size(), 1u) << form;
    EXPECT_EQ(diagnostics[0].location.line, 5) << form;
    EXPECT_THAT(diagnostics[0].message, HasSubstr(form));
  }
}

TEST(CoreSchemaJson, ResolvesPlainScalarsLikeYaml12) {
  struct Case {
    const char* plain;
    std::optional<std::string> json;
  };
  const Case cases[] = {
      {"+5", "5"},      {"007", "7"},         {".5", "0.5"},     {"5.", "5.0"},
      {"-0", "0"},      {"+.5e+3", "0.5e+3"}, {"5.e3", "5.0e3"}, {"0o0", "0"},
      {"0xff", "255"},  {"null", "null"},     {"NULL", "null"},  {"~", "null"},
      {"True", "true"}, {"false", "false"},   {"tRue", {}},      {"nULL", {}},
      {"0x", {}},       {"0o8", {}},          {"1e", {}},        {"e3", {}},
      {"1.2.3", {}},    {"+-1", {}},          {" 5", {}},        {"5 ", {}},
      {"0X1F", {}},     {"0O17", {}},         {"Yes", {}},       {"1_0", {}},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_EQ(CoreSchemaJson(c.plain, &error), c.json) << c.plain;
    EXPECT_EQ(error, "") << c.plain;
  }
  for (const char* bad : {".inf", "-.inf", ".NAN"}) {
    std::string error;
    EXPECT_EQ(CoreSchemaJson(bad, &error), std::nullopt);
    EXPECT_THAT(error, HasSubstr("JSON cannot hold")) << bad;
  }
}

}  // namespace
}  // namespace leakcheck::config
