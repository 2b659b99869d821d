"""Query log: every question a channel asks, what the assistant made of it, and whether it was sure.

    querylog = QueryLog.from_settings(settings, db)
    assistant = LoggingAssistant(runtime.assistant, querylog, channel="line")   # one per channel
    with asking_user(event.source.user_id):      # optional: the channel's user, stored only as a keyed hash
        answer = assistant.ask(text)
    querylog.unanswered(days=30)                 # low-confidence questions, most frequent first

Channel user ids are never stored: only HMAC-SHA256 under ``log_secret`` (from
MADOGUCHI_LOG_SECRET, else generated once into ``data_dir/log_secret`` with mode
0600), enough to count distinct people without being able to name them. Rows
older than MADOGUCHI_LOG_RETENTION_DAYS are deleted on startup and, at most once
an hour, on a write.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Boolean, Column, Float, Integer, String, Table, Text, delete, desc, func, select

from bot.db import Database, metadata
from bot.settings import Settings
from handlers.answer import Answer

log = logging.getLogger(__name__)

SECRET_FILE = "log_secret"
PURGE_INTERVAL = 3600.0  # seconds between purges triggered by writes
MAX_QUESTION = 500  # characters kept of a question

query_log = Table(
    "query_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("asked_at", Float, nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("user_hash", String(64)),
    Column("question", Text, nullable=False),
    Column("normalized", String(MAX_QUESTION), nullable=False, index=True),  # groups spellings of one question
    Column("intent", String(32), nullable=False),
    Column("top_id", String(200)),
    Column("top_score", Float),
    Column("confident", Boolean, nullable=False),
    Column("index_version", String(64)),
)

# The person a channel is answering; channels set it around ask() (copied into asyncio.to_thread).
current_user: contextvars.ContextVar[str | None] = contextvars.ContextVar("madoguchi_current_user", default=None)


@contextlib.contextmanager
def asking_user(user_id: str | None) -> Iterator[None]:
    token = current_user.set(user_id)
    try:
        yield
    finally:
        current_user.reset(token)


def normalize_question(text: str) -> str:
    """One key for the spellings of a question: NFKC, one space, no trailing punctuation."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"\s+", " ", text).strip().lower()
    return re.sub(r"[?？!！。.、,\s]+$", "", text)[:MAX_QUESTION]


def load_log_secret(settings: Settings) -> bytes:
    """MADOGUCHI_LOG_SECRET, else a random key created once under data_dir (mode 0600)."""
    if settings.log_secret:
        return settings.log_secret.encode("utf-8")
    path = Path(settings.data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of several processes starting together exactly one writes the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it right now
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key.encode("ascii")
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty: delete it to generate a new query-log key") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
        f.flush()
        os.fsync(f.fileno())
    return key.encode("ascii")


@dataclass(frozen=True)
class Unanswered:
    question: str  # one spelling as asked
    count: int
    users: int  # distinct (hashed) users, 0 when channels gave none
    last_asked: float
    intent: str
    top_id: str | None
    channels: str


class QueryLog:
    def __init__(self, db: Database, secret: bytes, retention_days: int = 90, *,
                 purge_interval: float = PURGE_INTERVAL, clock: Callable[[], float] = time.time):
        self.db = db
        self.secret = secret
        self.retention_days = retention_days
        self.purge_interval = purge_interval
        self.clock = clock
        self._last_purge = 0.0
        self._purge_lock = threading.Lock()
        metadata.create_all(db.engine, tables=[query_log])
        self.purge()

    @classmethod
    def from_settings(cls, settings: Settings, db: Database) -> QueryLog:
        return cls(db, load_log_secret(settings), settings.log_retention_days)

    def hash_user(self, user_id: str | None) -> str | None:
        if not user_id:
            return None
        return hmac.new(self.secret, str(user_id).encode("utf-8"), hashlib.sha256).hexdigest()

    def record(self, question: str, answer: Answer, *, channel: str, user_id: str | None = None,
               index_version: str | None = None) -> None:
        top = answer.results[0] if answer.results else None
        row = {
            "asked_at": self.clock(),
            "channel": channel[:16],
            "user_hash": self.hash_user(user_id),
            "question": (question or "")[:MAX_QUESTION],
            "normalized": normalize_question(question),
            "intent": answer.intent,
            "top_id": top.id if top else None,
            "top_score": float(top.score) if top else None,
            "confident": bool(answer.confident),
            "index_version": index_version,
        }
        with self.db.engine.begin() as conn:
            conn.execute(query_log.insert().values(**row))
        self._maybe_purge()

    def _maybe_purge(self) -> None:
        if self.clock() - self._last_purge >= self.purge_interval and self._purge_lock.acquire(blocking=False):
            try:
                self.purge()
            finally:
                self._purge_lock.release()

    def purge(self) -> int:
        """Delete rows past the retention period; returns how many went."""
        now = self.clock()
        self._last_purge = now
        if self.retention_days <= 0:
            return 0  # 0 or less keeps everything
        cutoff = now - self.retention_days * 86400
        with self.db.engine.begin() as conn:
            return conn.execute(delete(query_log).where(query_log.c.asked_at < cutoff)).rowcount

    def unanswered(self, days: int = 30, limit: int = 200) -> list[Unanswered]:
        """Questions answered without confidence in the last ``days``, most frequent first."""
        since = self.clock() - days * 86400
        c = query_log.c
        count = func.count(c.id)
        query = (
            select(func.min(c.question), count, func.count(func.distinct(c.user_hash)), func.max(c.asked_at),
                   func.max(c.intent), func.max(c.top_id), func.min(c.channel), func.max(c.channel))
            .where(c.confident.is_(False), c.asked_at >= since)
            .group_by(c.normalized)
            .order_by(desc(count), desc(func.max(c.asked_at)), c.normalized)
            .limit(limit)
        )
        with self.db.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [Unanswered(question, n, users, last, intent, top_id, low if low == high else f"{low}, {high}")
                for question, n, users, last, intent, top_id, low, high in rows]

    def recent(self, limit: int = 50) -> list[dict]:
        c = query_log.c
        query = (select(c.asked_at, c.channel, c.question, c.intent, c.top_id, c.top_score, c.confident)
                 .order_by(desc(c.asked_at), desc(c.id)).limit(limit))
        with self.db.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def count(self) -> int:
        with self.db.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(query_log)).scalar_one()


class LoggingAssistant:
    """The Assistant as one channel sees it: ``ask`` answers, then logs the question once.

    Everything else (department_page, window_page, record) passes straight through:
    those are page views, not questions. A failing log never fails the answer.
    """

    def __init__(self, assistant, querylog: QueryLog, channel: str,
                 index_version: Callable[[], str | None] | None = None):
        self._assistant = assistant
        self.querylog = querylog
        self.channel = channel
        self._index_version = index_version

    def ask(self, text: str, **options) -> Answer:
        answer = self._assistant.ask(text, **options)
        try:
            version = self._index_version() if self._index_version else None
            self.querylog.record(text if isinstance(text, str) else str(text), answer, channel=self.channel,
                                 user_id=current_user.get(), index_version=version)
        except Exception:
            log.exception("query log write failed (the answer was still given)")
        return answer

    def __getattr__(self, name: str):
        return getattr(self._assistant, name)
