"""Shared state kept in a database (DESIGN.md "Scale").

SQLite under the data dir by default; PostgreSQL through ``MADOGUCHI_DB_URL``
when several replicas must agree. Tables are declared on the module-level
``metadata`` so other modules can add theirs (e.g. a query log) and
``Database.create`` makes them all.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, UniqueConstraint, create_engine, delete, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

# One row per webhook event / update already handled: LINE redelivers events and
# Telegram retries updates, and the unique key makes "answer at most once" hold
# across restarts and replicas.
processed_events = Table(
    "processed_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("seen_at", Float, nullable=False, index=True),
    UniqueConstraint("channel", "event_id", name="uq_processed_events_channel_event"),
)


# LINE redelivers for at most a day and Telegram retries for hours: ids older than this can go.
EVENT_ID_RETENTION = 7 * 24 * 3600


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    scheme, sep, rest = url.partition("://")
    if scheme in ("postgres", "postgresql"):
        # A plain postgresql:// URL would pick psycopg2, which is not a dependency; psycopg 3 is.
        url = f"postgresql+psycopg{sep}{rest}"
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers and the one writer overlap; NORMAL sync is safe with WAL
            # and keeps a commit per webhook event cheap.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


class Database:
    """Small facade over the engine; every method is blocking (call it from a thread in async code)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)

    def create(self) -> Database:
        metadata.create_all(self.engine)
        return self

    def first_seen(self, channel: str, event_id: str) -> bool:
        """Record ``event_id`` for ``channel``; True only the first time it is seen (insert-or-ignore)."""
        values = {"channel": channel, "event_id": event_id, "seen_at": time.time()}
        dialect = self.engine.dialect.name
        with self.engine.begin() as conn:
            if dialect in ("sqlite", "postgresql"):
                insert = (sqlite if dialect == "sqlite" else postgresql).insert(processed_events)
                # RETURNING says whether a row went in (rowcount is not reliable across drivers here).
                statement = insert.values(**values).on_conflict_do_nothing().returning(processed_events.c.id)
                return conn.execute(statement).first() is not None
            try:
                conn.execute(processed_events.insert().values(**values))
            except IntegrityError:
                return False
            return True

    def prune_events(self, older_than_seconds: float) -> int:
        """Forget ids older than the platforms' redelivery windows; returns how many went."""
        cutoff = time.time() - older_than_seconds
        with self.engine.begin() as conn:
            return conn.execute(delete(processed_events).where(processed_events.c.seen_at < cutoff)).rowcount

    def dispose(self) -> None:
        self.engine.dispose()
