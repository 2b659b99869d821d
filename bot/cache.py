"""A small answer cache in front of the Assistant.

An answer depends only on the live index version and the question (with its
audience and forced intent), so recent answers can be reused until the index
is swapped. Channels see the same questions again and again (rich-menu and
quick-reply taps, common questions), and one uncached ``ask`` costs tens of
milliseconds of CPU, which would cap a process far below LINE's bursts.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from handlers.answer import Answer


class CachedAssistant:
    """``ask`` answered from a bounded LRU keyed by (index version, text, audience, intent).

    Answers are shared between callers: renderers only read them. Other
    Assistant methods pass through unchanged.
    """

    def __init__(self, assistant, version: Callable[[], str | None], size: int = 2048):
        self._assistant = assistant
        self._version = version
        self._size = size
        self._answers: OrderedDict[tuple, Answer] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def ask(self, text: str, *, audience: str = "citizen", intent: str | None = None) -> Answer:
        key = (self._version(), text, audience, intent)
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
                self.hits += 1
                return answer
            self.misses += 1
        answer = self._assistant.ask(text, audience=audience, intent=intent)
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return answer

    def __getattr__(self, name: str):
        return getattr(self._assistant, name)
