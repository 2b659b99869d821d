"""PDF → text for revised documents an administrator drops into corpus/sources/.

Tables are kept as tab-separated rows, the way the published text extractions
lay them out, so the same parsers read both.
"""

from __future__ import annotations

from pathlib import Path

from corpus.models import CorpusError


def pdf_to_text(path: Path) -> str:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    pages: list[str] = []
    try:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                pages.append(_page_text(page))
    except (PDFSyntaxError, ValueError) as error:
        raise CorpusError(path.name, None, f"PDF を読めません: {error}") from None
    return "\n\n".join(pages).translate(_GLYPH_FIXES)


# pdfminer maps the em-dash glyph of Adobe-Japan1 CID fonts (the "—" 位置づけ mark) to U+0336
# COMBINING LONG STROKE OVERLAY, which no Japanese document means; give the dash back.
_GLYPH_FIXES = str.maketrans({"\u0336": "\u2014"})


def _page_text(page) -> str:
    tables = page.find_tables()
    if not tables:
        return page.extract_text() or ""
    # Text outside the tables, then each table as tab-separated rows, in page order.
    parts: list[tuple[float, str]] = []
    outside = page
    for table in tables:
        outside = outside.outside_bbox(table.bbox)
        rows = ["\t".join(_cell(cell) for cell in row) for row in table.extract()]
        # Blank lines around a table, as in the published text: the parsers read a line right
        # after a row as that row's wrapped cell.
        parts.append((table.bbox[1], "\n" + "\n".join(rows) + "\n"))
    for line in (outside.extract_text_lines() or []):
        parts.append((line["top"], line["text"]))
    return "\n".join(text for _, text in sorted(parts, key=lambda part: part[0]))


def _cell(cell: str | None) -> str:
    return " ".join((cell or "").split())
