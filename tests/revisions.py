"""Revised copies of the city's documents for the re-index tests (helpers, not tests).

The regional welfare plan (003) is revised the way a new edition would be: a row
added (1-1-1-20), a row renamed (1-1-1-12) and a department changed (1-2-3-7).
``write_pdf`` lays a text out as a PDF (tab rows as ruled tables, Japanese through
reportlab's built-in CID font, no font file needed) so the loader's PDF path is
exercised with the same content.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLAN = "003_673cbd13f1af084c.txt"

NEW_CODE = "1-1-1-20"
NEW_TITLE = "ビーチクリーン見守り隊の育成支援"
NEW_DEPARTMENT = "地域のつながり課"
RENAMED_CODE = "1-1-1-12"
OLD_NAME = "鎌倉市わんわんパトロールの実施と啓発"
NEW_NAME = "鎌倉市わんわんパトロールの実施と周知"
MOVED_CODE = "1-2-3-7"
OLD_DEPARTMENT = "障害福祉課"
MOVED_TO = "福祉総務課"


def copy_corpus(target: Path) -> Path:
    """The repository's corpus (sources, curated, reference) copied to ``target``."""
    for part in ("sources", "curated", "reference"):
        shutil.copytree(REPO / "corpus" / part, target / part)
    return target


def plan_text() -> str:
    return (REPO / "corpus" / "sources" / PLAN).read_text(encoding="utf-8")


def _replace_line(lines: list[str], start: str, new: str) -> None:
    found = [i for i, line in enumerate(lines) if line.startswith(start)]
    assert len(found) == 1, f"{start!r} found {len(found)} times"
    lines[found[0]] = new


def revised_plan() -> str:
    lines = plan_text().split("\n")
    last = next(i for i, line in enumerate(lines) if line.startswith("1-1-1-19\t"))
    lines.insert(last + 1, f"{NEW_CODE}\t{NEW_TITLE}\t{NEW_DEPARTMENT}\t■")
    _replace_line(lines, f"{RENAMED_CODE}\t", f"{RENAMED_CODE}\t{NEW_NAME}\t地域のつながり課\t■")
    moved = next(line for line in lines if line.startswith(f"{MOVED_CODE}\t"))
    _replace_line(lines, f"{MOVED_CODE}\t", moved.replace(f"\t{OLD_DEPARTMENT}\t", f"\t{MOVED_TO}\t"))
    return "\n".join(lines)


def truncated_plan() -> str:
    """The plan cut off in the middle of chapter 5 (a botched upload)."""
    lines = plan_text().split("\n")
    cut = next(i for i, line in enumerate(lines) if line.startswith("1-2-3-7\t"))
    return "\n".join(lines[:cut])


def add_revision(corpus_dir: Path, name: str, content: str | bytes) -> Path:
    """Drop a newer revision beside the original (newer file time, so the loader prefers it)."""
    path = corpus_dir / "sources" / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    original = (corpus_dir / "sources" / PLAN).stat().st_mtime
    os.utime(path, (original + 60, original + 60))
    return path


def write_pdf(text: str, path: Path) -> Path:
    """Tab-separated lines become ruled tables, other lines paragraphs; a wide page keeps lines unwrapped."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "HeiseiKakuGo-W5"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    style = ParagraphStyle("ja", fontName=font, fontSize=6, leading=8, wordWrap="CJK")
    flow: list = []
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            width = max(len(r) for r in rows)
            table = Table([r + [""] * (width - len(r)) for r in rows], hAlign="LEFT")
            table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 6),
                                       ("GRID", (0, 0), (-1, -1), 0.3, colors.black)]))
            flow.append(table)
            rows.clear()

    for line in text.split("\n"):
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        flush()
        flow.append(Paragraph(escape(line), style) if line.strip() else Spacer(1, 4))
    flush()
    SimpleDocTemplate(str(path), pagesize=(2000, 1400), leftMargin=20, rightMargin=20, topMargin=20,
                      bottomMargin=20).build(flow)
    return path
