"""Questions written in kana only (かけいがくるしい): the curated vocabulary is matched by its reading too.

People on phones often leave a question unconverted. The synonyms file spells its phrases in
kanji (家計, 借金), so a kana question misses every entry; comparing the phrases' readings
(カケイ, シャッキン) restores the same expansion a kanji question gets.
"""

from __future__ import annotations

import re
from functools import lru_cache

from handlers.understand import fold, reading_of

KANJI_RE = re.compile(r"[\u3400-\u9fff]")
KANA_RE = re.compile(r"[ぁ-ゖァ-ヺ]{3,}")
MIN_READING = 3  # shorter readings (イエ, コ) turn up inside unrelated words
MIXED_RUN_RE = re.compile(r"[ぁ-ゖー]{5,}")  # a hiragana run long enough to be a word left unconverted
MIXED_READING = 5  # in text that also has kanji, only readings this long count (ヨウカイゴ, カイゴニンテイ)


@lru_cache(maxsize=8)
def _readings(synonyms: tuple) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(reading of a kanji ``say`` phrase, plan terms), for every entry; made once per vocabulary."""
    out = []
    for entry in synonyms:
        for phrase in entry.say:
            if KANJI_RE.search(phrase) and len(key := reading_of(phrase)) >= MIN_READING:
                # The phrase itself too: routing keywords (介護認定) are spelled as people say them.
                out.append((key, tuple(dict.fromkeys([*entry.plan, phrase]))))
    return tuple(out)


def kana_terms(text: str, synonyms) -> tuple[str, ...]:
    """Plan terms for a kana-only question whose words are the readings of curated phrases."""
    if not KANA_RE.search(text):
        return ()
    if KANJI_RE.search(text):
        # 「ようかいごにんていの申請」: a phrase left in kana beside kanji words. Only long hiragana runs and
        # long readings, so grammar (していただけ) does not meet a short reading by chance.
        runs = [fold(r) for r in MIXED_RUN_RE.findall(text)]
        if not runs:
            return ()
        keys = [(key, plan) for key, plan in _readings(tuple(synonyms)) if len(key) >= MIXED_READING]
        return tuple(dict.fromkeys(t for key, plan in keys if any(key in r for r in runs)
                                   for t in plan if fold(t) not in fold(text)))
    folded = fold(text)
    terms: list[str] = []
    for key, plan in _readings(tuple(synonyms)):
        if key in folded:
            terms.extend(t for t in plan if t not in terms and fold(t) not in folded)
    return tuple(terms)
