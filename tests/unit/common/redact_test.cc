#include "harness/common/redact.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

namespace leakcheck::redact {
namespace {

constexpr std::string_view kSecret = "s3cr3t-T0KEN-value";

// Feeds `text` to a stream redactor in chunks of `size` bytes and returns what it released.
std::string Streamed(const Redactor& r, std::string_view text, size_t size,
                     size_t max_pending = 64 * 1024) {
  StreamRedactor s(r, max_pending);
  std::string out;
  for (size_t at = 0; at < text.size(); at += size) out += s.Feed(text.substr(at, size));
  return out + s.Finish();
}

TEST(Redactor, ReplacesEveryOccurrenceOfAKnownValue) {
  Redactor r;
  EXPECT_TRUE(r.AddSecret(kSecret));
  std::string out =
      r.Apply(std::string("a ") + std::string(kSecret) + " b " + std::string(kSecret) + "c");
  EXPECT_EQ(out, "a [redacted] b [redacted]c");
}

TEST(Redactor, WithoutSecretsOnlyTheHeaderRuleApplies) {
  Redactor r;
  EXPECT_EQ(r.Apply("plain text: nothing here"), "plain text: nothing here");
  EXPECT_EQ(r.Apply("GET /x\r\nAuthorization: Bearer abc\r\nAccept: */*\r\n"),
            "GET /x\r\nAuthorization: [redacted]\r\nAccept: */*\r\n");
}

TEST(Redactor, HeaderRuleCoversJsonInspectAndHeaderLines) {
  Redactor r;
  EXPECT_EQ(r.Apply(R"({"authorization":"Bearer x\"y","accept":"*/*"})"),
            R"({"authorization":"[redacted]","accept":"*/*"})");
  EXPECT_EQ(r.Apply("{ cookie: 'a=1; b=2', host: 'h' }"), "{ cookie: '[redacted]', host: 'h' }");
  EXPECT_EQ(r.Apply("  'set-cookie': [ 'session=abc; Path=/' ],"), "  'set-cookie': [[redacted]],");
  EXPECT_EQ(r.Apply("Set-Cookie: session=abc; HttpOnly\nnext"), "Set-Cookie: [redacted]\nnext");
  EXPECT_EQ(r.Apply("Proxy-Authorization: Basic Zm9v"), "Proxy-Authorization: [redacted]");
  // Not a header: other names that merely end in the word, and the word without a colon.
  EXPECT_EQ(r.Apply("x-cookie: keep; cookies are nice; authorization failed"),
            "x-cookie: keep; cookies are nice; authorization failed");
}

TEST(Redactor, RedactingTwiceChangesNothingMore) {
  Redactor r;
  r.AddSecret(kSecret);
  for (const std::string& text : std::vector<std::string>{
           "Authorization: Bearer abc", "{\"cookie\":\"a=1\"}", "'set-cookie': [ 'x' ]",
           "cookie: 'a=b'", "token " + std::string(kSecret)}) {
    std::string once = r.Apply(text);
    EXPECT_NE(once, text);
    EXPECT_EQ(r.Apply(once), once) << text;
  }
}

TEST(Redactor, ShortValuesAreNotMatchedLiterally) {
  Redactor r;
  EXPECT_FALSE(r.AddSecret(""));
  EXPECT_FALSE(r.AddSecret("abc"));
  EXPECT_TRUE(r.AddSecret("abcd"));
  EXPECT_EQ(r.secret_count(), 1u);
  EXPECT_EQ(r.Apply("abc abcd abcde"), "abc [redacted] [redacted]e");
}

TEST(Redactor, MultiLineValuesAreRegisteredLineByLineAndJsonEscaped) {
  Redactor r;
  r.AddSecret("-----BEGIN KEY-----\nMIIEvQIBADANBg\nab\n");
  EXPECT_EQ(r.Apply("x MIIEvQIBADANBg y"), "x [redacted] y");
  EXPECT_EQ(r.Apply("ab"), "ab");  // the 2-byte line is below the minimum
  Redactor q;
  q.AddSecret(R"(pa"ss\word)");
  EXPECT_EQ(q.Apply(R"({"p":"pa\"ss\\word"})"), R"({"p":"[redacted]"})");
}

TEST(Redactor, OverlappingAndNestedSecretsLeaveNothingBehind) {
  Redactor r;
  r.AddSecret("abcdef");
  r.AddSecret("defghi");
  r.AddSecret("bcde");
  EXPECT_EQ(r.Apply("xabcdefghiy"), "x[redacted]y");
  EXPECT_EQ(r.Apply("zbcdez"), "z[redacted]z");
}

TEST(Redactor, HeaderValuesYieldCredentialsAndCookieValues) {
  Redactor r;
  r.AddHeaderValue("Bearer tok-123456");
  r.AddHeaderValue("session=cookie-value-1; Path=/; HttpOnly");
  EXPECT_EQ(r.Apply("echo tok-123456 and cookie-value-1 / Path=/"),
            "echo [redacted] and [redacted] / Path=/");
}

TEST(StreamRedactor, FindsASecretSplitAcrossEveryChunkBoundary) {
  Redactor r;
  r.AddSecret(kSecret);
  std::string text =
      "line one\nthe token is " + std::string(kSecret) + " ok\nauthorization: Bearer q\nend";
  std::string expected = r.Apply(text);
  ASSERT_NE(expected.find("[redacted]"), std::string::npos);
  for (size_t size = 1; size <= text.size(); ++size)
    EXPECT_EQ(Streamed(r, text, size), expected) << size;
}

TEST(StreamRedactor, LongLinesAreReleasedInPartsWithoutLeakingAStraddlingSecret) {
  Redactor r;
  r.AddSecret(kSecret);
  // No newline at all, far longer than max_pending: released in parts as it streams.
  std::string text;
  for (int i = 0; i < 200; ++i) text += "filler-" + std::to_string(i) + "-" + std::string(kSecret);
  for (size_t size : {1u, 7u, 13u, 64u, 1000u}) {
    StreamRedactor s(r, 256);
    std::string out;
    size_t released_early = 0;
    for (size_t at = 0; at < text.size(); at += size) {
      out += s.Feed(std::string_view(text).substr(at, size));
      if (at + size < text.size()) released_early = out.size();
    }
    out += s.Finish();
    EXPECT_GT(released_early, 0u) << size;
    EXPECT_EQ(out.find(kSecret), std::string::npos) << size;
    EXPECT_EQ(out, r.Apply(text)) << size;
  }
}

TEST(StreamRedactor, AHeaderValueCutByAForcedReleaseStaysRedactedUntilTheNewline) {
  Redactor r;
  std::string text = "authorization: Bearer " + std::string(600, 'x') + "\nafter\n";
  std::string out = Streamed(r, text, 50, 128);
  EXPECT_EQ(out.find('x'), std::string::npos) << out;
  EXPECT_NE(out.find("authorization: [redacted]"), std::string::npos) << out;
  EXPECT_NE(out.find("after\n"), std::string::npos) << out;
}

// Random texts over a small alphabet (so secrets occur, overlap and touch often), random
// secrets, random chunkings: nothing of a secret survives, and line-wise streaming equals Apply.
TEST(StreamRedactor, RandomTextsSecretsAndChunkings) {
  std::mt19937 rng(12345);
  auto pick = [&](int n) {
    return static_cast<size_t>(std::uniform_int_distribution<int>(0, n - 1)(rng));
  };
  for (int round = 0; round < 300; ++round) {
    Redactor r;
    std::vector<std::string> secrets;
    for (size_t k = 0, n = 1 + pick(4); k < n; ++k) {
      std::string s;
      for (size_t i = 0, len = 4 + pick(6); i < len; ++i) s += "ab"[pick(2)];
      r.AddSecret(s);
      secrets.push_back(s);
    }
    std::string text;
    for (size_t i = 0, len = pick(400); i < len; ++i) text += "abbx\n"[pick(5)];
    const std::string whole = r.Apply(text);
    for (const std::string& s : secrets) ASSERT_EQ(whole.find(s), std::string::npos) << text;
    const size_t chunk = 1 + pick(40);
    EXPECT_EQ(Streamed(r, text, chunk), whole) << "chunk " << chunk << " text " << text;
    // Forced releases of long lines: possibly more markers where two secrets touch, never a leak.
    std::string forced = Streamed(r, text, chunk, 16 + pick(32));
    for (const std::string& s : secrets) ASSERT_EQ(forced.find(s), std::string::npos) << text;
  }
}

TEST(Redactor, SecretsAddedWhileOtherThreadsApply) {
  Redactor r;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r, t] {
      for (int i = 0; i < 500; ++i) {
        std::string v = "value-" + std::to_string(t) + "-" + std::to_string(i);
        r.AddSecret(v);
        EXPECT_EQ(r.Apply("<" + v + ">"), "<[redacted]>");
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(r.secret_count(), 2000u);
}

TEST(LooksSecretName, MatchesTheDocumentedPatterns) {
  for (const char* n :
       {"GITHUB_TOKEN", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "API_KEY", "npm_auth",
        "SESSION_COOKIE", "MY_APIKEY", "SMTP_PASSWD", "GCP_CREDENTIALS", "client_secret"})
    EXPECT_TRUE(LooksSecretName(n)) << n;
  for (const char* n : {"PATH", "HOME", "PWD", "KEYBOARD", "MONKEY", "NODE_ENV", "AUTHOR", "PORT"})
    EXPECT_FALSE(LooksSecretName(n)) << n;
}

}  // namespace
}  // namespace leakcheck::redact
