#!/usr/bin/python3
"""Generate the Word/PDF fixtures in tests/testdata/files/.

For each sample report in tests/testdata/samples/ (<name>.txt + <name>.tsv) this makes:

  <name>.docx          the report as an office would publish it in Word: title, the six
                       section headings of the official template with a short narrative each,
                       and tables 二/三/四 in the official layout of the report's edition
                       (2019: 国办公开办函〔2019〕60号, 2021: 国办公开办函〔2021〕30号), with merged
                       header/label cells (w:gridSpan, w:vMerge) and 'Table Grid' borders.
  <name>.pdf           the .docx converted by LibreOffice (soffice --headless).
  <name>.expected.tsv  the cells the file must parse to: the sample's .tsv with every `?`
                       replaced by the concrete value written into the document.

Money is written the way the samples publish it (unit in the cell where the sample has it).
One report, 2021_pref_pingtan, states its fee (本年收费金额) in 元 instead of 万元: the column
header says （单位：元） and the value is the 万元 value x 10000; its expected value stays in 万元.

Error-case fixtures:

  corrupt.docx         a valid .docx truncated to half its bytes.
  not_a_report.docx    a valid .docx with one paragraph of unrelated text.
  encrypted.pdf        one of the PDFs encrypted with user password "secret" (qpdf, AES-256).
  legacy.doc           one report converted to Word 97 .doc by LibreOffice.

Pictures of tables (OCR):

  2023_street_guanzhou-haizhu.png  the report's PDF drawn at 150 dpi in grey, pages stacked
                                   into one long picture (a page pasted as an image).
  2021_pref_pingtan.scan.pdf       the report's pages as pictures in a PDF without text.
  ocr_rule_broken.png              the first with table 三 row 一's 总计 redrawn as 2 (R3 broken).

Word structures:

  structures.docx      2022_dept-zone_gaoxin-shehuifazhanju with its title in a text box and
                       table 三 nested in a one-cell layout table.

Requirements: python3-docx, LibreOffice (soffice), qpdf, poppler-utils (pdftotext, pdftoppm),
python3-pil, img2pdf, fonts-dejavu-core.
Run from the repository root:

    /usr/bin/python3 tests/testdata/files/make_fixtures.py

The .docx files are byte-for-byte deterministic (fixed core-property dates, fixed zip entry
timestamps). The PDFs get fixed Info dates and a deterministic /ID via qpdf, and so are
reproducible with the same LibreOffice version and fonts; legacy.doc was reproducible too.
encrypted.pdf is not deterministic (qpdf uses a random salt for AES-256).
"""

import datetime
import io
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SAMPLES = REPO / "tests" / "testdata" / "samples"
OUT = HERE

# Fixed date used for zip entries and PDF metadata.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
PDF_DATE = b"D:20240101000000"

SECTIONS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]

FORMAT_DOCS = {
    "2019": "《中华人民共和国政府信息公开工作年度报告格式（试行）》（国办公开办函〔2019〕60号）",
    "2021": "《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）",
}

# Per-sample settings.
#   title:  taken from the sample text where it has one, else a plausible one.
#   body:   how the body refers to itself in the narrative.
#   fill:   concrete values for the sample's `?` cells, keyed by (table, row, column).
#   money:  how a non-zero money cell is written, keyed by column label:
#           "cell_wan" -> "<v>（万元）" in the cell, "cell_yuan" -> "<v*10000>元" in the cell,
#           "header_yuan" -> column header says （单位：元）, cell holds v*10000.
SAMPLE_SETTINGS = {
    "2019_prov_shanghai-szfbgt": {
        "title": "2019年上海市人民政府办公厅政府信息公开工作年度报告",
        "body": "上海市人民政府办公厅",
        "money": {"采购总金额": "cell_yuan"},  # the sample publishes "251000元"
    },
    "2019_town_yishi": {
        "title": "一市镇2019年政府信息工作年度报告",  # sic, as published
        "body": "一市镇人民政府",
        "money": {"采购总金额": "cell_wan"},  # the sample publishes "93.8605（万元）"
    },
    "2020_town_liangcheng-weishan": {
        "title": "微山县两城镇人民政府2020年政府信息公开工作年度报告",
        "body": "两城镇人民政府",
    },
    "2021_pref_pingtan": {
        "title": "平潭综合实验区2021年度政府信息公开工作年度报告",
        "body": "平潭综合实验区",
        # The text flattens this row to "693665"; 69 / 36 / 65 is one of its splits.
        "fill": {
            ("二", "第二十条第（一）项/行政规范性文件", "本年制发件数"): "69",
            ("二", "第二十条第（一）项/行政规范性文件", "本年废止件数"): "36",
            ("二", "第二十条第（一）项/行政规范性文件", "现行有效件数"): "65",
        },
        "money": {"本年收费金额（单位：万元）": "header_yuan"},
    },
    "2022_dept-zone_gaoxin-shehuifazhanju": {
        "title": "高新区社会发展局2022年政府信息公开工作年度报告",
        "body": "高新区社会发展局",
    },
    "2023_street_guanzhou-haizhu": {
        "title": "海珠区官洲街道办事处2023年政府信息公开工作年度报告",
        "body": "官洲街道办事处",
    },
}

BODY_FONT_PT = 10.5  # 五号
TABLE_FONT_PT = 9  # 小五 (approximately)


# ---------------------------------------------------------------------------
# Reading the samples


def read_tsv(path):
    """Return (header_line, rows) where rows are [table, row, column, value] lists."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = lines[0]
    rows = [line.split("\t") for line in lines[1:]]
    for r in rows:
        if len(r) != 4:
            raise ValueError(f"{path}: bad line {r!r}")
    return header, rows


def resolve_uncertain(name, rows):
    """Replace `?` values with the configured concrete values."""
    fill = SAMPLE_SETTINGS[name].get("fill", {})
    out = []
    for t, r, c, v in rows:
        if v == "?":
            key = (t, r, c)
            if key not in fill:
                raise ValueError(f"{name}: no concrete value configured for ? cell {key}")
            v = fill[key]
        out.append([t, r, c, v])
    unused = set(fill) - {(t, r, c) for t, r, c, _ in rows}
    if unused:
        raise ValueError(f"{name}: fill keys not in tsv: {unused}")
    return out


def check_rules(name, rows):
    """Check R1-R4 (blank counts as 0 when its side has a filled cell) on the resolved cells."""
    cells = {(t, r, c): v for t, r, c, v in rows}

    def side(keys):
        vals = [cells[k] for k in keys]
        if all(v == "" for v in vals):
            return None
        return sum(int(v) for v in vals if v != "")

    def eq(rule, left, right):
        a, b = side(left), side(right)
        if a is not None and b is not None and a != b:
            print(f"  note: {name} breaks {rule}: {a} != {b} ({left[0][1]}...)")

    t3 = [(r, c) for t, r, c, _ in rows if t == "三"]
    rows3 = list(dict.fromkeys(r for r, _ in t3))
    cols3 = list(dict.fromkeys(c for _, c in t3))
    if rows3:
        result_items = [r for r in rows3 if r.startswith("三、") and "（七）总计" not in r]
        total = "三、本年度办理结果/（七）总计"
        for c in cols3:
            eq("R1", [("三", rows3[0], c), ("三", rows3[1], c)],
               [("三", total, c), ("三", rows3[-1], c)])
            eq("R2", [("三", r, c) for r in result_items], [("三", total, c)])
        for r in rows3:
            eq("R3", [("三", r, c) for c in cols3[:-1]], [("三", r, cols3[-1])])
    for r in ("行政复议", "行政诉讼/未经复议直接起诉", "行政诉讼/复议后起诉"):
        parts = [("四", r, c) for c in ("结果维持", "结果纠正", "其他结果", "尚未审结")]
        if all(k in cells for k in parts):
            eq("R4", parts, [("四", r, "总计")])


# ---------------------------------------------------------------------------
# Values


def fmt_decimal(d):
    """Plain decimal string, no exponent, trailing zeros trimmed."""
    s = format(d.normalize(), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def cell_text(value, column, money):
    """Text written into a value cell for a tsv value."""
    if value == "":
        return ""
    mode = money.get(column)
    if mode is None or Decimal(value) == 0:
        return value
    if mode == "cell_wan":
        return f"{value}（万元）"
    if mode == "cell_yuan":
        return fmt_decimal(Decimal(value) * 10000) + "元"
    if mode == "header_yuan":
        return fmt_decimal(Decimal(value) * 10000)
    raise ValueError(mode)


def header_text(column, money):
    if money.get(column) == "header_yuan":
        return column.replace("（单位：万元）", "（单位：元）")
    return column


# ---------------------------------------------------------------------------
# docx helpers


def set_cell(cell, text, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER):
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p.alignment = align
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.space_after = Pt(0)
    if text:
        run = p.add_run(text)
        run.font.size = Pt(TABLE_FONT_PT)
        run.bold = bold


def new_table(doc, nrows, widths_cm):
    table = doc.add_table(rows=nrows, cols=len(widths_cm))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Tables may break across pages between rows, but a row never splits (w:cantSplit), so
    # no label or value is cut in half by a page break in the PDF.
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for i, w in enumerate(widths_cm):
        table.columns[i].width = Cm(w)
        for cell in table.columns[i].cells:
            cell.width = Cm(w)
    return table


def merge(table, r0, c0, r1, c1):
    a = table.cell(r0, c0)
    if (r0, c0) == (r1, c1):
        return a
    return a.merge(table.cell(r1, c1))


def add_paragraph(doc, text, bold=False, center=False, size=BODY_FONT_PT, indent=True):
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    return p


def set_east_asian_font(doc, name):
    """Give the Normal style an East Asian font name so Word picks a CJK face."""
    rpr = doc.styles["Normal"].element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


# ---------------------------------------------------------------------------
# Tables


def group_rows(rows, table):
    """Ordered {row label: [(column, value), ...]} for one table."""
    out = {}
    for t, r, c, v in rows:
        if t == table:
            out.setdefault(r, []).append((c, v))
    return out


def build_table2(doc, edition, rows, money):
    data = group_rows(rows, "二")
    # Group by clause (第二十条第（X）项), keep order.
    groups = {}
    for label, cells in data.items():
        clause, item = label.split("/")
        groups.setdefault(clause, []).append((item, cells))

    if edition == "2019":
        widths = [4.0, 3.0, 1.5, 1.5, 3.0]  # the 2019 template has 5 grid columns
        spans = {3: [(1, 1), (2, 3), (4, 4)], 2: [(1, 2), (3, 4)]}
    else:
        widths = [4.0, 4.0, 4.0, 4.0]
        spans = {3: [(1, 1), (2, 2), (3, 3)], 1: [(1, 3)]}
    ncols = len(widths)

    nrows = sum(2 + len(items) for items in groups.values())
    table = new_table(doc, nrows, widths)
    r = 0
    for clause, items in groups.items():
        set_cell(merge(table, r, 0, r, ncols - 1), clause, bold=True)
        r += 1
        columns = [c for c, _ in items[0][1]]
        layout = spans[len(columns)]
        set_cell(table.cell(r, 0), "信息内容", bold=True)
        for (c0, c1), col in zip(layout, columns):
            set_cell(merge(table, r, c0, r, c1), header_text(col, money), bold=True)
        r += 1
        for item, cells in items:
            assert [c for c, _ in cells] == columns, (item, cells)
            set_cell(table.cell(r, 0), item, align=WD_ALIGN_PARAGRAPH.LEFT)
            for (c0, c1), (col, v) in zip(layout, cells):
                set_cell(merge(table, r, c0, r, c1), cell_text(v, col, money))
            r += 1
    assert r == nrows


APPLICANT_COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def build_table3(doc, rows, money):
    data = group_rows(rows, "三")
    labels = list(data)
    nlabel = 3
    widths = [1.5, 2.1, 3.3] + [1.3] * 7
    table = new_table(doc, 3 + len(labels), widths)

    # Header: corner (3x3), 申请人情况, 自然人 / 法人或其他组织 / 总计, the five organisation types.
    set_cell(merge(table, 0, 0, 2, 2), CORNER)
    set_cell(merge(table, 0, 3, 0, 9), "申请人情况", bold=True)
    set_cell(merge(table, 1, 3, 2, 3), "自然人", bold=True)
    set_cell(merge(table, 1, 4, 1, 8), "法人或其他组织", bold=True)
    set_cell(merge(table, 1, 9, 2, 9), "总计", bold=True)
    for i, col in enumerate(APPLICANT_COLUMNS[1:6]):
        set_cell(table.cell(2, 4 + i), col, bold=True)

    # Label cells: level i of a path sits in column i; the last level spans to column 2.
    # Consecutive rows sharing a label prefix at the same columns are merged vertically.
    def spans(label):
        parts = label.split("/")
        out = []
        for i, _ in enumerate(parts):
            c1 = nlabel - 1 if i == len(parts) - 1 else i
            out.append((i, c1, tuple(parts[: i + 1])))
        return out

    row_spans = [spans(l) for l in labels]
    for level in range(nlabel):
        i = 0
        while i < len(labels):
            cur = [s for s in row_spans[i] if s[0] == level]
            if not cur:
                i += 1
                continue
            c0, c1, key = cur[0]
            j = i
            while j + 1 < len(labels) and any(s == cur[0] for s in row_spans[j + 1]):
                j += 1
            cell = merge(table, 3 + i, c0, 3 + j, c1)
            set_cell(cell, key[-1], align=WD_ALIGN_PARAGRAPH.CENTER if j > i
                     else WD_ALIGN_PARAGRAPH.LEFT)
            i = j + 1

    for i, label in enumerate(labels):
        cells = data[label]
        assert [c for c, _ in cells] == APPLICANT_COLUMNS, (label, cells)
        for k, (col, v) in enumerate(cells):
            set_cell(table.cell(3 + i, nlabel + k), cell_text(v, col, money))


REVIEW_COLUMNS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
REVIEW_ROWS = ["行政复议", "行政诉讼/未经复议直接起诉", "行政诉讼/复议后起诉"]


def build_table4(doc, rows, money):
    data = group_rows(rows, "四")
    assert list(data) == REVIEW_ROWS, list(data)
    table = new_table(doc, 4, [16.0 / 15] * 15)
    set_cell(merge(table, 0, 0, 0, 4), "行政复议", bold=True)
    set_cell(merge(table, 0, 5, 0, 14), "行政诉讼", bold=True)
    for k, col in enumerate(REVIEW_COLUMNS):
        set_cell(merge(table, 1, k, 2, k), col, bold=True)
    set_cell(merge(table, 1, 5, 1, 9), "未经复议直接起诉", bold=True)
    set_cell(merge(table, 1, 10, 1, 14), "复议后起诉", bold=True)
    for block in range(2):
        for k, col in enumerate(REVIEW_COLUMNS):
            set_cell(table.cell(2, 5 + 5 * block + k), col, bold=True)
    for b, label in enumerate(REVIEW_ROWS):
        cells = data[label]
        assert [c for c, _ in cells] == REVIEW_COLUMNS, (label, cells)
        for k, (col, v) in enumerate(cells):
            set_cell(table.cell(3, 5 * b + k), cell_text(v, col, money))


# ---------------------------------------------------------------------------
# Documents


def fixed_core_properties(doc, title, created):
    cp = doc.core_properties
    cp.title = title
    cp.author = ""
    cp.last_modified_by = ""
    cp.comments = ""
    cp.keywords = ""
    cp.subject = ""
    cp.category = ""
    cp.revision = 1
    cp.created = created
    cp.modified = created
    cp.last_printed = created


def new_document():
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Cm(21.0)
    section.page_height = Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    set_east_asian_font(doc, "宋体")
    return doc


def save_deterministic(doc, path):
    """Save a docx with fixed zip entry timestamps."""
    buf = io.BytesIO()
    doc.save(buf)
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, zin.read(info.filename))
    path.write_bytes(out.getvalue())


def narrative(name, edition, year, rows):
    body = SAMPLE_SETTINGS[name]["body"]
    cells = {(t, r, c): v for t, r, c, v in rows}
    received = cells.get(("三", "一、本年新收政府信息公开申请数量", "总计"), "")
    request_text = (f"本年度共收到政府信息公开申请{received}件，均依法依规予以答复。"
                    if received else "本年度依法依规办理政府信息公开申请。")
    fee_text = ("本年度未收取信息处理费。" if edition == "2021"
                else "本年度无其他需要报告的事项。")
    return {
        "preface": (f"本报告根据《中华人民共和国政府信息公开条例》和{FORMAT_DOCS[edition]}要求编制。"
                    f"本报告所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"),
        SECTIONS[0]: (f"{year}年，{body}认真贯彻落实《中华人民共和国政府信息公开条例》，"
                      f"坚持“以公开为常态、不公开为例外”，持续做好主动公开、依申请公开、"
                      f"政府信息管理、平台建设和监督保障等工作。{request_text}"),
        SECTIONS[1]: "本年度主动公开政府信息情况如下：",
        SECTIONS[2]: "本年度收到和处理政府信息公开申请情况如下：",
        SECTIONS[3]: "本年度政府信息公开行政复议、行政诉讼情况如下：",
        SECTIONS[4]: ("一是政策解读形式不够丰富；二是公开内容的及时性有待提高。下一步将加强业务培训，"
                      "完善发布审核机制，进一步提升政府信息公开工作质量。"),
        SECTIONS[5]: fee_text,
    }


def make_report_docx(name, path):
    settings = SAMPLE_SETTINGS[name]
    _, raw = read_tsv(SAMPLES / f"{name}.tsv")
    rows = resolve_uncertain(name, raw)
    check_rules(name, rows)
    meta = {r: v for t, r, c, v in rows if t == "元数据"}
    edition, year = meta["格式版本"], meta["年度"]
    money = settings.get("money", {})

    doc = new_document()
    add_paragraph(doc, settings["title"], bold=True, center=True, size=16)
    text = narrative(name, edition, year, rows)
    add_paragraph(doc, text["preface"])
    builders = {
        SECTIONS[1]: lambda: build_table2(doc, edition, rows, money),
        SECTIONS[2]: lambda: build_table3(doc, rows, money),
        SECTIONS[3]: lambda: build_table4(doc, rows, money),
    }
    for heading in SECTIONS:
        h = add_paragraph(doc, heading, bold=True, indent=False, size=12)
        h.paragraph_format.space_before = Pt(12)
        add_paragraph(doc, text[heading])
        if heading in builders:
            builders[heading]()
    created = datetime.datetime(int(year) + 1, 1, 20, 9, 0, 0)
    fixed_core_properties(doc, settings["title"], created)
    save_deterministic(doc, path)
    return rows


def write_expected(name, rows, path):
    header, _ = read_tsv(SAMPLES / f"{name}.tsv")
    lines = [header] + ["\t".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_not_a_report(path):
    doc = new_document()
    add_paragraph(doc, "本周六上午九点在社区活动中心举办书法兴趣小组活动，请有意参加的居民提前携带笔墨纸砚，"
                       "活动结束后将评选优秀作品并在宣传栏展示。")
    fixed_core_properties(doc, "书法兴趣小组活动通知", datetime.datetime(2024, 1, 1, 9, 0, 0))
    save_deterministic(doc, path)


# ---------------------------------------------------------------------------
# External tools


def soffice_convert(fmt, files, outdir):
    profile = tempfile.mkdtemp(prefix="lo_profile_")
    try:
        cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
               "--convert-to", fmt, "--outdir", str(outdir)] + [str(f) for f in files]
        proc = subprocess.run(cmd, capture_output=True, timeout=600)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
            raise subprocess.CalledProcessError(proc.returncode, cmd)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def normalize_pdf(path):
    """Blank LibreOffice's Info dates, trailer /DocChecksum and random /ID (same lengths, so
    offsets stay valid), then let qpdf compute a deterministic /ID from the content."""
    data = path.read_bytes()
    data = re.sub(rb"D:\d{14}", PDF_DATE, data)
    data = re.sub(rb"/DocChecksum /[0-9A-F]{32}", b"/DocChecksum /" + b"0" * 32, data)
    data = re.sub(rb"/ID \[\s*<[0-9A-Fa-f]{32}>\s*<[0-9A-Fa-f]{32}>",
                  lambda m: re.sub(rb"[0-9A-Fa-f]{32}", b"0" * 32, m.group(0)), data)
    tmp = path.with_suffix(".tmp.pdf")
    tmp.write_bytes(data)
    subprocess.run(["qpdf", "--deterministic-id", str(tmp), str(path)], check=True)
    tmp.unlink()


def pdftotext(path):
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def check_docx(path):
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "w:gridSpan" in xml and "w:vMerge" in xml, path


def check_pdf(path, title, rows, money):
    """The title, the headings and every value cell's text must be in pdftotext's output."""
    text = pdftotext(path)
    squeezed = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", title) in squeezed, (path, "title")
    for heading in SECTIONS:
        assert heading in squeezed, (path, heading)
    # pdftotext puts a space between a number and a following CJK unit ("251000 元").
    tokens = set(re.sub(r"(?<=\d) +(?=[元（])", "", text).split())
    for t, _, c, v in rows:
        if t != "元数据" and v != "":
            assert cell_text(v, c, money) in tokens, (path, c, v)


# ---------------------------------------------------------------------------


def main():
    for tool in ("soffice", "qpdf", "pdftotext"):
        if shutil.which(tool) is None:
            sys.exit(f"missing tool: {tool}")
    names = sorted(p.stem for p in SAMPLES.glob("*.tsv"))
    assert set(names) == set(SAMPLE_SETTINGS), names

    docx_paths = []
    cells = {}
    for name in names:
        docx_path = OUT / f"{name}.docx"
        rows = make_report_docx(name, docx_path)
        cells[name] = rows
        write_expected(name, rows, OUT / f"{name}.expected.tsv")
        check_docx(docx_path)
        docx_paths.append(docx_path)
        print(f"wrote {docx_path.name}")

    with tempfile.TemporaryDirectory() as tmp:
        soffice_convert("pdf", docx_paths, tmp)
        for name in names:
            src = Path(tmp) / f"{name}.pdf"
            dst = OUT / f"{name}.pdf"
            shutil.move(str(src), dst)
            normalize_pdf(dst)
            check_pdf(dst, SAMPLE_SETTINGS[name]["title"], cells[name],
                      SAMPLE_SETTINGS[name].get("money", {}))
            print(f"wrote {dst.name}")

    # Error cases.
    legacy_source = "2023_street_guanzhou-haizhu"
    data = (OUT / f"{legacy_source}.docx").read_bytes()
    (OUT / "corrupt.docx").write_bytes(data[: len(data) // 2])
    make_not_a_report(OUT / "not_a_report.docx")
    subprocess.run(["qpdf", "--encrypt", "secret", "secret", "256", "--",
                    str(OUT / "2021_pref_pingtan.pdf"), str(OUT / "encrypted.pdf")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        soffice_convert("doc", [OUT / f"{legacy_source}.docx"], tmp)
        shutil.move(str(Path(tmp) / f"{legacy_source}.doc"), OUT / "legacy.doc")
    print("wrote corrupt.docx not_a_report.docx encrypted.pdf legacy.doc")

    # Tables as pictures, for OCR: one report as a single long picture (a page pasted as an
    # image), one as a scanned PDF (pages without a text layer). Both drawn from the PDFs at
    # 150 dpi in grey (pdftoppm), with the PNG metadata fixed so the files are reproducible.
    make_picture("2023_street_guanzhou-haizhu", OUT / "2023_street_guanzhou-haizhu.png")
    make_scan("2021_pref_pingtan", OUT / "2021_pref_pingtan.scan.pdf")
    make_broken_picture(OUT / "2023_street_guanzhou-haizhu.png", OUT / "ocr_rule_broken.png")
    make_structures("2022_dept-zone_gaoxin-shehuifazhanju", OUT / "structures.docx")
    print("wrote 2023_street_guanzhou-haizhu.png 2021_pref_pingtan.scan.pdf ocr_rule_broken.png")


def make_structures(name, path):
    """The report with the Word structures offices use around the template: the title in a
    text box (VML w:pict / v:textbox / w:txbxContent, as Word writes for compatibility), and
    table 三 nested in the cell of a one-cell layout table. It must parse as the report does."""
    make_report_docx(name, path)
    doc = Document(str(path))
    body = doc.element.body
    # The title paragraph's runs go into a text box anchored in an empty paragraph.
    title = body.findall(qn("w:p"))[0]
    box_paragraph = OxmlElement("w:p")
    for run in title.findall(qn("w:r")):
        box_paragraph.append(run)
    run = OxmlElement("w:r")
    pict = OxmlElement("w:pict")
    from lxml import etree
    vml = "urn:schemas-microsoft-com:vml"
    shape = etree.SubElement(pict, f"{{{vml}}}shape", nsmap={"v": vml})
    shape.set("style", "width:400pt;height:30pt")
    textbox = etree.SubElement(shape, f"{{{vml}}}textbox")
    content = OxmlElement("w:txbxContent")
    content.append(box_paragraph)
    textbox.append(content)
    run.append(pict)
    title.append(run)
    # Table 三 (the second table) into the single cell of an outer table.
    inner = body.findall(qn("w:tbl"))[1]
    outer = doc.add_table(rows=1, cols=1)._tbl
    inner.addprevious(outer)
    cell = outer.find(qn("w:tr")).find(qn("w:tc"))
    cell.append(inner)
    cell.append(OxmlElement("w:p"))  # a cell ends with a paragraph
    save_deterministic(doc, path)


def make_broken_picture(source, path):
    """The picture with table 三 row 一's 总计 changed from 1 to 2 (a misprint or a misread
    digit): R3 no longer holds, so OCR must leave the row's cells uncertain."""
    from PIL import Image, ImageDraw, ImageFont
    picture = Image.open(source)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((1040, 1165, 1068, 1183), fill=255)  # inside the cell, rules untouched
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 19)
    draw.text((1048, 1162), "2", font=font, fill=0)
    picture.save(path, dpi=(150, 150), optimize=True)


def page_pictures(name, tmp, dpi=150):
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(OUT / f"{name}.pdf"),
                    str(Path(tmp) / "page")], check=True)
    return sorted(Path(tmp).glob("page-*.png"))


def make_picture(name, path):
    from PIL import Image  # python3-pil
    with tempfile.TemporaryDirectory() as tmp:
        pages = [Image.open(p) for p in page_pictures(name, tmp)]
        tall = Image.new("L", (pages[0].width, sum(p.height for p in pages)), 255)
        y = 0
        for page in pages:
            tall.paste(page, (0, y))
            y += page.height
        tall.save(path, dpi=(150, 150), optimize=True)


def make_scan(name, path):
    with tempfile.TemporaryDirectory() as tmp:
        pages = page_pictures(name, tmp)
        # img2pdf wraps the PNGs without re-encoding; no dates, so the output is stable.
        subprocess.run(["img2pdf", "--nodate", "-o", str(path)] + [str(p) for p in pages],
                       check=True)


if __name__ == "__main__":
    main()
