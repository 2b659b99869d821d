"""Small helpers shared by the parsers."""

from __future__ import annotations

import unicodedata

ERA_START = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}


def western_year(era: str, year: str | int) -> int:
    """令和2 → 2020. ``year`` may be 元 (first year) or a digit string in any width."""
    if isinstance(year, str):
        year = 1 if year.strip() == "元" else int(unicodedata.normalize("NFKC", year))
    return ERA_START[era] + year


def normalize_parens(text: str) -> str:
    """Half-width parentheses become full-width, as the sources mostly write them."""
    return text.replace("(", "（").replace(")", "）")
