"""Several troubles at once (介護 + 借金 + 不登校): the one-stop window first, the specialised ones after it.

A question that touches many rows of the routing table has no single specialist; the
city's one-stop window (くらしと福祉の相談窓口) exists for exactly that case, so it leads.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING

from handlers.understand import fold

if TYPE_CHECKING:
    from handlers.assistant import Assistant

MANY = 3  # distinct troubles (routing rows with different first windows) that make a question "several at once"


_MATCHERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _matcher(assistant: Assistant) -> tuple[re.Pattern | None, dict[str, tuple[str, ...]]]:
    """One pattern for every routing keyword variant (made once per vocabulary: each index version has its
    own routing table) and variant → first windows.

    A lookahead finds a keyword at every position, so 「子どもの不登校」 yields both 子ども and 不登校."""
    vocabulary = assistant.vocabulary
    if vocabulary not in _MATCHERS:
        first_of: dict[str, tuple[str, ...]] = {}
        for route, keys in zip(vocabulary.routes, vocabulary.route_keys, strict=True):
            for _, variants in keys:
                for v in variants:
                    if v:
                        first_of.setdefault(v, tuple(route.first))
        alternation = "|".join(map(re.escape, sorted(first_of, key=len, reverse=True)))
        _MATCHERS[vocabulary] = (re.compile(f"(?=({alternation}))") if alternation else None, first_of)
    return _MATCHERS[vocabulary]


def troubles(assistant: Assistant, u) -> int:
    """How many different troubles the question names: routing rows matched, counted by their first windows."""
    pattern, first_of = _matcher(assistant)
    if pattern is None:
        return 0
    text = fold(u.text)  # as written: the plan words a synonym adds would count one trouble twice
    return len({first_of[m] for m in pattern.findall(text)})


# 「何から相談したらいいのか」「どこから手をつければ」: overwhelmed by more than one thing at once.
OVERWHELMED_RE = re.compile(r"(?:何|なに)から(?:相談|手を|話|始め|はじめ|どう)|どこから(?:相談|手を|話)")
# 「クビになるし、貯金も底をついたし、…」: troubles listed clause after clause with 〜し.
LISTED_RE = re.compile(r"(?<=[るたいだ])し(?=[、,\s]|[一-龥ぁ-ゖァ-ヺ])(?!て|た|ま|ょ|ゃ|ゅ|い|か|な)")


def many_troubles(assistant: Assistant, u) -> bool:
    if OVERWHELMED_RE.search(u.text) or len(LISTED_RE.findall(u.text)) >= MANY - 1:
        return True
    return troubles(assistant, u) >= MANY


def one_stop_first(assistant: Assistant, searcher, u, windows: list) -> list:
    """``windows`` ((window, value, confident) best first) with the one-stop window moved to the front
    when the question names several troubles at once."""
    if not many_troubles(assistant, u):
        return windows
    one_stop = assistant._one_stop(searcher)
    if one_stop is None:
        return windows
    rest = [w for w in windows if w[0].id != one_stop.id]
    top = windows[0][1] if windows else 1.0
    return [(one_stop, top + 1.0, True), *[(w, v, True) for w, v, _ in rest[:2]], *rest[2:]]
