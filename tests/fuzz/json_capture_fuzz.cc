// Fuzzes captures: JsonPath::Parse on the first line of the input, JsonCapturer::Parse/Find on
// the rest (the response body).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/config/json_path.h"
#include "harness/load/json_capture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view path_text = input.substr(0, newline);
  std::string body(newline == std::string_view::npos ? std::string_view()
                                                     : input.substr(newline + 1));

  std::string error;
  auto path = leakcheck::config::JsonPath::Parse(path_text, &error);
  static leakcheck::load::JsonCapturer* capturer = new leakcheck::load::JsonCapturer();
  if (!capturer->Parse(body)) return 0;
  if (path) (void)capturer->Find(*path);
  std::string root_error;
  (void)capturer->Find(*leakcheck::config::JsonPath::Parse("$", &root_error));
  return 0;
}
