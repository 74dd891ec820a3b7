// The fixture of the worker's end-to-end tests (history_test.cc, worker_writes_test.cc,
// resident_years_test.cc): the real server on 127.0.0.1:0 over a fresh RocksDB holding the
// national registry of 2019–2023 (data/regions; a fixture may load a part of it), the
// in-process aggregation worker, and real clients.
#ifndef GONGKAI_TESTS_WORKER_HISTORY_FIXTURE_H_
#define GONGKAI_TESTS_WORKER_HISTORY_FIXTURE_H_

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "common/constants.h"
#include "common/serialize.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "proto/cells.h"
#include "registry/registry.h"
#include "services/server.h"
#include "tests/test_util.h"
#include "worker/runner/runner.h"

namespace gongkai {

inline const std::vector<v1::RegionHistory>& National() {
  static const auto* histories = [] {
    auto read = registry::ReadRegistryDir(std::string(GONGKAI_SOURCE_DIR) + "/data/regions");
    EXPECT_TRUE(read.ok()) << read.status();
    return new std::vector<v1::RegionHistory>(*std::move(read));
  }();
  return *histories;
}

// The national registry cut down to 宁波市 (its counties and townships, with the province and
// the nation above them): the same real histories, 175 regions in 2023 against 44,700, for
// tests about the worker's years rather than the whole map. Links to codes cut away are dropped, as
// Build drops a link to any code never in the registry.
inline const std::vector<v1::RegionHistory>& Ningbo() {
  static const auto* histories = [] {
    auto* kept = new std::vector<v1::RegionHistory>();
    for (const v1::RegionHistory& history : National()) {
      const std::string& code = history.code();
      if (code == kNationCode || code == "330000000000" || absl::StartsWith(code, "3302")) {
        kept->push_back(history);
      }
    }
    return kept;
  }();
  return *histories;
}

// What a worker's WriteResults requests leave stored for one year, as the store applies them:
// rollups (without the sequence and time they were computed at) and non-empty flag sets by
// region; and how many rollups and flag sets the requests carried.
struct Written {
  std::map<std::string, std::string> rollups, flags;
  int rollups_sent = 0, sets_sent = 0;

  // What the worker handed the store (a worker in gongkaid's process: its results serialized).
  void Apply(const SerializedResults& results) {
    if (results.replace_year) flags.clear();
    for (const SerializedResults::Item& item : results.rollups) {
      v1::Rollup rollup;
      EXPECT_TRUE(rollup.ParseFromString(item.value)) << item.region_code;
      EXPECT_EQ(rollup.region_code(), item.region_code);
      EXPECT_FALSE(HasCellLabels(rollup)) << item.region_code;  // stored as they come
      rollup.clear_sequence();
      rollup.clear_compute_time();
      rollups[item.region_code] = rollup.SerializeAsString();
      ++rollups_sent;
    }
    for (const SerializedResults::Item& item : results.anomaly_sets) {
      if (item.value.empty()) {
        flags.erase(item.region_code);
      } else {
        v1::AnomalySet set;
        EXPECT_TRUE(set.ParseFromString(item.value)) << item.region_code;
        EXPECT_EQ(set.region_code(), item.region_code);
        EXPECT_FALSE(set.anomalies().empty()) << item.region_code;
        EXPECT_FALSE(HasCellLabels(set)) << item.region_code;
        flags[item.region_code] = set.SerializeAsString();
      }
      ++sets_sent;
    }
  }
};

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = storage::Store::Open(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_TRUE(store_->LoadRegistry(Histories()).ok());
    env_.store = store_.get();
    env_.clock = [] { return kNow; };
    auto server = Server::Start(&env_, {});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    reports_ = v1::ReportService::NewStub(channel_);
    rollups_ = v1::RollupService::NewStub(channel_);
    admin_ = v1::AdminService::NewStub(channel_);
    worker::RunnerOptions options;
    options.clock = [] { return kNow; };
    options.log = [](const std::string&) {};
    runner_ = std::make_unique<worker::Runner>(
        server_->InProcessChannel(worker::WorkerChannelArguments()), options);
    runner_thread_ = std::thread([this] { (void)runner_->Run(); });
  }

  // The registry the store is loaded with: the national one, unless a test's fixture needs less.
  virtual const std::vector<v1::RegionHistory>& Histories() const { return National(); }

  void TearDown() override {
    if (runner_ != nullptr) {
      runner_->Stop();
      runner_thread_.join();
    }
    server_->Shutdown(absl::Seconds(1));
  }

  // The seed report (2019 edition) of `region` for `year`, submitted leniently.
  v1::Revision Submit(const std::string& region, int year,
                      const std::function<void(v1::Report*)>& change = nullptr) {
    v1::SubmitReportRequest request;
    *request.mutable_report() = testing::SeedReport();
    request.mutable_report()->mutable_key()->set_region_code(region);
    request.mutable_report()->mutable_key()->set_year(year);
    if (change) change(request.mutable_report());
    request.set_mode(v1::VALIDATION_MODE_LENIENT);
    v1::SubmitReportResponse response;
    grpc::ClientContext context;
    grpc::Status status = reports_->SubmitReport(&context, request, &response);
    EXPECT_TRUE(status.ok()) << region << "/" << year << ": " << status.error_message();
    return response.revision();
  }

  grpc::Status SubmitStatus(const std::string& region, int year) {
    v1::SubmitReportRequest request;
    *request.mutable_report() = testing::SeedReport();
    request.mutable_report()->mutable_key()->set_region_code(region);
    request.mutable_report()->mutable_key()->set_year(year);
    request.set_mode(v1::VALIDATION_MODE_LENIENT);
    v1::SubmitReportResponse response;
    grpc::ClientContext context;
    return reports_->SubmitReport(&context, request, &response);
  }

  // Waits until the worker has written the effects of every change so far.
  void AwaitWorker() {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (absl::Now() < give_up) {
      auto checkpoint = store_->WorkerCheckpoint();
      if (checkpoint.ok() && *checkpoint >= store_->HeadSequence()) return;
      absl::SleepFor(absl::Milliseconds(20));
    }
    FAIL() << "the worker did not catch up";
  }

  // Starts a full recompute of `year` (a rollup job) and waits up to two minutes for it to end;
  // returns the job as it ended.
  v1::RollupJob RunRollupJob(int year) {
    v1::StartRollupJobRequest start;
    start.set_year(year);
    v1::RollupJob job;
    grpc::ClientContext context;
    EXPECT_TRUE(rollups_->StartRollupJob(&context, start, &job).ok());
    const absl::Time give_up = absl::Now() + absl::Seconds(120);
    while ((job.state() == v1::JOB_STATE_PENDING || job.state() == v1::JOB_STATE_RUNNING) &&
           absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(50));
      v1::GetRollupJobRequest get;
      get.set_id(job.id());
      grpc::ClientContext poll;
      EXPECT_TRUE(rollups_->GetRollupJob(&poll, get, &job).ok());
    }
    return job;
  }

  // Waits up to a minute until `runner` (a test's own worker) has applied every change so far.
  void AwaitApplied(const worker::Runner& runner) {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (runner.GetStats().applied_sequence < store_->HeadSequence() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_GE(runner.GetStats().applied_sequence, store_->HeadSequence());
  }

  v1::Rollup Rollup(const std::string& region, int year, int on_tree = 0) {
    v1::GetRollupRequest request;
    request.set_region_code(region);
    request.set_year(year);
    request.set_on_tree(on_tree);
    v1::Rollup rollup;
    grpc::ClientContext context;
    grpc::Status status = rollups_->GetRollup(&context, request, &rollup);
    EXPECT_TRUE(status.ok()) << region << "/" << year << ": " << status.error_message();
    return rollup;
  }

  std::vector<v1::Anomaly> Flags(const std::string& region, int year, v1::AnomalyKind kind) {
    v1::ListAnomaliesRequest request;
    request.set_region_code(region);
    request.set_year(year);
    request.set_kind(kind);
    v1::ListAnomaliesResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(rollups_->ListAnomalies(&context, request, &response).ok());
    return {response.anomalies().begin(), response.anomalies().end()};
  }

  grpc::Status Change(v1::ChangeRegionRequest request, v1::RegistryChangeResult* result) {
    grpc::ClientContext context;
    return admin_->ChangeRegion(&context, request, result);
  }

  // What a fresh worker's whole write of `year` hands over: a full recompute with `options`,
  // its results taken from the requests (not the store, where earlier writes show through).
  // `rollups_built`: the rollups it built (its stats' last_whole_write_rollups).
  Written FreshWholeWrite(worker::RunnerOptions options, int year,
                          int64_t* rollups_built = nullptr) {
    Written whole;
    options.write_results = [&](const SerializedResults& results) {
      if (results.year == year) whole.Apply(results);
      return absl::OkStatus();
    };
    worker::Runner fresh(server_->InProcessChannel(worker::WorkerChannelArguments()), options);
    EXPECT_TRUE(fresh.RecomputeOnce(year).ok());
    if (rollups_built != nullptr) *rollups_built = fresh.GetStats().last_whole_write_rollups;
    return whole;
  }

  static constexpr absl::Time kNow = absl::FromUnixSeconds(1780272000);  // 2026-06-01
  testing::TempDir dir_;
  std::unique_ptr<storage::Store> store_;
  Env env_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ReportService::Stub> reports_;
  std::unique_ptr<v1::RollupService::Stub> rollups_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<worker::Runner> runner_;
  std::thread runner_thread_;
};

}  // namespace gongkai

#endif  // GONGKAI_TESTS_WORKER_HISTORY_FIXTURE_H_
