"""Checks of the class report page, for classreport.bats.

  numbers PAGE CSV        the page's tables hold the CSV's numbers
  links PAGE REPORT       every link resolves; REPORT's goes to its feedback file
  screenshot PNG          the plots were drawn: their colours are in the image
"""
import csv
import html.parser
import os
import statistics
import struct
import sys
import urllib.parse
import zlib


class Tables(html.parser.HTMLParser):
    """Rows of cell texts of each table with an id; the hrefs of the page."""

    def __init__(self):
        super().__init__()
        self.tables, self.links, self.table, self.row, self.cell = {}, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "id" in a:
            self.table = self.tables.setdefault(a["id"], [])
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None
        elif tag == "tr" and self.row is not None and self.table is not None:
            self.table.append(self.row)
            self.row = None
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def parse(page):
    t = Tables()
    t.feed(open(page, encoding="utf-8").read())
    return t


def numbers(page, csv_path):
    t = parse(page)
    rows = list(csv.reader(open(csv_path, encoding="utf-8")))
    # The page shows the student's name, not the CSV's submission and id columns.
    drop = [i for i, name in enumerate(rows[0]) if name in ("submission", "id")]
    rows = [[v for i, v in enumerate(r) if i not in drop] for r in rows]
    head, body = rows[0], rows[1:]
    labs = head[1:-3]
    shown = t.tables["student-scores"]
    assert shown[0] == ["student"] + labs + ["total", "max", "note"], shown[0]
    got = sorted(shown[1:])
    want = sorted(body)
    assert got == want, f"students table differs from the CSV:\n{got}\n{want}"
    summary = {r[0].split("-")[0]: r for r in t.tables["lab-summary"][1:]}
    for i, lab in enumerate(labs, start=1):
        scores = [int(r[i]) for r in body]
        lab_max = int(summary[lab][6])
        want_row = [
            str(len(scores)),
            f"{statistics.mean(scores):.1f}",
            f"{statistics.median(scores):.1f}",
            str(sum(s == lab_max for s in scores)),
            str(sum(s == 0 for s in scores)),
        ]
        assert summary[lab][1:6] == want_row, (lab, summary[lab], want_row)
        assert lab_max == int(body[0][-2]) or len(labs) > 1
    fails = t.tables["top-failures"][1:]
    assert fails, "no failing check listed"
    counts = [int(r[2]) for r in fails]
    assert counts == sorted(counts, reverse=True), counts
    assert all(int(r[4]) <= int(r[2]) <= len(body) for r in fails), fails


def links(page, report):
    t = parse(page)
    base = os.path.dirname(page)
    assert t.links, "no links"
    for href in t.links:
        path = os.path.join(base, urllib.parse.unquote(href))
        assert os.path.exists(path), f"{href} does not resolve from {base}"
    assert any(h.endswith(urllib.parse.quote(report) + ".md") for h in t.links), t.links
    assert sum(h.endswith(".json") for h in t.links) >= 1, t.links


def png_pixels(path):
    """RGB(A) pixels of an 8-bit, non-interlaced PNG (what Chromium writes)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    raw, stride, prev, out = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line))
        prev = line
    return w, h, bpp, out


def screenshot(path):
    w, h, bpp, rows = png_pixels(path)
    seen = {}
    for line in rows:
        for x in range(0, len(line), bpp):
            px = line[x : x + 3]
            seen[px] = seen.get(px, 0) + 1
    # the histogram's bars, the heat map's passed and failed cells
    for name, rgb in (("histogram", "4a78c2"), ("passed", "2e9d48"), ("failed", "d93b3b")):
        assert seen.get(bytes.fromhex(rgb), 0) > 50, f"no {name} colour #{rgb} drawn"


if __name__ == "__main__":
    {"numbers": numbers, "links": links, "screenshot": screenshot}[sys.argv[1]](*sys.argv[2:])
