// Issue 14's vocabulary used together, the way an Artillery user writes a test, through the real
// binary against tests/fixtures/servers/vocabulary_server.js served over https. The app answers
// 4xx unless each request was right, so "no failed request" proves every feature did its part:
// the cookie jar (the session), captures from a header, a regexp and JSON, qs and a path value
// percent-encoded, form, formData and typed JSON bodies, redirects, https with a CA file,
// weighted flows with `before:`/`after:`, `environments:` chosen with -e and `--var`, and
// app.setup with `{{ app.port }}` and `{{ $env.X }}` in app.env.
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "tests/support/run_command.h"

namespace leakcheck::testing {
namespace {

using ::testing::HasSubstr;

const std::string kFixtures = LEAKCHECK_FIXTURES_DIR;

constexpr const char* kLogin = R"Y(          - post:
              url: /login
              form: { user: "{{ user }}", password: "{{ password }}" }
              capture:
                - { header: X-CSRF-Token, as: csrf }
                - { regexp: 'name="nonce" content="([^"]+)"', as: nonce }
)Y";

TEST(ArtilleryStyle, EveryFeatureTogetherPassesWithNoFailedRequest) {
  TempDir tmp;
  const std::string key = tmp.File("key.pem"), cert = tmp.File("cert.pem");
  auto made = RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                          key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                          "subjectAltName=IP:127.0.0.1,DNS:localhost"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string yaml = tmp.File("shop.yaml");
  std::ofstream(yaml)
      << "version: 1\n"
         "target: \"https://127.0.0.1:{{ app.port }}\"\n"
         "variables: { user: nobody, password: wrong }\n"
         "environments:\n"
         "  ci:\n"
         "    variables: { password: s3cret }\n"
         "    run: { iterations: 1200, concurrency: 4 }\n"
         "app:\n"
         "  command: node " +
             kFixtures +
             "/servers/vocabulary_server.js\n"
             "  env:\n"
             "    VOCAB_PORT: \"{{ app.port }}\"\n"
             "    VOCAB_TLS_KEY: \"{{ $env.SHOP_CERTS }}/key.pem\"\n"
             "    VOCAB_TLS_CERT: \"{{ $env.SHOP_CERTS }}/cert.pem\"\n"
             "  setup:\n"
             "    - [node, -e, \"console.log('seeded the shop')\"]\n"
             "  ready: { log: 'listening on', timeout: 30s }\n"
             "  tls: { ca: " +
             cert +
             " }\n"
             "before:\n"
             "  flow:\n"
             "    - get:\n"
             "        url: \"/items/{{ user }}\"\n"
             "        capture: { json: $.item, as: item }\n"
             "after:\n"
             "  flow:\n"
             "    - get: { url: /old, expect: { status: 200 } }\n"
             "scenarios:\n"
             "  - name: shop\n"
             "    warmup: { iterations: 300 }\n"
             "    run: { iterations: 20, concurrency: 1 }\n"
             "    checkpoints: 4\n"
             "    snapshots: 3\n"
             "    flows:\n"
             "      - name: browse\n"
             "        weight: 3\n"
             "        flow:\n" +
             kLogin +
             "          - get: { url: /me }\n"
             "          - get: { url: /search, qs: { q: \"{{ item }}\", page: 2 } }\n"
             "          - get: { url: \"/items/{{ item }}\" }\n"
             "          - get: { url: /prefs, cookie: { theme: dark } }\n"
             "          - get: { url: /old, expect: { status: 200 } }\n"
             "      - name: buy\n"
             "        weight: 1\n"
             "        flow:\n" +
             kLogin +
             "          - get:\n"
             "              url: /me\n"
             "              capture: [ { json: $.id, as: id }, { json: $.name, as: "
             "name } ]\n"
             "          - post:\n"
             "              url: /orders\n"
             "              headers: { x-csrf-token: \"{{ csrf }}\" }\n"
             "              json: { qty: \"{{ $randomNumber(1, 5) }}\", owner: \"{{ "
             "id }}\", nonce: \"{{ nonce }}\", note: \"{{ name }}\" }\n"
             "              expect: { status: 201 }\n"
             "          - post:\n"
             "              url: /upload\n"
             "              formData: { title: \"{{ item }}\", 'say hi': "
             "\"line1\\nline2\" }\n"
             "          - post: { url: /submit, body: payload, expect: { status: "
             "200 } }\n";
  const std::string out = tmp.File("run");
  auto r = RunCommand({"env", "SHOP_CERTS=" + tmp.path(), LEAKCHECK_BIN, "run", yaml, "--out", out,
                       "-e", "ci", "--var", "user=Jane Doe & Co/?#%"});
  auto results = boost::json::parse(ReadWholeFile(out + "/results.json")).as_object();
  const auto& sc = results.at("scenarios").as_array().at(0).as_object();
  const std::string all = r.out + r.err;
  EXPECT_EQ(r.exit_code, 0) << all;
  // Every request answered as the app wants it: none failed, in the run and in the warm-up.
  EXPECT_EQ(sc.at("load").at("errors").as_int64(), 0) << all;
  EXPECT_EQ(sc.at("warmup").at("errors").as_int64(), 0) << all;
  // -e ci chose the amount (the file says 20 at concurrency 1); an undecided check may extend it.
  EXPECT_GE(sc.at("load").at("iterations").as_int64(), 1200) << all;
  // Both flows ran, about 3:1.
  const auto& flows = sc.at("flows").as_array();
  ASSERT_EQ(flows.size(), 2u);
  const int64_t browse = flows.at(0).at("iterations").as_int64();
  const int64_t buy = flows.at(1).at("iterations").as_int64();
  EXPECT_GT(browse, 2 * buy) << all;
  EXPECT_GT(buy, 100) << all;
  // app.setup ran before the app, its output kept in the run folder.
  EXPECT_THAT(ReadWholeFile(out + "/shop/setup.log"), HasSubstr("seeded the shop"));
}

}  // namespace
}  // namespace leakcheck::testing
