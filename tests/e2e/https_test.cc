// https targets (issue 14 item 6): tests/fixtures/servers/tls_server.js with a certificate made
// by openssl at test time. The server answers 400 unless the request came over TLS to its own
// host, so zero failed requests means the driver spoke TLS to it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "harness/common/error.h"
#include "harness/config/loader.h"
#include "harness/load/driver.h"
#include "tests/e2e/config_load_support.h"
#include "tests/e2e/process_e2e_util.h"

namespace leakcheck::e2e {
namespace {

using load::ErrorKind;

class Https : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TestDir("https");
    key_ = (dir_ / "key.pem").string();
    cert_ = (dir_ / "cert.pem").string();
    auto r =
        testing::RunCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                             key_, "-out", cert_, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                             "subjectAltName=IP:127.0.0.1,DNS:localhost"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const std::string script = std::string(LEAKCHECK_FIXTURES_DIR) + "/servers/tls_server.js";
      execlp("node", "node", script.c_str(), key_.c_str(), cert_.c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    std::string line;
    char c = 0;
    while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(out[0]);
    ASSERT_TRUE(line.starts_with("listening on ")) << line;
    port_ = std::stoi(line.substr(13));
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }

  // Runs `n` iterations of `flow` against https://127.0.0.1:PORT with `tls` as app.tls.
  load::Stats Run(const std::string& tls, const std::string& flow, int n = 20) {
    std::vector<config::Diagnostic> diagnostics;
    file_ = config::ParseScenarioText(
        "app: { command: node x.js" + (tls.empty() ? "" : ", tls: " + tls) +
            " }\ntarget: 'https://127.0.0.1:{{ app.port }}'\ndefaults: { timeout: 5s }\n"
            "scenarios:\n  - name: t\n    flow:\n" +
            flow,
        (dir_ / "t.yaml").string(), &diagnostics);
    for (const auto& d : diagnostics) ADD_FAILURE() << d.ToString();
    load::DriverOptions options;
    options.concurrency = 2;
    load::Driver driver(file_, file_.scenarios.at(0), options);
    driver.SetVariable("app.port", std::to_string(port_));
    return driver.RunIterations(n);
  }

  std::filesystem::path dir_;
  std::string key_, cert_;
  pid_t pid_ = -1;
  int port_ = 0;
  config::ScenarioFile file_;
};

constexpr const char* kSecure = "      - get: { url: /secure }\n      - post: { url: /secure }\n";

TEST_F(Https, TheCaFileVerifiesTheAppsCertificate) {
  const load::Stats s = Run("{ ca: cert.pem }", kSecure);
  EXPECT_EQ(s.requests, 40);
  EXPECT_EQ(s.failed_requests, 0);
  EXPECT_EQ(s.status_classes[2], 40);
  EXPECT_LE(s.connections_opened, 4) << "keep-alive over TLS";
}

TEST_F(Https, WithoutTheCaTheSelfSignedCertificateIsRefused) {
  const load::Stats s = Run("", kSecure, 3);
  EXPECT_EQ(s.failed_requests, 3);
  EXPECT_EQ(s.errors_of(ErrorKind::kConnect), 3);
  EXPECT_EQ(s.responses, 0);
  // Why, in the words of the TLS library: "connect ×3" alone leaves the user guessing.
  ASSERT_EQ(s.routes.size(), 2u);
  EXPECT_NE(s.routes[0].reasons[static_cast<size_t>(ErrorKind::kConnect)].find(
                "certificate verify failed"),
            std::string::npos)
      << s.routes[0].reasons[static_cast<size_t>(ErrorKind::kConnect)];
}

TEST_F(Https, InsecureSkipsVerificationOnLoopbackOnly) {
  const load::Stats s = Run("{ insecure: true }", kSecure);
  EXPECT_EQ(s.failed_requests, 0);
  std::vector<config::Diagnostic> diagnostics;
  config::ScenarioFile remote = config::ParseScenarioText(
      "app: { command: node x.js, tls: { insecure: true } }\ntarget: https://10.1.2.3:4443\n"
      "scenarios: [ { name: t, flow: [ { get: { url: / } } ] } ]\n",
      "t.yaml", &diagnostics);
  ASSERT_TRUE(diagnostics.empty());
  load::Driver driver(remote, remote.scenarios.at(0));
  try {
    driver.RunIterations(1);
    ADD_FAILURE() << "insecure TLS to a non-loopback host was accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.detail().find("loopback targets only"), std::string::npos) << e.detail();
  }
}

TEST_F(Https, AbsoluteUrlsToTheAppsHostAreSentOthersAreConnectErrors) {
  const load::Stats s = Run("{ ca: cert.pem }",
                            "      - get: { url: 'https://127.0.0.1:{{ app.port }}/secure' }\n"
                            "      - get: { url: 'https://example.com/secure' }\n",
                            5);
  EXPECT_EQ(s.requests, 10);
  EXPECT_EQ(s.status_classes[2], 5);
  EXPECT_EQ(s.errors_of(ErrorKind::kConnect), 5);
  EXPECT_NE(s.routes[1].reasons[static_cast<size_t>(ErrorKind::kConnect)].find("another host"),
            std::string::npos);
}

}  // namespace
}  // namespace leakcheck::e2e
