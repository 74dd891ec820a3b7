// libFuzzer targets for the submit path (issue 5, section 3), built and run by fuzz.sh with
// clang's -fsanitize=fuzzer,address. One source, two targets:
//
//   submit_fuzzer        (default) arbitrary bytes as a SubmitReportRequest: when they parse,
//                        the report is normalized as SubmitReport does and goes through the
//                        validator (both modes), FormatCells and the cell accessors; an
//                        acceptable one is also committed to a real Store.
//   typed_report_fuzzer  (-DGONGKAI_FUZZ_TYPED) the bytes drive a well-typed Report through
//                        FuzzedDataProvider: a key from a small registry (or a broken one), an
//                        edition, cells chosen from CellsOf(edition) with values of any size
//                        (SetCell), uncertain cells, texts; then the same checks.
//
// Beyond "no crash, no sanitizer report", each input checks properties the service relies on:
//   - Validate is deterministic; a report acceptable in strict mode is acceptable in lenient
//     mode; "acceptable" in strict mode means no SEVERITY_ERROR violation;
//   - ForEachFilledCell visits exactly the cells GetCell reads as filled, with their values;
//     SetCells(GetCell of every cell) reproduces the cells;
//   - FormatCells has one line per cell plus a fixed header, every line ending in '\n';
//   - Store: a commit of an acceptable report is readable at the returned revision with the
//     same content, re-committing it is idempotent (created = false, same revision), and the
//     change-log entry matches (sequence, key, revision, previous revision).
// A property failure aborts (a crash for libFuzzer). One Store is opened per process in a temp
// directory (sync off: durability is the crash test's business) and replaced every
// kStoreRecycle commits so that long runs do not fill the disk.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/serialize.h"
#include "gongkai/v1/report.pb.h"
#include "gongkai/v1/report_service.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "proto/cells.h"
#include "storage/store.h"
#include "validation/validator.h"

#ifdef GONGKAI_FUZZ_TYPED
#include <fuzzer/FuzzedDataProvider.h>
#endif

namespace {

namespace v1 = gongkai::v1;

constexpr int kCurrentYear = 2026;
constexpr int kStoreRecycle = 20000;

const char* const kRegions[] = {"000000000000", "330000000000", "330200000000",
                                "330226000000", "330226104000", "330226001000"};

// What the inputs reached, printed at exit (to see that the store is exercised at all).
struct Counters {
  long inputs = 0, parsed = 0, strict_ok = 0, lenient_ok = 0, commits = 0, created = 0;
  Counters() {
    std::atexit([] {
      const Counters& c = Get();
      std::fprintf(stderr,
                   "submit path: %ld inputs, %ld requests, acceptable %ld strict / %ld lenient, "
                   "%ld commits (%ld created)\n",
                   c.inputs, c.parsed, c.strict_ok, c.lenient_ok, c.commits, c.created);
    });
  }
  static Counters& Get() {
    static Counters* counters = new Counters;
    return *counters;
  }
};

[[noreturn]] void Fail(const std::string& what, const v1::Report& report) {
  std::fprintf(stderr, "PROPERTY FAILED: %s\nreport: %s\n", what.c_str(),
               report.ShortDebugString().substr(0, 4000).c_str());
  std::abort();
}

const gongkai::validation::ValidationContext& Context() {
  static const auto* context = [] {
    auto* c = new gongkai::validation::ValidationContext;
    c->current_year = kCurrentYear;
    c->region_in_use = [](absl::string_view code, int, std::string*) {
      for (const char* r : kRegions) {
        if (code == r) return true;
      }
      return false;
    };
    return c;
  }();
  return *context;
}

std::vector<v1::Region> Registry() {
  auto make = [](const char* code, const char* name, v1::Level level, const char* parent) {
    v1::Region r;
    r.set_code(code);
    r.set_name(name);
    r.set_level(level);
    r.set_parent_code(parent);
    return r;
  };
  return {make("000000000000", "全国", v1::LEVEL_NATION, ""),
          make("330000000000", "浙江省", v1::LEVEL_PROVINCE, "000000000000"),
          make("330200000000", "宁波市", v1::LEVEL_PREFECTURE, "330000000000"),
          make("330226000000", "宁海县", v1::LEVEL_COUNTY, "330200000000"),
          make("330226104000", "一市镇", v1::LEVEL_TOWNSHIP, "330226000000"),
          make("330226001000", "跃龙街道", v1::LEVEL_TOWNSHIP, "330226000000")};
}

// The process's Store, in a temp directory removed at exit.
class FuzzStore {
 public:
  static FuzzStore& Get() {
    static FuzzStore* store = new FuzzStore;
    return *store;
  }
  gongkai::storage::Store& store() {
    if (commits_ >= kStoreRecycle) Reopen();
    ++commits_;
    return *store_;
  }

 private:
  FuzzStore() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/gongkai-submit-fuzz-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    root_ = pattern;
    Reopen();
    // Registered after RocksDB's first use, so that it runs before RocksDB's own static
    // objects are destroyed: close the store (and its threads), then remove its files.
    std::atexit([] {
      Get().store_.reset();
      std::error_code ignored;
      std::filesystem::remove_all(Get().root_, ignored);
    });
  }
  void Reopen() {
    store_.reset();
    std::filesystem::remove_all(root_ + "/db");
    gongkai::storage::StoreOptions options;
    options.sync = false;
    auto opened = gongkai::storage::Store::Open(root_ + "/db", options);
    if (!opened.ok()) {
      std::fprintf(stderr, "cannot open the store: %s\n", opened.status().ToString().c_str());
      std::abort();
    }
    store_ = std::move(*opened);
    if (!store_->LoadRegistry(Registry()).ok()) std::abort();
    commits_ = 0;
  }
  std::string root_;
  std::unique_ptr<gongkai::storage::Store> store_;
  int commits_ = 0;
};

void CheckCells(const v1::Report& report) {
  const std::vector<gongkai::CellSpec>& cells = gongkai::CellsOf(report.edition());
  std::vector<std::optional<int64_t>> values(cells.size());
  size_t filled = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    values[i] = gongkai::GetCell(report, cells[i]);
    if (values[i].has_value()) ++filled;
    (void)gongkai::FormatCellValue(cells[i], values[i]);
  }
  size_t visited = 0;
  gongkai::ForEachFilledCell(report, [&](int index, int64_t value) {
    ++visited;
    if (index < 0 || static_cast<size_t>(index) >= cells.size()) {
      Fail(absl::StrCat("ForEachFilledCell index ", index, " out of range"), report);
    }
    if (values[index] != value) {
      Fail(absl::StrCat("ForEachFilledCell gives ", value, " for ", cells[index].field_path,
                        ", GetCell ",
                        values[index].has_value() ? absl::StrCat(*values[index]) : "blank"),
           report);
    }
  });
  if (visited != filled) {
    Fail(absl::StrCat("ForEachFilledCell visited ", visited, " cells, GetCell finds ", filled),
         report);
  }
  // SetCells from the values read back gives the same cells.
  if (!cells.empty()) {
    v1::Report copy;
    copy.set_edition(report.edition());
    gongkai::SetCells(&copy, values);
    for (size_t i = 0; i < cells.size(); ++i) {
      if (gongkai::GetCell(copy, cells[i]) != values[i]) {
        Fail(absl::StrCat("SetCells/GetCell round trip differs at ", cells[i].field_path), report);
      }
    }
  }
  const std::string formatted = gongkai::FormatCells(report);
  if (!formatted.empty() && formatted.back() != '\n') Fail("FormatCells: no final newline", report);
}

v1::Verdict CheckValidation(const v1::Report& report, v1::ValidationMode requested) {
  using gongkai::validation::Validate;
  const v1::Verdict strict = Validate(report, v1::VALIDATION_MODE_STRICT, Context());
  const v1::Verdict lenient = Validate(report, v1::VALIDATION_MODE_LENIENT, Context());
  if (gongkai::SerializeDeterministic(Validate(report, v1::VALIDATION_MODE_STRICT, Context())) !=
      gongkai::SerializeDeterministic(strict)) {
    Fail("Validate is not deterministic", report);
  }
  if (strict.acceptable()) ++Counters::Get().strict_ok;
  if (lenient.acceptable()) ++Counters::Get().lenient_ok;
  if (strict.acceptable() && !lenient.acceptable()) {
    Fail("acceptable in strict mode but not in lenient mode", report);
  }
  bool strict_errors = false;
  for (const v1::Violation& v : strict.violations()) {
    if (v.severity() == v1::SEVERITY_ERROR) strict_errors = true;
    if (v.rule().empty()) Fail("a violation without a rule id", report);
    (void)gongkai::validation::DescribeViolation(v);
  }
  for (const v1::Violation& v : lenient.violations()) {
    (void)gongkai::validation::DescribeViolation(v);
  }
  if (strict.acceptable() == strict_errors) {
    Fail("strict acceptable must mean: no SEVERITY_ERROR violation", report);
  }
  // The verdict goes back to the client (status details, stored flags): when the report's
  // strings are valid UTF-8, so must the verdict's be, or a client cannot parse it (proto3
  // parsers reject invalid UTF-8 in string fields). On unless GONGKAI_FUZZ_STRICT_UTF8=0
  // (the validator clips echoed values on character boundaries).
  static const bool strict_utf8 = [] {
    const char* env = std::getenv("GONGKAI_FUZZ_STRICT_UTF8");
    return env == nullptr || std::string(env) != "0";
  }();
  if (strict_utf8 && v1::Report().ParseFromString(report.SerializeAsString())) {
    for (const v1::Verdict* verdict : {&strict, &lenient}) {
      if (!v1::Verdict().ParseFromString(verdict->SerializeAsString())) {
        Fail("the verdict of a valid-UTF-8 report has invalid UTF-8 (unparsable by clients): " +
                 verdict->ShortDebugString().substr(0, 2000),
             report);
      }
    }
  }
  return requested == v1::VALIDATION_MODE_LENIENT ? lenient : strict;
}

void CheckStore(const v1::Report& report, const v1::Verdict& verdict,
                std::optional<int64_t> expected) {
  gongkai::storage::Store& store = FuzzStore::Get().store();
  gongkai::storage::CommitRequest commit;
  commit.report = report;
  commit.verdict = verdict;
  commit.principal = "fuzzer";
  commit.peer = "fuzzer";
  commit.time = absl::Now();
  commit.expected_revision = expected;
  const int64_t head_before = store.HeadSequence();
  absl::StatusOr<gongkai::storage::CommitResult> result = store.Commit(commit);
  if (!result.ok()) {
    if (expected.has_value() && absl::IsFailedPrecondition(result.status())) return;
    Fail(absl::StrCat("Commit of an acceptable report failed: ", result.status().ToString()),
         report);
  }
  ++Counters::Get().commits;
  if (result->created) ++Counters::Get().created;
  const int64_t revision = result->revision.revision();
  absl::StatusOr<v1::Revision> stored = store.GetRevision(report.key(), revision);
  if (!stored.ok()) {
    Fail(absl::StrCat("committed revision unreadable: ", stored.status().ToString()), report);
  }
  if (gongkai::SerializeDeterministic(stored->report()) !=
      gongkai::SerializeDeterministic(report)) {
    Fail("the stored content differs from the committed report", report);
  }
  if (result->created) {
    if (store.HeadSequence() != head_before + 1) Fail("head sequence did not advance by 1", report);
    if (expected.has_value() && revision != *expected + 1) {
      Fail("created a revision other than expected_revision + 1", report);
    }
    absl::StatusOr<std::vector<v1::ChangeEvent>> changes =
        store.ReadChanges(store.HeadSequence(), 1);
    if (!changes.ok() || changes->size() != 1) Fail("change-log entry missing", report);
    const v1::ChangeEvent& change = changes->front();
    if (change.sequence() != head_before + 1 || change.revision() != revision ||
        change.previous_revision() != revision - 1 ||
        gongkai::SerializeDeterministic(change.key()) !=
            gongkai::SerializeDeterministic(stored->key()) ||
        stored->change_sequence() != change.sequence()) {
      Fail(absl::StrCat("change-log entry does not match: ", change.ShortDebugString()), report);
    }
  } else if (store.HeadSequence() != head_before) {
    Fail("an idempotent commit wrote a change", report);
  }
  // A retry of the same content (with a now stale guard) is idempotent.
  commit.expected_revision = revision - 1;
  absl::StatusOr<gongkai::storage::CommitResult> again = store.Commit(commit);
  if (!again.ok() || again->created || again->revision.revision() != revision) {
    Fail(absl::StrCat("re-commit not idempotent: ",
                      again.ok() ? again->revision.ShortDebugString() : again.status().ToString()),
         report);
  }
}

// What SubmitReport does with the request, minus the RPC.
void Submit(const v1::SubmitReportRequest& request) {
  ++Counters::Get().parsed;
  if (!request.has_report()) return;
  v1::Report report = request.report();
  if (report.key().scope() == v1::SCOPE_UNSPECIFIED) report.mutable_key()->set_scope(v1::SCOPE_OWN);
  CheckCells(report);
  const v1::Verdict verdict = CheckValidation(report, request.mode());
  if (!verdict.acceptable()) return;
  std::optional<int64_t> expected;
  if (request.has_expected_revision()) {
    if (request.expected_revision() < 0) return;  // INVALID_ARGUMENT in the service
    expected = request.expected_revision();
  }
  CheckStore(report, verdict, expected);
}

#ifdef GONGKAI_FUZZ_TYPED
// Valid UTF-8 of 1- to 4-byte characters, as real reports have (Chinese text, full-width
// digits, a character outside the BMP).
std::string Chinese(FuzzedDataProvider& fdp, size_t max_chars) {
  static const char* const kChars[] = {"1", "-", "机", "关", "年", "〇", "１", "—", "é", "𠀀"};
  std::string out;
  const size_t n = fdp.ConsumeIntegralInRange<size_t>(0, max_chars);
  for (size_t i = 0; i < n; ++i) out += kChars[fdp.ConsumeIntegralInRange<size_t>(0, 9)];
  return out;
}

std::string Text(FuzzedDataProvider& fdp, size_t max) {
  switch (fdp.ConsumeIntegralInRange<int>(0, 4)) {
    case 0:
      return "";
    case 1:
      return "无。";
    case 2:
      return std::string(fdp.ConsumeIntegralInRange<size_t>(0, max), 'x');
    case 3:
      return Chinese(fdp, max / 3);
    default:
      return fdp.ConsumeRandomLengthString(max);
  }
}

// Long by design: every field of the request, in field order, each from the fuzzer's bytes
// (splitting it would only hide the order the bytes are consumed in).
void BuildRequest(FuzzedDataProvider& fdp, v1::SubmitReportRequest* request) {
  v1::Report* report = request->mutable_report();
  v1::ReportKey* key = report->mutable_key();
  switch (fdp.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
    case 1:
      key->set_region_code(kRegions[fdp.ConsumeIntegralInRange<size_t>(0, 5)]);
      break;
    case 2:
      key->set_region_code(Chinese(fdp, 30));
      break;
    default:
      key->set_region_code(fdp.ConsumeRandomLengthString(16));
  }
  key->set_year(fdp.ConsumeBool() ? fdp.ConsumeIntegralInRange<int>(2019, kCurrentYear)
                                  : fdp.ConsumeIntegral<int32_t>());
  switch (fdp.ConsumeIntegralInRange<int>(0, 4)) {
    case 0:
      break;
    case 1:
      key->set_body("11100000000013127D");
      break;  // well-formed (tests/test_util.h)
    case 2:
      key->set_body("11100000000013127E");
      break;  // wrong check character
    case 3:
      key->set_body(Chinese(fdp, 30));
      break;
    default:
      key->set_body(fdp.ConsumeRandomLengthString(20));
  }
  key->set_scope(static_cast<v1::Scope>(fdp.ConsumeIntegralInRange<int>(0, 3)));
  report->set_edition(static_cast<v1::Edition>(fdp.ConsumeIntegralInRange<int>(0, 3)));
  // Cells of the edition (or of the other edition: only the edition's table may be set).
  const v1::Edition cells_edition =
      fdp.ConsumeIntegralInRange<int>(0, 7) == 0
          ? (report->edition() == v1::EDITION_2019 ? v1::EDITION_2021 : v1::EDITION_2019)
          : report->edition();
  const std::vector<gongkai::CellSpec>& cells = gongkai::CellsOf(cells_edition);
  if (!cells.empty()) {
    const int n = fdp.ConsumeIntegralInRange<int>(0, static_cast<int>(cells.size()));
    for (int i = 0; i < n; ++i) {
      const gongkai::CellSpec& cell =
          cells[fdp.ConsumeIntegralInRange<size_t>(0, cells.size() - 1)];
      std::optional<int64_t> value;
      switch (fdp.ConsumeIntegralInRange<int>(0, 4)) {
        case 0:
          value = std::nullopt;
          break;
        case 1:
          value = 0;
          break;
        case 2:
          value = fdp.ConsumeIntegralInRange<int64_t>(-5, 50);
          break;
        case 3:
          value = cell.kind == gongkai::CellKind::kMoney
                      ? fdp.ConsumeIntegral<int64_t>()
                      : static_cast<int64_t>(fdp.ConsumeIntegral<int32_t>());
          break;
        default:
          value = fdp.ConsumeIntegralInRange<int64_t>(0, 1000);
          break;
      }
      gongkai::SetCell(report, cell, value);
    }
    // Make the table sums hold now and then, so that acceptable reports reach the store.
    if (fdp.ConsumeBool()) {
      for (const gongkai::LinearRule& rule : gongkai::RulesOf(cells_edition)) {
        if (rule.lhs.size() != 1) continue;
        int64_t sum = 0;
        for (int j : rule.rhs) sum += gongkai::GetCell(*report, cells[j]).value_or(0);
        if (sum >= INT32_MIN && sum <= INT32_MAX) gongkai::SetCell(report, cells[rule.lhs[0]], sum);
      }
    }
    const int uncertain = fdp.ConsumeIntegralInRange<int>(0, 3);
    for (int i = 0; i < uncertain; ++i) {
      report->add_uncertain_cells(
          fdp.ConsumeBool()
              ? cells[fdp.ConsumeIntegralInRange<size_t>(0, cells.size() - 1)].field_path
              : Text(fdp, 300));
    }
  }
  report->set_title(Text(fdp, 1200));
  report->set_publisher(Text(fdp, 64));
  report->set_publication_date(fdp.ConsumeBool() ? "2020-01-20" : Text(fdp, 60));
  report->set_source_url(Text(fdp, 2100));
  report->mutable_narrative()->set_overview(Text(fdp, 300));
  report->mutable_narrative()->set_other_matters(Text(fdp, 100));
  request->set_mode(static_cast<v1::ValidationMode>(fdp.ConsumeIntegralInRange<int>(0, 3)));
  if (fdp.ConsumeBool()) request->set_expected_revision(fdp.ConsumeIntegralInRange<int64_t>(-1, 4));
}
#endif

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Invalid UTF-8 in string fields is expected input: keep libprotobuf's per-message ERROR
  // lines out of the fuzzer's output (and its time).
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ++Counters::Get().inputs;
  v1::SubmitReportRequest request;
#ifdef GONGKAI_FUZZ_TYPED
  FuzzedDataProvider fdp(data, size);
  BuildRequest(fdp, &request);
#else
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
#endif
  Submit(request);
  return 0;
}
