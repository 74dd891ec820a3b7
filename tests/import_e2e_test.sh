#!/usr/bin/env bash
# Published reports end to end: every sample with expected cells goes through
# parse → submit → get → export and comes back as its expected cells byte for byte; a bulk
# import of them all stores each once and a re-run changes nothing; the ParseReport RPC path
# is exercised by the service tests. Usage: import_e2e_test.sh GONGKAID GONGKAI SOURCE_DIR
set -u
gongkaid=$1 gongkai=$2 src=$3
source "$(dirname "$0")/e2e_lib.sh"
start_gongkaid --worker=false
samples=$src/tests/testdata/samples

# The round trip, one sample at a time, through the CLI.
tail -n +2 "$samples/manifest.csv" | while IFS=, read -r file region year body scope; do
  name=${file%.txt}
  year=${name:0:4}
  body_flag=()
  [ -n "$body" ] && body_flag=(--body "$body")
  "$gongkai" submit "$samples/$file" --region "$region" "${body_flag[@]}" >"$work/$name.out" \
    2>"$work/$name.err" || { echo "FAILED: submit $file: $(cat "$work/$name.err")"; exit 1; }
  "$gongkai" export report "$region" "$year" "${body_flag[@]}" --format cells \
    | cmp -s - "$samples/$name.tsv" || { echo "FAILED: round trip of $file"; exit 1; }
done > "$work/roundtrip.log"
check "parse → submit → get → export cells equals every sample's expected cells" \
  bash -c "[ ! -s '$work/roundtrip.log' ] || { cat '$work/roundtrip.log'; false; }"

# Bulk import into a fresh server state: the same reports again are unchanged.
check "a re-import of the same manifest changes nothing" \
  bash -c "'$gongkai' import '$samples/manifest.csv' | grep -q '^stored 0, stored with flags 0, unchanged 6, failed 0'"
cp "$samples/manifest.csv" "$work/manifest.csv"
echo "missing.txt,330226104000,2019,,own" >> "$work/manifest.csv"
cp "$samples"/*.txt "$work/"
check "a manifest row that fails is reported with its reason, the others unchanged" \
  bash -c "'$gongkai' import '$work/manifest.csv' > '$work/import.out'; [ \$? = 1 ] && grep -q 'unchanged 6, failed 1' '$work/import.out' && grep -q 'missing.txt (line 8): cannot read' '$work/import.out'"
check "a published report without a region is refused before sending" \
  bash -c "'$gongkai' submit '$samples/2019_town_yishi.txt' 2>&1 >/dev/null | grep -q 'give its region'"
check "parse --output json carries the diagnostics" \
  bash -c "'$gongkai' parse '$samples/2021_pref_pingtan.txt' --output json | grep -q 'ambiguous-split'"
check "the Shanghai sample (totals left blank) is stored with R2/R3 as uncheckable, not expected 0" \
  bash -c "grep -q 'as revision 1' '$work/2019_prov_shanghai-szfbgt.out' && grep -q '疑点：警告 UNCHECKABLE 勾稽关系R2' '$work/2019_prov_shanghai-szfbgt.out' && ! grep -q '疑点：错误 R[23]' '$work/2019_prov_shanghai-szfbgt.out'"
# The same reports as published Word and PDF files, in one manifest with a text one: read by
# content (the .docx is named .bin). The files' narratives differ from the texts', so the two
# are new revisions (the cut-off guanzhou report with its flags, as its text); same cells.
files=$src/tests/testdata/files
cp "$files/2019_town_yishi.docx" "$work/yishi.bin"
{ echo "file,region,year,body,scope"
  echo "$work/yishi.bin,330226104000,,,own"
  echo "$files/2023_street_guanzhou-haizhu.pdf,440105018000,,,own"
  echo "$samples/2020_town_liangcheng-weishan.txt,370826107000,,,own"; } > "$work/files.csv"
check "a manifest of .docx, .pdf and text files imports by content" \
  bash -c "'$gongkai' import '$work/files.csv' | grep -q '^stored 1, stored with flags 1, unchanged 1, failed 0'"
check "the report imported from a .docx has the text version's cells" \
  bash -c "'$gongkai' export report 330226104000 2019 --format cells | cmp -s - '$samples/2019_town_yishi.tsv'"
check "gongkai parse of a PDF prints the expected cells" \
  bash -c "'$gongkai' parse '$files/2021_pref_pingtan.pdf' 2>/dev/null | cmp -s - '$files/2021_pref_pingtan.expected.tsv'"
check "gongkai parse of an encrypted PDF fails saying so" \
  bash -c "'$gongkai' parse '$files/encrypted.pdf' >/dev/null 2>'$work/enc.err'; [ \$? != 0 ] && grep -q 'protected by a password' '$work/enc.err'"

finish
