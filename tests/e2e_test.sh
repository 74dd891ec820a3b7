#!/usr/bin/env bash
# End to end: the real gongkaid on 127.0.0.1:0 over a fresh data directory, driven by the real
# gongkai CLI; then a restart, after which everything reads back the same.
# Usage: e2e_test.sh GONGKAID GONGKAI SOURCE_DIR
set -u
gongkaid=$1 gongkai=$2 src=$3
source "$(dirname "$0")/e2e_lib.sh"

fixture=$src/tests/testdata/2019_town_yishi.json
expected=$src/tests/testdata/2019_town_yishi.tsv
start_gongkaid

check "regions shows the township and its county's children" \
  bash -c "'$gongkai' regions 330226000000 | grep -q '330226104000 TOWNSHIP   一市镇'"
check "search finds 一市镇" bash -c "'$gongkai' regions --search 一市镇 | grep -q 330226104000"
check "regions --year shows 公主岭市 under 四平 in 2019" \
  bash -c "'$gongkai' regions 220300000000 --year 2019 | grep -q '220381000000 COUNTY     公主岭市 .* 2019–2019'"
check "regions --history prints a re-coded town's lineage" \
  bash -c "'$gongkai' regions 130521103000 --history | grep -q 'continued by 130502103000 from 2020 (recoded_new_parent, one-to-one; paired by the editions'"
check "region move --dry_run shows the change and writes nothing" \
  bash -c "'$gongkai' region move 330226001000 --parent 330225000000 --new_code 330225198000 --from 2026 --dry_run | grep -q '^dry run: nothing written' && '$gongkai' regions 330226001000 | grep -q 跃龙街道"
check "submit stores revision 1" \
  bash -c "'$gongkai' submit '$fixture' | grep -q 'as revision 1'"
check "resubmit is idempotent" \
  bash -c "'$gongkai' submit --mode=strict '$fixture' | grep -q '^unchanged'"
check "get --output cells is the expected cells byte for byte" \
  bash -c "'$gongkai' get 330226104000 2019 --output cells | cmp -s - '$expected'"
check "get --output=table prints the official layout" \
  bash -c "'$gongkai' get 330226104000 2019 --output=table | grep -q '政府集中采购 .* 93.8605'"

# A corrected second revision, and a rejected third that stores nothing.
sed 's/宁海县一市镇人民政府/宁海县一市镇人民政府（更正）/' "$fixture" > "$work/v2.json"
check "a changed report becomes revision 2" \
  bash -c "'$gongkai' submit '$work/v2.json' --expected_revision 1 | grep -q 'as revision 2'"
check "a stale expected_revision is refused with exit 1" \
  bash -c "'$gongkai' submit '$fixture' --expected_revision 1 2>'$work/err'; [ \$? = 1 ] && grep -q FAILED_PRECONDITION '$work/err'"
python3 - "$fixture" "$work/bad.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
r["table3"]["newRequests"]["total"] = 3
json.dump(r, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
check "a report whose totals do not add up is rejected with the rule named" \
  bash -c "'$gongkai' submit '$work/bad.json' 2>'$work/err'; [ \$? = 1 ] && grep -q 'R3 总计等于各类申请人之和' '$work/err' && grep -q 'table3.new_requests.total' '$work/err'"
check "validate reports the same verdict without storing" \
  bash -c "'$gongkai' validate '$work/bad.json' | grep -q '^rejected'"
check "lenient mode stores it with flags" \
  bash -c "'$gongkai' submit '$work/bad.json' --mode lenient --region 330226001000 | grep -q '疑点：错误 R3 .*：应为 .*，实为 '"
check "--lang en prints the verdict in English" \
  bash -c "'$gongkai' validate '$work/bad.json' --mode lenient --region 330226001000 --lang en | grep -q '^  error R3 '"
printf '{"key": {' > "$work/malformed.json"
check "malformed JSON is a usage error (exit 2)" \
  bash -c "'$gongkai' submit '$work/malformed.json' 2>/dev/null; [ \$? = 2 ]"
printf '{"title": "\xe4\xb8"}' > "$work/utf8.json"
check "invalid UTF-8 is refused before sending (exit 2)" \
  bash -c "'$gongkai' submit '$work/utf8.json' 2>&1 | grep -q 'not valid UTF-8'"
check "unknown region is refused" \
  bash -c "'$gongkai' submit '$fixture' --region 330226999000 2>&1 | grep -q 'REGION'"
check "year out of range is refused" \
  bash -c "'$gongkai' submit '$fixture' --year 2018 2>&1 | grep -q 'YEAR'"
check "list shows the county's reports" \
  bash -c "[ \$('$gongkai' list 330226000000 2019 | wc -l) = 2 ]"
check "revisions lists both revisions" \
  bash -c "[ \$('$gongkai' revisions 330226104000 2019 | wc -l) = 2 ]"
check "the change log has 3 entries" \
  bash -c "'$gongkai' changes | grep -q 'next 4, head 3'"

python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$metrics_port/metrics').read().decode())" > "$work/metrics.txt"
check "metrics count RPCs by method and code" \
  grep -q 'gongkai_rpc_requests_total{method="/gongkai.v1.ReportService/SubmitReport",code="INVALID_ARGUMENT"}' "$work/metrics.txt"
check "metrics count submissions by verdict" \
  bash -c "grep -q 'gongkai_submissions_total{verdict=\"stored\"} 2' '$work/metrics.txt' && grep -q 'gongkai_submissions_total{verdict=\"unchanged\"} 1' '$work/metrics.txt'"
check "metrics show the change log head and RocksDB statistics" \
  bash -c "grep -q '^gongkai_changelog_head_sequence 3' '$work/metrics.txt' && grep -q '^gongkai_rocksdb_estimated_keys' '$work/metrics.txt'"
check "metrics show the process's memory" \
  bash -c "grep -q '^process_resident_memory_bytes [1-9]' '$work/metrics.txt' && grep -q '^gongkai_heap_allocated_bytes [1-9]' '$work/metrics.txt' && grep -q '^gongkai_heap_free_bytes [0-9]' '$work/metrics.txt' && grep -q '^gongkai_heap_thread_cache_free_bytes [0-9]' '$work/metrics.txt'"
check "metrics show the in-process worker's figures" \
  bash -c "grep -q '^gongkai_worker_years_loaded [0-9]' '$work/metrics.txt' && grep -q '^gongkai_worker_remembered_similarities [0-9]' '$work/metrics.txt' && grep -q '^gongkai_worker_full_recomputes_total [0-9]' '$work/metrics.txt' && grep -q '^gongkai_worker_write_failures_total 0' '$work/metrics.txt'"
check "logs are JSON lines, failed RPCs with their request id" \
  bash -c "grep '\"msg\":\"rpc\"' '$work/server.log' | grep -q '\"request_id\":\"[0-9a-f]\{16\}\"'"

# Restart and read everything back.
"$gongkai" get 330226104000 2019 --output json > "$work/before.json"
stop_gongkaid
start_gongkaid
check "after a restart the current revision reads back identically" \
  bash -c "'$gongkai' get 330226104000 2019 --output json | cmp -s - '$work/before.json'"
check "after a restart revision 1 still gives the expected cells" \
  bash -c "'$gongkai' get 330226104000 2019 --revision 1 --output cells | cmp -s - '$expected'"
check "after a restart the change log continues" \
  bash -c "'$gongkai' changes --from 3 | grep -q 'next 4, head 3'"
check "missing report is NOT_FOUND with exit 1" \
  bash -c "'$gongkai' get 330226104000 2020 2>&1 >/dev/null | grep -q NOT_FOUND"
check "an unknown command is a usage error" bash -c "'$gongkai' frobnicate 2>/dev/null; [ \$? = 2 ]"
check "health reports SERVING" bash -c "'$gongkai' health | grep -q '^SERVING'"

# An online backup, restored into a fresh directory, reads back identically.
"$gongkai" list 000000000000 2019 --output json > "$work/list-before.json"
check "backup writes a consistent copy" \
  bash -c "'$gongkai' backup '$work/backup' | grep -q 'change log at 3'"
check "a backup never overwrites" \
  bash -c "'$gongkai' backup '$work/backup' 2>&1 | grep -q 'INVALID_ARGUMENT'"
stop_gongkaid
check "gongkaid shut down cleanly" grep -q 'stopped' "$work/server.log"
cp -r "$work/backup" "$work/restored"
mv "$work/db" "$work/db-original"
mv "$work/restored" "$work/db"
start_gongkaid
check "the restored store lists the same reports" \
  bash -c "'$gongkai' list 000000000000 2019 --output json | cmp -s - '$work/list-before.json'"
check "the restored store reads revision 1 back as the expected cells" \
  bash -c "'$gongkai' get 330226104000 2019 --revision 1 --output cells | cmp -s - '$expected'"
check "the restored change log continues from the backup's head" \
  bash -c "'$gongkai' changes --from 3 | grep -q 'next 4, head 3'"
check "a 2019 report under a code gone since is stored on the 2019 tree" \
  bash -c "'$gongkai' submit '$src/tests/testdata/samples/2019_town_yishi.txt' --region 130521103000 --year 2019 | grep -q 'as revision 1'"
check "the same code is refused for 2020, naming its successor" \
  bash -c "'$gongkai' submit '$src/tests/testdata/samples/2019_town_yishi.txt' --region 130521103000 --year 2020 2>&1 | grep -q 'continued by 130502103000 from 2020'"
check "an office's change is applied and shows in the change log" \
  bash -c "'$gongkai' region rename 330226001000 --name 跃龙街道（新） --from 2026 --note test | grep -q '^applied' && '$gongkai' changes --from 4 | grep -q 'registry from 2026: rename 330226001000'"
# changes --follow (WatchChanges): the entries so far, then a new commit as it lands.
head=$("$gongkai" changes --from 1 --limit 1000 | sed -n 's/^next [0-9]*, head \([0-9]*\)$/\1/p')
timeout 20 "$gongkai" changes --from "$head" --follow > "$work/follow.out" 2>&1 &
follower=$!
sleep 0.5
"$gongkai" region rename 330226001000 --name 跃龙街道 --from 2026 --note back >/dev/null
for _ in $(seq 50); do
  grep -q "^$((head + 1)) .*registry from 2026: rename 330226001000" "$work/follow.out" && break
  sleep 0.1
done
check "changes --follow prints the last entry, then the next commit as it lands" \
  bash -c "grep -q '^$head ' '$work/follow.out' && grep -q '^$((head + 1)) .*registry from 2026' '$work/follow.out'"
kill "$follower" 2>/dev/null
wait "$follower" 2>/dev/null
stop_gongkaid

finish
