#include "harness/common/error.h"

namespace leakcheck {

Error::Error(ExitStatus status, std::string stage, const std::string& message)
    : std::runtime_error(stage.empty() ? message : stage + ": " + message),
      status_(status),
      stage_(std::move(stage)),
      detail_(message) {}

}  // namespace leakcheck
