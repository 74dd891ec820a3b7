#!/usr/bin/python3
"""Checks an .xlsx workbook written by gongkai's exporter, reading it with the standard
library only (zipfile + xml.etree), independently of the C++ writer.

usage: xlsx_check.py FILE [--sheets A,B,...] [--value SHEET ROW COLUMN EXPECTED]...
                          [--merge SHEET TEXT ROWS COLS]... [--meta LABEL EXPECTED]...

--value   the cell in the row whose label cell reads ROW ("*": the sheet's last row) and the
          column found by COLUMN, a header path joined by ' > ' (each part looked up inside
          the columns of the previous one); EXPECTED "" means blank, a number means a
          numeric cell of that value, anything else a text cell.
--merge   a merged range whose top-left cell reads TEXT, ROWS rows by COLS columns.
--meta    in sheet 基本信息, the value next to LABEL.
Always checked: no two merged ranges of a sheet overlap.
Exits 0 when every check holds; otherwise prints the failures and exits 1.
"""
import argparse
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def cell_position(ref):
    letters, digits = re.match(r"([A-Z]+)(\d+)", ref).groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - ord("A") + 1
    return int(digits) - 1, col - 1


class Sheet:
    def __init__(self, root, strings):
        self.cells = {}  # (row, col) -> (kind, value); kind: "n", "s" or "blank"
        for c in root.iter("{%s}c" % NS["m"]):
            pos = cell_position(c.get("r"))
            v = c.find("m:v", NS)
            t = c.get("t", "n")
            if v is None:
                inline = c.find("m:is/m:t", NS)
                self.cells[pos] = ("s", inline.text or "") if inline is not None else ("blank", "")
            elif t == "s":
                self.cells[pos] = ("s", strings[int(v.text)])
            elif t in ("str", "inlineStr"):
                self.cells[pos] = ("s", v.text or "")
            else:
                self.cells[pos] = ("n", float(v.text))
        self.merges = []  # (row0, col0, row1, col1)
        for m in root.iter("{%s}mergeCell" % NS["m"]):
            a, b = m.get("ref").split(":")
            self.merges.append(cell_position(a) + cell_position(b))

    def text_at(self, pos):
        kind, value = self.cells.get(pos, ("blank", ""))
        return value if kind == "s" else None

    def extent(self, pos):
        for r0, c0, r1, c1 in self.merges:
            if (r0, c0) == pos:
                return r1, c1
        return pos

    def find(self, text, rows=None, cols=None):
        return sorted(p for p in self.cells if self.text_at(p) == text
                      and (rows is None or rows[0] <= p[0] < rows[1])
                      and (cols is None or cols[0] <= p[1] <= cols[1]))


def load(path):
    with zipfile.ZipFile(path) as z:
        strings = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
                strings.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
        rels = {r.get("Id"): r.get("Target")
                for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        sheets = {}
        names = []
        for s in ET.fromstring(z.read("xl/workbook.xml")).iter("{%s}sheet" % NS["m"]):
            name = s.get("name")
            target = rels[s.get("{%s}id" % NS["r"])].lstrip("/")
            target = target if target.startswith("xl/") else "xl/" + target
            names.append(name)
            sheets[name] = Sheet(ET.fromstring(z.read(target)), strings)
        return names, sheets


def check_value(sheet, row_label, column, expected):
    if row_label == "*":
        row = max(r for r, _ in sheet.cells)
    else:
        found = sheet.find(row_label)
        if not found:
            return "no row labelled %r" % row_label
        row = found[0][0]
    top, cols = 0, None
    pos = None
    for i, part in enumerate(column.split(" > ")):
        found = sheet.find(part, rows=(top, row), cols=cols)
        if not found:
            return "no column %r above row %r" % (column, row_label)
        # The outermost heading is the nearest one above the row (table 二 repeats its
        # column labels per block); inner ones are the first below their group.
        pos = min(found, key=lambda p: (-p[0], p[1])) if i == 0 else found[0]
        end = sheet.extent(pos)
        top, cols = end[0] + 1, (pos[1], end[1])
    if cols[0] != cols[1]:
        return "column %r is not a single column" % column
    kind, value = sheet.cells.get((row, cols[0]), ("blank", ""))
    try:
        number = float(expected)
    except ValueError:
        number = None
    if expected == "":
        ok = kind == "blank"
    elif number is not None:
        ok = kind == "n" and abs(value - number) < 1e-9
    else:
        ok = kind == "s" and value == expected
    return None if ok else "%s/%s: got %s %r, want %r" % (row_label, column, kind, value, expected)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--sheets")
    parser.add_argument("--value", nargs=4, action="append", default=[])
    parser.add_argument("--merge", nargs=4, action="append", default=[])
    parser.add_argument("--meta", nargs=2, action="append", default=[])
    args = parser.parse_args()
    names, sheets = load(args.file)
    failures = []
    if args.sheets is not None and names != args.sheets.split(","):
        failures.append("sheets %r, want %r" % (names, args.sheets))
    # Excel reports a damaged file when merged ranges overlap.
    for name, sheet in sheets.items():
        for i, a in enumerate(sheet.merges):
            for b in sheet.merges[i + 1:]:
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                    failures.append("%s: merged ranges %r and %r overlap" % (name, a, b))
    for sheet, row, column, expected in args.value:
        if sheet not in sheets:
            failures.append("no sheet %r" % sheet)
            continue
        failure = check_value(sheets[sheet], row, column, expected)
        if failure:
            failures.append("%s: %s" % (sheet, failure))
    for sheet, text, rows, cols in args.merge:
        merges = [m for m in sheets[sheet].merges if sheets[sheet].text_at(m[:2]) == text] \
            if sheet in sheets else []
        if not any(m[2] - m[0] + 1 == int(rows) and m[3] - m[1] + 1 == int(cols) for m in merges):
            failures.append("%s: no merged %sx%s range %r (found %r)" % (sheet, rows, cols, text,
                                                                          merges))
    for label, expected in args.meta:
        meta = sheets.get("基本信息")
        found = meta.find(label) if meta else []
        got = meta.text_at((found[0][0], found[0][1] + 1)) if found else None
        if got != expected:
            failures.append("基本信息 %s: got %r, want %r" % (label, got, expected))
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
