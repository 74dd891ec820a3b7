#!/usr/bin/env bash
# End to end: the reviewer's commands of the real gongkai CLI against the real gongkaid (its
# in-process worker on): list, return, resubmit, a stale approval, approve, a correction that
# re-opens the review with the changed cells, withdrawal and restoration.
# Usage: review_e2e_test.sh GONGKAID GONGKAI SOURCE_DIR
set -u
gongkaid=$1 gongkai=$2 src=$3
source "$(dirname "$0")/e2e_lib.sh"

fixture=$src/tests/testdata/2019_town_yishi.json
start_gongkaid
# The worker has caught up when the county's rollup shows the expected review counts.
await_rollup() {  # await_rollup PATTERN
  for _ in $(seq 200); do
    "$gongkai" rollup 330226000000 2019 2>/dev/null | grep -q "$1" && return 0
    sleep 0.1
  done
  "$gongkai" rollup 330226000000 2019
  return 1
}
# The fixture with table 二's 规章 本年新制作数量 set to N.
variant() {  # variant N FILE
  /usr/bin/python3 - "$fixture" "$2" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
r["table2_2019"]["item1"]["rules"]["newMade"] = int(sys.argv[3])
json.dump(r, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
}

"$gongkai" submit "$fixture" >/dev/null
check "review list shows the township pending" \
  bash -c "'$gongkai' review list 330226000000 2019 | grep -q '^330226104000 .* 待审核 .*anonymous'"
check "review return without a reason is a usage error" \
  bash -c "'$gongkai' review return 330226104000 2019 2>/dev/null; [ \$? = 2 ]"
check "review return sends it back with the reason" \
  bash -c "'$gongkai' review return 330226104000 2019 --reason '表二数字有误' | grep -q '已退回' "
check "the returned report is listed as returned, no longer pending" \
  bash -c "'$gongkai' review list 330226000000 2019 --state returned | grep -q 330226104000 &&
           '$gongkai' review list 330226000000 2019 | grep -q '^没有待审核的报告'"
check "the rollup counts it returned" await_rollup '已通过 0  待审核 0  已退回 1'

variant 5 "$work/v2.json"
"$gongkai" submit "$work/v2.json" --mode lenient >/dev/null
check "a new revision is pending again" \
  bash -c "'$gongkai' review list 330226000000 2019 | grep -q '^330226104000 .* 2 .*待审核'"
check "approving the revision the reviewer did not see is refused" \
  bash -c "'$gongkai' review approve 330226104000 2019 --revision 1 2>'$work/err'; [ \$? = 1 ] && grep -q FAILED_PRECONDITION '$work/err'"
check "review approve --revision 2 approves it" \
  bash -c "'$gongkai' review approve 330226104000 2019 --revision 2 --note 已核对 | grep -q '已通过（修订 2'"
check "the rollup counts it approved" await_rollup '已通过 1  待审核 0  已退回 0'

variant 8 "$work/v3.json"
"$gongkai" submit "$work/v3.json" --mode lenient >/dev/null
check "a correction re-opens the review and says which cells changed" \
  bash -c "'$gongkai' review show 330226104000 2019 | grep -q '待审核（修订 3）' &&
           '$gongkai' review show 330226104000 2019 | grep -q '表二 .*：5 → 8'"
check "review show --output json carries the history" \
  bash -c "[ \$('$gongkai' review show 330226104000 2019 --output json | grep -o '\"action\"' | wc -l) = 6 ]"

id=$("$gongkai" anomalies 330226104000 2019 --kind LATE_REPORT 2>/dev/null | cut -f7 | head -1)
check "anomalies prints each flag's id and state" \
  bash -c "'$gongkai' anomalies 330226104000 2019 --kind LATE_REPORT 2>/dev/null | grep -q '330226104000-2019-[0-9a-f]*	待处理$'"
check "flag explain records the submitter's explanation" \
  bash -c "'$gongkai' flag explain '$id' --note 经批准延期发布 | grep -q '已说明'"
check "anomalies --state explained lists it, --state open no longer" \
  bash -c "'$gongkai' anomalies 330226104000 2019 --state explained 2>/dev/null | grep -q '$id' &&
           ! '$gongkai' anomalies 330226104000 2019 --state open 2>/dev/null | grep -q '$id'"
check "flag accept records the reviewer's decision" \
  bash -c "'$gongkai' flag accept '$id' | grep -q '已采纳'"
check "flag dismiss without a note is a usage error" \
  bash -c "'$gongkai' flag dismiss '$id' 2>/dev/null; [ \$? = 2 ]"

check "withdraw without a reason is a usage error" \
  bash -c "'$gongkai' withdraw 330226104000 2019 2>/dev/null; [ \$? = 2 ]"
check "withdraw takes the report out" \
  bash -c "'$gongkai' withdraw 330226104000 2019 --reason 报送区划有误 | grep -q '已撤回（修订 4' &&
           ! '$gongkai' list 330226000000 2019 | grep -q 330226104000"
check "the rollup no longer counts it" await_rollup '已报 0'
check "get says the report was withdrawn, and why" \
  bash -c "'$gongkai' get 330226104000 2019 | grep -q '已撤回（修订 4' &&
           '$gongkai' get 330226104000 2019 | grep -q '原因：报送区划有误'"
check "export report of a withdrawn report fails, naming the revision before" \
  bash -c "'$gongkai' export report 330226104000 2019 --format cells 2>'$work/err'; [ \$? = 1 ] && grep -q -- '--revision 3 exports' '$work/err'"
check "the history keeps every revision" \
  bash -c "[ \$('$gongkai' revisions 330226104000 2019 | grep -c '^rev') = 4 ]"
"$gongkai" submit "$fixture" >/dev/null
check "a new submission restores it, pending" \
  bash -c "'$gongkai' review list 330226000000 2019 | grep -q '^330226104000 .* 5 .*待审核'"
check "and the rollup counts it again" await_rollup '已通过 0  待审核 1  已退回 0'
check "--lang en lists and shows in English" \
  bash -c "'$gongkai' review list 330226000000 2019 --lang en | grep -q '^330226104000 .* pending ' &&
           '$gongkai' review show 330226104000 2019 --lang en | grep -q 'withdrawn  revision 4'"
check "LANG=en_US.UTF-8 does the same, --lang zh wins over it" \
  bash -c "LANG=en_US.UTF-8 '$gongkai' rollup 330226000000 2019 | grep -q '^review: approved 0  pending 1  returned 0' &&
           LANG=en_US.UTF-8 '$gongkai' rollup 330226000000 2019 --lang zh | grep -q '^审核：'"
check "--lang fr is a usage error" \
  bash -c "'$gongkai' rollup 330226000000 2019 --lang fr 2>/dev/null; [ \$? = 2 ]"
finish
