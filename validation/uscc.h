// 统一社会信用代码 (unified social credit code, GB 32100-2015).
#ifndef GONGKAI_VALIDATION_USCC_H_
#define GONGKAI_VALIDATION_USCC_H_

#include <string>

#include "absl/strings/string_view.h"

namespace gongkai::validation {

// Returns "" when `code` is a well-formed 18-character code with the right check character,
// otherwise what is wrong with it.
std::string UsccProblem(absl::string_view code);

}  // namespace gongkai::validation

#endif  // GONGKAI_VALIDATION_USCC_H_
