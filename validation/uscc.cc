#include "validation/uscc.h"

#include "absl/strings/str_cat.h"

namespace gongkai::validation {
namespace {

// The 31 characters of the code, in value order (no I, O, S, V, Z).
constexpr absl::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

}  // namespace

std::string UsccProblem(absl::string_view code) {
  if (code.size() != 18) {
    size_t characters = 0;  // UTF-8 lead bytes
    for (char c : code) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return absl::StrCat("has ", characters, " characters, not 18");
  }
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    const size_t value = kAlphabet.find(code[i]);
    if (value == absl::string_view::npos) {
      return absl::StrCat("character ", i + 1, " is not one of ", kAlphabet);
    }
    sum += static_cast<int>(value) * kWeights[i];
  }
  for (int i = 2; i < 8; ++i) {
    if (code[i] < '0' || code[i] > '9') {
      return "characters 3-8 (the registering division's code) are not digits";
    }
  }
  const char expected = kAlphabet[(31 - sum % 31) % 31];
  if (code[17] != expected) {
    return absl::StrCat("check character is ", std::string(1, code[17]), ", expected ",
                        std::string(1, expected));
  }
  return "";
}

}  // namespace gongkai::validation
