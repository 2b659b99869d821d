"""Chunk source texts into passages for free search.

Typed records answer most questions; passages catch the rest (a sentence in
the minutes, a paragraph of the plan's background) so a search can still point
at the right document and line.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from corpus.models import Passage, Source

MIN_CHARS = 60  # short lines (headings, table cells) are joined with what follows
MAX_CHARS = 320  # a passage a person can read on a phone


def _clean(line: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", line)).strip()


def _title(text: str) -> str:
    for line in text.splitlines():
        if cleaned := _clean(line):
            return cleaned[:60]
    return ""


def _chunks(text: str):
    """(first line number, joined text) of each run of lines between blank lines, capped in length."""
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _clean(raw)
        if not line:
            if sum(map(len, buffer)) >= MIN_CHARS:
                yield start, "".join(buffer)
                buffer = []
            continue
        if not buffer:
            start = number
        buffer.append(line)
        if sum(map(len, buffer)) >= MAX_CHARS:
            yield start, "".join(buffer)
            buffer = []
    if buffer:
        yield start, "".join(buffer)


def chunk_passages(texts: dict[str, str]) -> list[Passage]:
    passages: list[Passage] = []
    for document, text in sorted(texts.items()):
        stem, title = Path(document).stem, _title(text)
        for start, body in _chunks(text):
            if len(body) < 8:  # page numbers and stray marks are not passages
                continue
            passages.append(Passage(id=f"passage-{stem}-{start}", source=Source(document=document, line=start),
                                    title=title, text=body))
    return passages
