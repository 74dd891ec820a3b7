// Word 97–2003 (.doc) and WPS (.wps) files: converted to .docx by LibreOffice, headless, where
// it is installed (it is optional: Debian's libreoffice-writer-nogui), then read as a .docx.
// The conversion runs in a fresh temporary directory with its own LibreOffice profile, is
// killed after limits.max_convert_time, and leaves nothing behind.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "importer/files/files.h"

extern char** environ;

namespace gongkai::importer {
namespace {

// soffice (or libreoffice) on the PATH, or "".
std::string FindOffice() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    for (const char* name : {"soffice", "libreoffice"}) {
      const std::string candidate = absl::StrCat(dir, "/", name);
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return "";
}

// Removes the directory tree when it goes out of scope.
struct TempDir {
  std::filesystem::path path;
  ~TempDir() {
    std::error_code ignored;
    if (!path.empty()) std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

absl::StatusOr<ExtractedText> LegacyWordText(absl::string_view bytes, const FileLimits& limits) {
  const std::string office = FindOffice();
  if (office.empty()) {
    return absl::FailedPreconditionError(
        "the file is a Word 97–2003 or WPS document (.doc/.wps): reading it needs LibreOffice "
        "(soffice), which is not installed; install libreoffice-writer-nogui, or save the file "
        "as .docx or PDF");
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "gongkai-doc-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot make a temporary directory: ", strerror(errno)));
  }
  TempDir dir{pattern};
  const std::filesystem::path input = dir.path / "report.doc";
  {
    std::ofstream out(input, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return absl::InternalError("cannot write the file for LibreOffice");
  }
  // The profile directory as a file:// URL (percent-encoded: TMPDIR may hold spaces).
  std::string url = "file://";
  for (const char c : (dir.path / "profile").string()) {
    const auto u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      url += c;
    } else {
      absl::StrAppend(&url, "%", absl::Hex(u, absl::kZeroPad2));
    }
  }
  const std::string profile = absl::StrCat("-env:UserInstallation=", url);
  const std::string outdir = dir.path.string();
  std::vector<std::string> args = {office,  "--headless",   "--norestore", "--nolockcheck",
                                   profile, "--convert-to", "docx",        "--outdir",
                                   outdir,  input.string()};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);  // its own group: killed whole
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, office.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    return absl::InternalError(absl::StrCat("cannot run ", office, ": ", strerror(spawned)));
  }
  const absl::Time deadline = std::min(absl::Now() + limits.max_convert_time, limits.deadline);
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      kill(-pid, SIGKILL);
      return absl::InternalError("lost the LibreOffice process");
    }
    if (absl::Now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      if (absl::Now() > limits.deadline) {
        return absl::DeadlineExceededError(
            "the call's deadline passed while LibreOffice converted the .doc/.wps file");
      }
      return absl::ResourceExhaustedError(
          absl::StrCat("LibreOffice did not convert the .doc/.wps file within ",
                       absl::FormatDuration(limits.max_convert_time), ", the limit"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  kill(-pid, SIGKILL);  // anything it left running in its group (ESRCH when none)
  const std::filesystem::path output = dir.path / "report.docx";
  std::ifstream in(output, std::ios::binary);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !in) {
    return absl::InvalidArgumentError(
        "LibreOffice could not convert the .doc/.wps file (corrupt, or protected by a password)");
  }
  std::stringstream docx;
  docx << in.rdbuf();
  absl::StatusOr<ExtractedText> text = DocxText(docx.str(), limits);
  if (text.ok()) text->type = MediaType::kLegacyWord;
  return text;
}

}  // namespace gongkai::importer
