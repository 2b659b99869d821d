"""A bound on the answers a channel has accepted but not yet sent.

Webhooks are acknowledged at once and answered in the background, so when
events arrive faster than the process answers them the backlog of pending
answers would grow without limit: memory climbs, every answer comes later, and
LINE reply tokens (valid about a minute) expire. Past ``limit`` pending answers
a webhook is refused with 503 before any work is done; LINE (with redelivery
on) and Telegram send it again later, and the event-id de-duplication in
``bot.db`` makes the retry answered once. The counter lives on the event loop
(admit/release are called from it only), so it needs no lock.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import Response

log = logging.getLogger(__name__)

# Reply tokens are valid for about a minute after LINE sends the webhook.
REPLY_TOKEN_LIFETIME = 60.0
# Measured with scripts/bench_line.py: one process answers ~200 events/s (165-210/s on 2 cores).
MEASURED_EVENTS_PER_SECOND = 200
# The default bound: 5 s of work at the measured rate. 60 s x 200/s = 12,000 pending answers is the hard
# ceiling (past it the last one's reply token has expired); we keep far below it because a bigger backlog
# only makes every answer later and the process slower: at 300/s offered on a busy 2-core machine a limit of
# 2,000 gave p99 33 s and RSS +25 %, 1,000 gave p99 10 s and +4 %, 500 gave p99 5 s and +1 %
# (scripts/bench_line.py). 1,000 absorbs a 5-second burst at twice the sustainable rate without refusing
# anything, and keeps reply tokens valid unless throughput falls below ~17 events/s.
# Set MADOGUCHI_WEBHOOK_BACKLOG for a faster or slower machine.
DEFAULT_LIMIT = 5 * MEASURED_EVENTS_PER_SECOND
WARN_EVERY = 30.0  # seconds between two warnings about refused webhooks


class Backlog:
    """Pending answers of one channel: ``admit`` before scheduling work, ``release`` when it is done."""

    def __init__(self, channel: str, limit: int = DEFAULT_LIMIT, warn_every: float = WARN_EVERY):
        self.channel = channel
        self.limit = limit
        self.warn_every = warn_every
        self.pending = 0
        self.refused = 0  # since the process started (for tests and logs)
        self._refused_since_warning = 0
        self._last_warning = float("-inf")

    def admit(self, count: int = 1) -> bool:
        """Count ``count`` answers in, or refuse them all when the backlog is full.

        A webhook's events are taken or refused together (one retry brings them all back); a batch
        may overshoot the limit by its own size rather than be refused forever.
        """
        if self.pending < self.limit:
            self.pending += count
            return True
        self.refused += 1
        self._refused_since_warning += 1
        now = time.monotonic()
        if now - self._last_warning >= self.warn_every:
            log.warning(
                "%s webhook refused with 503: %d answers pending (limit %d); %d webhook(s) refused since the last warning",
                self.channel, self.pending, self.limit, self._refused_since_warning,
            )
            self._last_warning = now
            self._refused_since_warning = 0
        return False

    def release(self, count: int = 1) -> None:
        self.pending = max(0, self.pending - count)


def overloaded() -> Response:
    """What a refused webhook gets. LINE sends it again when redelivery is on; Telegram always retries."""
    from fastapi import Response  # here, so that Settings can import this module without the web stack

    return Response("overloaded", status_code=503, media_type="text/plain", headers={"Retry-After": "5"})
