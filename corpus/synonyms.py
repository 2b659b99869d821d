"""Curated domain vocabulary (corpus/curated/synonyms.yaml): how people talk → how the plan talks.

Handlers use it for query expansion (handlers/vocabulary.py): 「家賃が払えない」 also searches
住居確保給付金. Matching is done on a folded form (NFKC, lower case, hiragana → katakana) so that
「けあらー」 meets 「ケアラー」 and full-width text meets half-width.

A ``say`` phrase written ``中学生|高校生+介護|世話`` is told by two things together: one word of each
``+`` part (``|`` separates alternatives) anywhere in the question — a pupil who cares for someone is a
young carer, though neither word alone says so.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jaconv
import yaml

from corpus.models import CorpusError

SYNONYMS_FILE = "synonyms.yaml"
DEFAULT_PATH = Path(__file__).parent / "curated" / SYNONYMS_FILE


TOGETHER = "+"
ANY = "|"


@dataclass(frozen=True)
class Synonym:
    say: tuple[str, ...]  # how people put it
    plan: tuple[str, ...]  # how the documents put it
    why: str  # a real phrasing that motivated the entry
    line: int  # 1-based line of the entry in synonyms.yaml
    # Phrases told by two things together: per phrase, per part, the alternative words.
    together: tuple[tuple[tuple[str, ...], ...], ...] = ()


def synonym(say, plan, why: str, line: int) -> Synonym:
    """An entry from the file's ``say`` list: plain phrases, and ``a|b+c|d`` phrases split into parts."""
    plain, together = [], []
    for phrase in (str(s) for s in say):
        if TOGETHER not in phrase:
            plain.append(phrase)
            continue
        parts = tuple(tuple(alt.strip() for alt in part.split(ANY)) for part in phrase.split(TOGETHER))
        if len(parts) < 2 or not all(all(part) for part in parts):  # 「介護+」「a||b+c」: a typo, not a rule
            raise ValueError(f"「{phrase}」: every part of a {TOGETHER} phrase and every {ANY} alternative needs a word")
        together.append(parts)
    return Synonym(say=tuple(plain), plan=tuple(str(p) for p in plan), why=str(why), line=line,
                   together=tuple(together))


def fold(text: str) -> str:
    return jaconv.hira2kata(unicodedata.normalize("NFKC", text or "").lower())


def _entry_lines(text: str) -> list[int]:
    """Line numbers of the top-level ``- say:`` items, in order."""
    return [i for i, line in enumerate(text.splitlines(), start=1) if line.startswith("- ")]


def load_synonyms(path: str | Path | None = None) -> list[Synonym]:
    path = Path(path) if path else DEFAULT_PATH
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or []
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise CorpusError(path.name, mark.line + 1 if mark else None, f"invalid YAML: {error}") from error
    lines = _entry_lines(text)
    entries = []
    for i, item in enumerate(data):
        line = lines[i] if i < len(lines) else 1
        if not isinstance(item, dict) or not item.get("say") or not item.get("plan") or not item.get("why"):
            raise CorpusError(path.name, line, "each entry needs say, plan and why")
        try:
            entries.append(synonym(item["say"], item["plan"], item["why"], line))
        except ValueError as error:
            raise CorpusError(path.name, line, str(error)) from error
    return entries


@lru_cache(maxsize=4)
def _default() -> tuple[Synonym, ...]:
    return tuple(load_synonyms())


_PARTICLE = re.compile(r"(?<=[\u3400-\u9fffァ-ヺー])[にへを](?=[\u3400-\u9fffぁ-ゖ])")


def _variants(phrase: str) -> list[str]:
    """A phrase, its continuative form (払えない → 払えなく, 遅い → 遅く: 「言葉が遅くて心配」), its form of a
    state so far (行けない → 行けてない) and the same without the particle people drop when they talk or type
    fast (学校に行かない → 学校行かない, お金を借り → お金借り)."""
    out = [phrase]
    dropped = _PARTICLE.sub("", phrase, count=1)
    if dropped != phrase and len(dropped) >= 3:
        out.append(dropped)
    for form in list(out):
        if form.endswith("ない") and len(form) >= 4:
            out.append(form[:-2] + "てない")  # the state so far: 学校に行けない → 学校に行けてない, 払えてない
        if form.endswith("い") and len(form) >= 3:
            out.append(form[:-1] + "く")
    return out


def stands_at(folded: str, start: int, key: str) -> bool:
    """Whether ``key`` found at ``start`` is the phrase itself: one that starts with a digit (2歳) not where
    a digit comes before it (22歳 holds no 2歳)."""
    return not (key[:1].isdigit() and start > 0 and folded[start - 1].isdigit())


def holds(folded: str, key: str) -> bool:
    """Whether the folded text holds a phrase (see stands_at)."""
    start = folded.find(key)
    while start >= 0:
        if stands_at(folded, start, key):
            return True
        start = folded.find(key, start + 1)
    return False


def _words(folded: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in folded).split())


def _ascii_hit(key: str, folded: str) -> bool:
    """Whole-word match for ASCII phrases (dv, carer), allowing a plural s (carers)."""
    return _ascii_pattern(_words(key)).search(_words(folded)) is not None


@lru_cache(maxsize=4096)
def _ascii_pattern(key: str) -> re.Pattern:
    return re.compile(rf"(?<![a-z0-9]){re.escape(key)}s?(?![a-z0-9])")


@lru_cache(maxsize=1024)
def _keys(entry: Synonym) -> tuple[tuple[re.Pattern, ...], tuple[str, ...]]:
    """An entry's say phrases, folded once: ASCII ones as whole-word patterns, the others with their variants."""
    patterns, keys = [], []
    for phrase in entry.say:
        key = fold(phrase)
        if key.isascii():
            patterns.append(_ascii_pattern(_words(key)))  # the text's own word view: can't → can t
        else:
            keys.extend(fold(v) for v in _variants(phrase))
    return tuple(patterns), tuple(keys)


def matches(text: str, synonyms: list[Synonym] | tuple[Synonym, ...] | None = None) -> list[Synonym]:
    """Entries one of whose ``say`` phrases occurs in ``text``.

    Only the people's phrases trigger an entry: a plan word already in the question
    needs no expansion, and expanding from it would drift to its neighbours.
    """
    synonyms = _default() if synonyms is None else synonyms
    folded = fold(text)
    words: str | None = None  # the ASCII word view, made only when an entry has an ASCII phrase
    found = []
    for entry in synonyms:
        patterns, keys = _keys(entry)
        if any(holds(folded, key) for key in keys):
            found.append(entry)
            continue
        if patterns:
            if words is None:
                words = _words(folded)
            if any(p.search(words) for p in patterns):
                found.append(entry)
    return found
