#!/usr/bin/env bash
# The reviewer's page as a person sees it: the real gongkaid and CLI make it
# (`gongkai export review`), then Debian's headless Chromium loads it — the page must make no
# request (self-contained), log nothing to the console, show the expected figures in the
# rendered DOM, and render to a screenshot; the same in English with --lang en.
# Usage: review_page_test.sh GONGKAID GONGKAI SOURCE_DIR
# Exits 77 (skipped) when chromium is not installed (tools/build.sh installs it).
set -u
gongkaid=$1 gongkai=$2 src=$3
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then echo "review_page_test: skipped: chromium not installed"; exit 77; fi
source "$src/tests/e2e_lib.sh"

# Chromium in a sandbox-less, GPU-less headless mode, its profile in the work directory.
browse() {  # browse URL FLAGS... : stdout the DOM (with --dump-dom), stderr its log
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$work/profile" --no-first-run --enable-logging=stderr --v=0 "$@"
}

fixture=$src/tests/testdata/2019_town_yishi.json
start_gongkaid
"$gongkai" submit "$fixture" >/dev/null
sed 's/330226104000/330226001000/' "$fixture" > "$work/yuelong.json"
"$gongkai" submit "$work/yuelong.json" >/dev/null
"$gongkai" review approve 330226001000 2019 >/dev/null
for _ in $(seq 200); do
  "$gongkai" rollup 330226000000 2019 2>/dev/null | grep -q '已通过 1  待审核 1' && break
  sleep 0.1
done
# And the worker has flagged both reports.
for _ in $(seq 200); do
  [ "$("$gongkai" anomalies 330226000000 2019 --kind LATE_REPORT 2>/dev/null | wc -l)" = 2 ] && break
  sleep 0.1
done

check "export review writes the page" \
  bash -c "'$gongkai' export review 330226000000 2019 --format html --out '$work/review.html' | grep -q '^wrote '"
check "the page refers to nothing outside itself" \
  bash -c "! grep -Eq '(src|href)=|url\\(|@import' '$work/review.html'"

browse --dump-dom "file://$work/review.html" >"$work/dom.html" 2>"$work/browser.log"
check "chromium loads the page" test -s "$work/dom.html"
check "nothing in the console (no error, no failed load)" \
  bash -c "! grep -E 'CONSOLE|Failed to load|ERR_' '$work/browser.log'"
# The figures as the browser rendered them: the summary cards, a child's row, the awaiting
# report, the late filers and the flags by kind.
/usr/bin/python3 - "$work/dom.html" >"$work/figures.txt" <<'PY'
import html.parser, sys
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.cells = []; self.rows = []; self.row = None; self.text = ""
        self.cards = {}; self.card = None; self.where = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table": self.where.append(a.get("id", ""))
        if tag == "tr": self.row = []
        if tag in ("td", "th", "b", "span"): self.text = ""
    def handle_endtag(self, tag):
        if tag == "table": self.where.pop()
        if tag in ("td", "th") and self.row is not None: self.row.append(self.text.strip())
        if tag == "tr" and self.row is not None:
            self.rows.append((self.where[-1] if self.where else "", self.row)); self.row = None
        if tag == "b": self.card = self.text.strip()
        if tag == "span" and self.card is not None:
            self.cards[self.text.strip()] = self.card; self.card = None
    def handle_data(self, data): self.text += data
p = Page(); p.feed(open(sys.argv[1], encoding="utf-8").read())
for label, value in p.cards.items(): print("card", label, value)
for table, row in p.rows: print(table, *row)
PY
check "the summary shows 19 expected, 2 received, 17 missing, 1 approved, 1 pending" \
  bash -c "grep -qx 'card 应报 19' '$work/figures.txt' && grep -qx 'card 已报 2' '$work/figures.txt' &&
           grep -qx 'card 未报 17' '$work/figures.txt' && grep -qx 'card 已通过 1' '$work/figures.txt' &&
           grep -qx 'card 待审核 1' '$work/figures.txt'"
check "跃龙街道's row: expected 1, received 1, late 1, missing 0, approved 1, pending 0" \
  grep -q '^children 330226001000 跃龙街道 1 1 1 0 1 0 0 [0-9]' "$work/figures.txt"
check "一市镇 awaits review, revision 1" \
  grep -q '^awaiting 330226104000 本级政府 1 anonymous ' "$work/figures.txt"
check "both late filers are listed" \
  bash -c "[ \$(grep -c '^late 330226[0-9]* ' '$work/figures.txt') = 2 ]"
check "the flags by kind count both late reports" grep -qx 'flags 逾期报送 2' "$work/figures.txt"

browse --window-size=1000,1600 --screenshot="$work/review.png" "file://$work/review.html" \
  >/dev/null 2>>"$work/browser.log"
check "chromium renders a screenshot" \
  bash -c "[ \$(stat -c %s '$work/review.png') -gt 20000 ] && head -c 8 '$work/review.png' | od -An -c | grep -q 'P   N   G'"

check "--lang en writes the page in English" \
  bash -c "'$gongkai' export review 330226000000 2019 --format html --out '$work/en.html' --lang en >/dev/null &&
           grep -q '<html lang=\"en\">' '$work/en.html' && grep -q 'Pending review' '$work/en.html' &&
           ! grep -q '待审核' '$work/en.html'"
check "export review without --out is a usage error" \
  bash -c "'$gongkai' export review 330226000000 2019 --format html 2>/dev/null; [ \$? = 2 ]"
[ "$failed" = 0 ] || cat "$work/figures.txt" >&2
finish
