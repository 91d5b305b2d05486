#include "harness/config/template.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "harness/config/json_path.h"

namespace leakcheck::config {
namespace {

Template MustCompile(std::string_view source) {
  std::string error;
  auto t = Template::Compile(source, &error);
  EXPECT_TRUE(t) << error;
  return t ? *t : Template();
}

std::string CompileError(std::string_view source) {
  std::string error;
  EXPECT_FALSE(Template::Compile(source, &error)) << source;
  return error;
}

TEST(Template, CompilesIntoLiteralAndVariableParts) {
  Template t = MustCompile("/users/{{ uid }}/posts?page={{$loopCount}}");
  ASSERT_EQ(t.parts().size(), 4u);
  EXPECT_EQ(t.parts()[0].kind, TemplatePart::Kind::kLiteral);
  EXPECT_EQ(t.parts()[0].text, "/users/");
  EXPECT_EQ(t.parts()[1].kind, TemplatePart::Kind::kVariable);
  EXPECT_EQ(t.parts()[1].text, "uid");
  EXPECT_EQ(t.parts()[3].kind, TemplatePart::Kind::kLoopCount);
  EXPECT_FALSE(t.IsLiteral());
  EXPECT_EQ(t.VariableNames(), std::vector<std::string>{"uid"});
  EXPECT_TRUE(MustCompile("/plain").IsLiteral());
}

TEST(Template, RendersEveryBuiltIn) {
  std::mt19937_64 rng(42);
  Variables vars;
  vars.Set("uid", "u-7");
  Variables globals;
  globals.Set("app.port", "8080");
  setenv("LEAKCHECK_TEMPLATE_TEST", "from-env", 1);
  RenderContext ctx;
  ctx.iteration = 12;
  ctx.vu = 3;
  ctx.loop_count = 2;
  ctx.uuid = "the-uuid";
  ctx.rng = &rng;
  ctx.variables = &vars;
  ctx.globals = &globals;
  EXPECT_EQ(MustCompile("{{ $iteration }}/{{ $vu }}/{{ $loopCount }}/{{ $uuid }}").Render(ctx),
            "12/3/2/the-uuid");
  EXPECT_EQ(MustCompile("{{ uid }}@{{ app.port }}").Render(ctx), "u-7@8080");
  EXPECT_EQ(MustCompile("{{ $env.LEAKCHECK_TEMPLATE_TEST }}").Render(ctx), "from-env");
  EXPECT_EQ(MustCompile("{{ missing }}x").Render(ctx), "x");
  for (int i = 0; i < 100; ++i) {
    int v = std::stoi(MustCompile("{{ $randomInt(5, 7) }}").Render(ctx));
    EXPECT_GE(v, 5);
    EXPECT_LE(v, 7);
  }
  std::string s = MustCompile("{{ $randomString(16) }}").Render(ctx);
  EXPECT_EQ(s.size(), 16u);
}

TEST(Template, CapturedValuesOverrideGlobals) {
  Variables vars;
  vars.Set("app.port", "1");
  vars.Set("app.port", "2");
  Variables globals;
  globals.Set("app.port", "3");
  RenderContext ctx;
  ctx.variables = &vars;
  ctx.globals = &globals;
  EXPECT_EQ(MustCompile("{{ app.port }}").Render(ctx), "2");
}

TEST(Template, JsonEscapesAppendedParts) {
  Variables vars;
  vars.Set("name", "a\"b\\c\n");
  Template body = Template::Literal("{\"name\":\"");
  body.Append(MustCompile("x-{{ name }}"), true);
  body.AppendLiteral("\"}");
  RenderContext ctx;
  ctx.variables = &vars;
  EXPECT_EQ(body.Render(ctx), R"({"name":"x-a\"b\\c\n"})");
}

TEST(Template, UrlValuesArePercentEncodedUnlessTripleBraced) {
  Variables vars;
  vars.Set("name", "Jane Doe & Co/?#%~._-");
  RenderContext ctx;
  ctx.variables = &vars;
  Template url = MustCompile("/items/{{ name }}?raw={{{ name }}}&x=a b");
  url.EncodeForUrl();
  EXPECT_EQ(url.Render(ctx),
            "/items/Jane%20Doe%20%26%20Co%2F%3F%23%25~._-?raw=Jane Doe & Co/?#%~._-&x=a b")
      << "values encoded (RFC 3986 unreserved kept), literal text and {{{ }}} as written";
  EXPECT_EQ(MustCompile("{{{ name }}}").Render(ctx), MustCompile("{{ name }}").Render(ctx))
      << "outside URLs the two forms are the same";
  EXPECT_EQ(CompileError("/a/{{{ name }}"), "unclosed `{{{` in template (close it with `}}}`)");
}

TEST(Template, AWholeJsonValueKeepsItsType) {
  std::mt19937_64 rng(7);
  Variables vars;
  vars.Set("id", "42", /*json=*/true);
  vars.Set("text", "42");
  vars.Set("obj", R"({"a":[1]})", true);
  RenderContext ctx;
  ctx.iteration = 5;
  ctx.rng = &rng;
  ctx.variables = &vars;
  auto whole = [&](std::string_view source) {
    auto t = MustCompile(source).AsJsonValue();
    EXPECT_TRUE(t) << source;
    return t ? t->Render(ctx) : "";
  };
  EXPECT_EQ(whole("{{ $iteration }}"), "5");
  std::string n = whole("{{ $randomNumber(1, 5) }}");
  EXPECT_TRUE(n >= "1" && n <= "5" && n.size() == 1) << n;
  EXPECT_EQ(whole("{{ id }}"), "42") << "a captured JSON number stays a number";
  EXPECT_EQ(whole("{{ text }}"), "\"42\"") << "a captured string stays a string";
  EXPECT_EQ(whole("{{ obj }}"), R"({"a":[1]})");
  EXPECT_EQ(whole("{{ missing }}"), "\"\"");
  EXPECT_EQ(whole("{{ $randomString(3) }}").size(), 5u);
  EXPECT_FALSE(MustCompile("n{{ $iteration }}").AsJsonValue()) << "text around: a string";
  EXPECT_FALSE(MustCompile("plain").AsJsonValue());
}

TEST(Template, ReportsSyntaxErrors) {
  EXPECT_EQ(CompileError("{{ $uuidd }}"),
            "unknown template function `$uuidd` (did you mean `$uuid`?)");
  EXPECT_EQ(CompileError("/a/{{ uid"), "unclosed `{{` in template (close it with `}}`)");
  EXPECT_EQ(CompileError("{{ }}"), "empty `{{ }}` in template");
  EXPECT_NE(CompileError("{{ $randomInt(9, 1) }}").find("a <= b"), std::string::npos);
  EXPECT_EQ(CompileError("{{ $randomNumber(9, 1) }}"),
            "`$randomNumber(a, b)` needs two integers with a <= b");
  EXPECT_EQ(CompileError("{{ $randomNumbr(1, 2) }}"),
            "unknown template function `$randomNumbr` (did you mean `$randomNumber`?)");
  EXPECT_NE(CompileError("{{ $randomInt(x) }}").find("integer"), std::string::npos);
  EXPECT_NE(CompileError("{{ $randomString(0) }}").find("length"), std::string::npos);
  EXPECT_NE(CompileError("{{ $env }}").find("$env.NAME"), std::string::npos);
  EXPECT_NE(CompileError("{{ a b }}").find("not a variable name"), std::string::npos);
}

TEST(MakeUuid, IsVersion4) {
  std::mt19937_64 rng(1);
  std::string u = MakeUuid(rng);
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);
  EXPECT_NE(u, MakeUuid(rng));
}

TEST(JsonPath, ParsesTheSubset) {
  std::string error;
  auto p = JsonPath::Parse("$.items[2].id", &error);
  ASSERT_TRUE(p) << error;
  ASSERT_EQ(p->segments.size(), 3u);
  EXPECT_EQ(p->segments[0].key, "items");
  EXPECT_EQ(p->segments[1].index, 2);
  EXPECT_EQ(p->segments[2].key, "id");
  auto q = JsonPath::Parse("$['odd key'][0]", &error);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->segments[0].key, "odd key");
  EXPECT_TRUE(JsonPath::Parse("$", &error)->segments.empty());
  EXPECT_FALSE(JsonPath::Parse("id", &error));
  EXPECT_FALSE(JsonPath::Parse("$.items[*]", &error));
  EXPECT_FALSE(JsonPath::Parse("$..id", &error));
}

}  // namespace
}  // namespace leakcheck::config
