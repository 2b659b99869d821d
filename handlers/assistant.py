"""Channel-free question answering: text in, ``Answer`` out.

This is the only handlers API channels use:

    assistant = Assistant(searcher=live.current)   # a callable returning the live index.search.Searcher
    assistant.ask("公約15の進捗は？")                  # -> Answer
    assistant.ask("手話通訳", intent="who_handles")    # a channel command may force the intent
    assistant.department_page("障害福祉課")            # -> Answer (its initiatives grouped by goal)
    assistant.window_page("window-kirakira")           # -> Answer (one window in full)
    assistant.record("initiative-1-2-3-7")             # -> Result | None

``audience`` is "citizen" (short, kind; LINE) or "staff" (exact codes and
departments; Telegram, web console). Never raises on odd input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from handlers.answer import Answer, Intent, Result

Audience = Literal["citizen", "staff"]


class Assistant:
    def __init__(self, searcher: Callable[[], object]):
        self._searcher = searcher

    def ask(self, text: str, *, audience: Audience = "citizen", intent: Intent | None = None) -> Answer:
        raise NotImplementedError

    def department_page(self, name: str) -> Answer:
        raise NotImplementedError

    def window_page(self, window_id: str) -> Answer:
        raise NotImplementedError

    def record(self, record_id: str) -> Result | None:
        raise NotImplementedError
