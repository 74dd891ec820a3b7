// The peer of the benchmark suite (issue 6): the same reports in PostgreSQL, as an office
// would otherwise build it. One row per report with the same key (year, region, scope, body),
// the cells as JSONB (field path → value) beside the narrative, one durable transaction per
// report (synchronous_commit on) at the same concurrency as the gRPC submits; and the same
// rollup in SQL: a recursive CTE over the region tree and GROUP BY, written to a table in one
// transaction as the worker writes its rollups.
//
//   pg_bench --conninfo="host=127.0.0.1 port=P user=postgres dbname=postgres" --mode=setup
//   pg_bench --conninfo=... --mode=load --year=2022 --offset=0 --count=5000 --concurrency=16
//   pg_bench --conninfo=... --mode=rollup --year=2022 --repeat=3
//   pg_bench --conninfo=... --mode=reads --query=report --rate=5000 --seconds=5 --concurrency=16
//       point reads at a fixed rate (open loop), beside load_client's reads of the RPCs
//
// Output: one JSON line, like load_client.
#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/generator.h"
#include "proto/cells.h"

ABSL_FLAG(std::string, conninfo, "host=127.0.0.1 user=postgres dbname=postgres",
          "libpq connection string.");
ABSL_FLAG(std::string, mode, "load", "setup, load, rollup or reads.");
ABSL_FLAG(int, year, 2022, "Reporting year.");
ABSL_FLAG(int64_t, offset, 0, "First report (generator index) to insert.");
ABSL_FLAG(int64_t, count, 0, "Reports to insert (0: all from --offset).");
ABSL_FLAG(int, concurrency, 4, "Connections inserting at once.");
ABSL_FLAG(int, repeat, 1, "Rollups to time.");
ABSL_FLAG(std::string, query, "report",
          "reads mode: report (a report by its key, as GetReport) or rollup (a region's summed "
          "cells from the tables --mode=rollup wrote, as GetRollup).");
ABSL_FLAG(double, rate, 1000, "reads mode: queries per second (open loop).");
ABSL_FLAG(double, seconds, 5, "reads mode: how long.");

namespace gongkai::bench {
namespace {

using Clock = std::chrono::steady_clock;

PGconn* Connect() {
  PGconn* conn = PQconnectdb(absl::GetFlag(FLAGS_conninfo).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::cerr << "pg_bench: " << PQerrorMessage(conn);
    std::exit(1);
  }
  return conn;
}

bool Exec(PGconn* conn, const std::string& sql) {
  PGresult* result = PQexec(conn, sql.c_str());
  const bool ok =
      PQresultStatus(result) == PGRES_COMMAND_OK || PQresultStatus(result) == PGRES_TUPLES_OK;
  if (!ok)
    std::cerr << "pg_bench: " << PQerrorMessage(conn) << "  in: " << sql.substr(0, 200) << "\n";
  PQclear(result);
  return ok;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", c));
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

int Setup(const std::vector<v1::Region>& regions) {
  PGconn* conn = Connect();
  bool ok = Exec(conn, R"sql(
    DROP TABLE IF EXISTS reports, regions, rollups, rollup_counts;
    CREATE TABLE regions (code text PRIMARY KEY, parent_code text, level int);
    CREATE TABLE reports (
      year int NOT NULL, region_code text NOT NULL, scope int NOT NULL, body text NOT NULL,
      edition int NOT NULL, publication_date text, title text, narrative jsonb,
      cells jsonb NOT NULL, mode int, revision int NOT NULL DEFAULT 1,
      PRIMARY KEY (year, region_code, scope, body));
    CREATE TABLE rollups (year int, region_code text, edition int, cell text, value bigint,
                          filled int);
    CREATE TABLE rollup_counts (year int, region_code text, reports int);
    CREATE INDEX ON rollups (year, region_code);
  )sql");
  ok = ok && Exec(conn, "BEGIN");
  std::string values;
  size_t n = 0;
  auto flush = [&] {
    if (values.empty()) return true;
    const bool done = Exec(conn, "INSERT INTO regions VALUES " + values);
    values.clear();
    return done;
  };
  for (const v1::Region& r : regions) {
    absl::StrAppend(&values, values.empty() ? "" : ",", "('", r.code(), "',",
                    r.parent_code().empty() ? "NULL" : absl::StrCat("'", r.parent_code(), "'"), ",",
                    static_cast<int>(r.level()), ")");
    if (++n % 5000 == 0) ok = ok && flush();
  }
  ok = ok && flush() && Exec(conn, "COMMIT") && Exec(conn, "ANALYZE regions");
  PQfinish(conn);
  std::cout << absl::StrFormat("{\"mode\":\"pg_setup\",\"regions\":%d}", regions.size())
            << std::endl;
  return ok ? 0 : 1;
}

// The parameters of one row of `reports`, in the order of the prepared INSERT.
constexpr int kParams = 10;
using RowParams = std::array<std::string, kParams>;

// The row parameters of generated reports [offset, offset + count): the key, the edition, the
// title, the narrative and the cells as JSON, the mode.
std::vector<RowParams> MakeRows(const Generator& gen, size_t offset, size_t count, int year) {
  std::vector<RowParams> rows(count);
  for (size_t i = 0; i < count; ++i) {
    const v1::SubmitReportRequest request = gen.Make(offset + i, year);
    const v1::Report& report = request.report();
    const std::vector<CellSpec>& cells = CellsOf(report.edition());
    std::string json = "{";
    ForEachFilledCell(report, [&](int index, int64_t value) {
      absl::StrAppend(&json, json.size() > 1 ? "," : "", "\"", cells[index].field_path,
                      "\":", value);
    });
    json.push_back('}');
    const v1::Narrative& n = report.narrative();
    const std::string narrative = absl::StrCat(
        "{\"overview\":", JsonString(n.overview()), ",\"proactive\":", JsonString(n.proactive()),
        ",\"requests\":", JsonString(n.requests()),
        ",\"review_litigation\":", JsonString(n.review_litigation()),
        ",\"problems\":", JsonString(n.problems()),
        ",\"other_matters\":", JsonString(n.other_matters()), "}");
    rows[i] = {absl::StrCat(year),
               report.key().region_code(),
               absl::StrCat(report.key().scope()),
               report.key().body(),
               absl::StrCat(report.edition()),
               report.publication_date(),
               report.title(),
               narrative,
               json,
               absl::StrCat(request.mode())};
  }
  return rows;
}

// Every thread's latencies (ms) in one sorted list, for percentiles.
std::vector<double> Sorted(const std::vector<std::vector<double>>& per_thread) {
  std::vector<double> all;
  for (const auto& l : per_thread) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  return all;
}

// Opens `concurrency` connections with synchronous commit and the upsert prepared as "put";
// false when a statement fails.
bool ConnectForLoad(int concurrency, std::vector<PGconn*>* conns) {
  for (int t = 0; t < concurrency; ++t) {
    PGconn* conn = Connect();
    if (!Exec(conn, "SET synchronous_commit = on") || !Exec(conn, R"sql(PREPARE put AS
            INSERT INTO reports (year, region_code, scope, body, edition, publication_date,
                                 title, narrative, cells, mode)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (year, region_code, scope, body) DO UPDATE SET
              edition = EXCLUDED.edition, publication_date = EXCLUDED.publication_date,
              title = EXCLUDED.title, narrative = EXCLUDED.narrative, cells = EXCLUDED.cells,
              mode = EXCLUDED.mode, revision = reports.revision + 1)sql")) {
      return false;
    }
    conns->push_back(conn);
  }
  return true;
}

// Inserts every row, one thread per connection taking the next row, and records each
// insert's latency (ms) per thread; returns the seconds it took and counts the failures.
double InsertRows(const std::vector<RowParams>& rows, const std::vector<PGconn*>& conns,
                  std::vector<std::vector<double>>* latencies, std::atomic<size_t>* failed) {
  const size_t count = rows.size();
  std::atomic<size_t> next{0};
  const Clock::time_point begin = Clock::now();
  std::vector<std::thread> threads;
  for (size_t t = 0; t < conns.size(); ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = next++; i < count; i = next++) {
        const char* values[kParams];
        for (int p = 0; p < kParams; ++p) values[p] = rows[i][p].c_str();
        const Clock::time_point start = Clock::now();
        PGresult* result = PQexecPrepared(conns[t], "put", kParams, values, nullptr, nullptr, 0);
        if (PQresultStatus(result) != PGRES_COMMAND_OK) {
          if ((*failed)++ == 0) std::cerr << "pg_bench: " << PQerrorMessage(conns[t]);
        }
        PQclear(result);
        (*latencies)[t].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  return std::chrono::duration<double>(Clock::now() - begin).count();
}

int Load(const Generator& gen) {
  const int year = absl::GetFlag(FLAGS_year);
  const size_t offset = std::min<size_t>(absl::GetFlag(FLAGS_offset), gen.size());
  size_t count = absl::GetFlag(FLAGS_count);
  if (count == 0 || offset + count > gen.size()) count = gen.size() - offset;
  // The rows' parameters, made before any timing.
  const std::vector<RowParams> rows = MakeRows(gen, offset, count, year);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  std::atomic<size_t> failed{0};
  std::vector<std::vector<double>> latencies(concurrency);
  std::vector<PGconn*> conns;
  if (!ConnectForLoad(concurrency, &conns)) return 1;
  const double seconds = InsertRows(rows, conns, &latencies, &failed);
  for (PGconn* c : conns) PQfinish(c);
  const std::vector<double> all = Sorted(latencies);
  std::cout << absl::StrFormat(
                   "{\"mode\":\"pg_load\",\"calls\":%d,\"failed\":%d,\"seconds\":%.3f,"
                   "\"per_second\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"concurrency\":%d}",
                   count, failed.load(), seconds, count / seconds, Percentile(all, 0.5),
                   Percentile(all, 0.99), concurrency)
            << std::endl;
  return failed == 0 ? 0 : 1;
}

// Every region's sums (per edition and cell) over the own-scope reports of its subtree, and
// its report count: the arithmetic of the worker's rollups, written in one transaction.
constexpr char kRollupSql[] = R"sql(
  BEGIN;
  DELETE FROM rollups WHERE year = %1$d;
  DELETE FROM rollup_counts WHERE year = %1$d;
  CREATE TEMP TABLE up ON COMMIT DROP AS
    WITH RECURSIVE up(code, ancestor) AS (
      SELECT code, code FROM regions
      UNION ALL
      SELECT up.code, r.parent_code FROM up JOIN regions r ON r.code = up.ancestor
      WHERE r.parent_code IS NOT NULL)
    SELECT * FROM up;
  INSERT INTO rollups
    SELECT %1$d, up.ancestor, rep.edition, c.key, sum(c.value::bigint), count(*)
    FROM reports rep JOIN up ON up.code = rep.region_code
    CROSS JOIN LATERAL jsonb_each_text(rep.cells) AS c
    WHERE rep.year = %1$d AND rep.scope = 1
    GROUP BY up.ancestor, rep.edition, c.key;
  INSERT INTO rollup_counts
    SELECT %1$d, up.ancestor, count(*)
    FROM reports rep JOIN up ON up.code = rep.region_code
    WHERE rep.year = %1$d AND rep.scope = 1
    GROUP BY up.ancestor;
  COMMIT;
)sql";

int Rollup() {
  const int year = absl::GetFlag(FLAGS_year);
  PGconn* conn = Connect();
  if (!Exec(conn, "ANALYZE reports")) return 1;
  std::vector<double> runs;
  for (int r = 0; r < absl::GetFlag(FLAGS_repeat); ++r) {
    const Clock::time_point begin = Clock::now();
    if (!Exec(conn, absl::StrFormat(kRollupSql, year))) return 1;
    runs.push_back(std::chrono::duration<double>(Clock::now() - begin).count());
  }
  PGresult* result =
      PQexec(conn, absl::StrFormat("SELECT reports FROM rollup_counts WHERE year = %d AND "
                                   "region_code = '000000000000'",
                                   year)
                       .c_str());
  const std::string nation = PQntuples(result) > 0 ? PQgetvalue(result, 0, 0) : "0";
  PQclear(result);
  PQfinish(conn);
  std::vector<double> sorted = runs;
  std::sort(sorted.begin(), sorted.end());
  std::string list;
  for (double w : runs) absl::StrAppend(&list, list.empty() ? "" : ",", absl::StrFormat("%.3f", w));
  const double median = Percentile(sorted, 0.5);
  std::cout << absl::StrFormat(
                   "{\"mode\":\"pg_rollup\",\"year\":%d,\"reports\":%s,\"median_seconds\":%.3f,"
                   "\"reports_per_second\":%.0f,\"runs\":[%s]}",
                   year, nation, median, median > 0 ? std::stod(nation) / median : 0, list)
            << std::endl;
  return 0;
}

// Point reads at a fixed rate, open loop as load_client's reads (each latency from the query's
// scheduled time, so a stall counts in full); `concurrency` connections take the queries in
// turn. The keys (one per query, as load_client's) are drawn before any timing.
int Reads(const Generator& gen) {
  const int year = absl::GetFlag(FLAGS_year);
  const std::string query = absl::GetFlag(FLAGS_query);
  const double rate = absl::GetFlag(FLAGS_rate);
  const size_t total = static_cast<size_t>(rate * absl::GetFlag(FLAGS_seconds));
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  std::string sql;
  if (query == "report") {
    sql = "SELECT * FROM reports WHERE year = $1 AND region_code = $2 AND scope = $3 AND body = $4";
  } else if (query == "rollup") {
    sql = "SELECT edition, cell, value, filled FROM rollups WHERE year = $1 AND region_code = $2";
  } else {
    std::cerr << "pg_bench: --query must be report or rollup\n";
    return 2;
  }
  std::mt19937 rng(11);
  std::vector<std::vector<std::string>> keys(total);
  for (std::vector<std::string>& key : keys) {
    if (query == "report") {
      const RowParams row = MakeRows(gen, rng() % gen.size(), 1, year)[0];
      key = {row[0], row[1], row[2], row[3]};
    } else {
      const size_t r = rng() % (gen.regions().size() + 1);
      key = {absl::StrCat(year),
             r == gen.regions().size() ? "000000000000" : gen.regions()[r].code()};
    }
  }
  std::vector<PGconn*> conns;
  for (int t = 0; t < concurrency; ++t) {
    conns.push_back(Connect());
    if (!Exec(conns.back(), "PREPARE get AS " + sql)) return 1;
  }
  std::atomic<size_t> next{0}, failed{0};
  std::vector<std::vector<double>> latencies(concurrency);
  const Clock::time_point begin = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      for (size_t k = next++; k < total; k = next++) {
        const Clock::time_point scheduled =
            begin + std::chrono::nanoseconds(static_cast<int64_t>(k * 1e9 / rate));
        std::this_thread::sleep_until(scheduled);
        const std::vector<std::string>& key = keys[k];
        const char* values[4];
        for (size_t p = 0; p < key.size(); ++p) values[p] = key[p].c_str();
        PGresult* result = PQexecPrepared(conns[t], "get", static_cast<int>(key.size()), values,
                                          nullptr, nullptr, 0);
        const bool ok = PQresultStatus(result) == PGRES_TUPLES_OK &&
                        (query != "report" || PQntuples(result) == 1);
        if (!ok && failed++ == 0) std::cerr << "pg_bench: " << PQerrorMessage(conns[t]);
        PQclear(result);
        latencies[t].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  for (PGconn* c : conns) PQfinish(c);
  const std::vector<double> all = Sorted(latencies);
  std::cout << absl::StrFormat(
                   "{\"mode\":\"pg_reads\",\"query\":\"%s\",\"calls\":%d,\"failed\":%d,"
                   "\"seconds\":%.3f,\"per_second\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
                   "\"max_ms\":%.3f,\"rate\":%.0f,\"concurrency\":%d}",
                   query, total, failed.load(), seconds, total / seconds, Percentile(all, 0.5),
                   Percentile(all, 0.99), all.empty() ? 0.0 : all.back(), rate, concurrency)
            << std::endl;
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace gongkai::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using namespace gongkai::bench;
  const std::string mode = absl::GetFlag(FLAGS_mode);
  std::vector<gongkai::v1::Region> regions;
  const Generator gen = GeneratorFromFlags("pg_bench", absl::GetFlag(FLAGS_year), &regions);
  if (mode == "setup") return Setup(regions);
  if (mode == "load") return Load(gen);
  if (mode == "rollup") return Rollup();
  if (mode == "reads") return Reads(gen);
  std::cerr << "pg_bench: unknown --mode " << mode << "\n";
  return 2;
}
