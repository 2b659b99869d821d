"""Versioned index builds and the live searcher.

Layout under ``data_dir/index/``:

    versions/<id>/   complete versions only (built elsewhere, then renamed in)
    tmp/             builds in progress; never listed, never activated
    LIVE             the live version id (replaced atomically with os.replace)
    PREVIOUS         the version that was live before it

A build that crashes leaves at most a directory under ``tmp/``, which the next
build or prune removes; the LIVE pointer only ever names a complete version.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import shutil
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from corpus.models import Corpus
from index.analysis import release_dictionary_pages
from index.build import MANIFEST_FILE, build_index, corpus_digest
from index.search import Searcher

STAMP = "%Y%m%dT%H%M%S%f"


def _stamp_of(version: str) -> datetime | None:
    """The build time in a version id (to the microsecond, or to the second for older ids)."""
    head = version.split("-", 1)[0]
    for pattern in (STAMP, "%Y%m%dT%H%M%S"):
        try:
            return datetime.strptime(head, pattern)
        except ValueError:
            continue
    return None


def _build_checked(corpus: Corpus, work: str, curated_dir: Path | None, version: str) -> None:
    """Build into ``work``, then validate before it may become live: it opens and holds every document.
    Module-level, so that a child process can run it."""
    build_index(corpus, Path(work), curated_dir)
    with Searcher(Path(work)) as searcher:
        reader = searcher._whoosh().reader()
        if reader.doc_count() != sum(searcher.counts().values()):
            raise RuntimeError(f"index {version} is incomplete")


class NoLiveIndex(LookupError):
    """No version has been activated yet (build and activate one first)."""


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class IndexStore:
    def __init__(self, data_dir: Path):
        self.root = Path(data_dir) / "index"
        self.versions_dir = self.root / "versions"
        self.tmp_dir = self.root / "tmp"
        self.pointer = self.root / "LIVE"
        self.previous_pointer = self.root / "PREVIOUS"
        self._lock = threading.Lock()

    def _new_id(self, digest: str) -> str:
        """``<UTC time to the microsecond>-<corpus hash>``: ids sort in build order, strictly.

        The time part is at least one microsecond after the newest existing id's (two builds in the
        same instant, or a clock set back), so the hash never decides the order. Ids of older
        builds (time to the second) sort before any newer id of the same second."""
        stamp = datetime.now(UTC).replace(tzinfo=None)
        existing = [p.name for p in self.versions_dir.iterdir()] if self.versions_dir.is_dir() else []
        newest = max((t for v in existing if (t := _stamp_of(v)) is not None), default=None)
        if newest is not None and stamp <= newest:
            stamp = newest + timedelta(microseconds=1)
        return f"{stamp:{STAMP}}-{digest[:8]}"

    def build(self, corpus: Corpus, curated_dir: Path | None = None, *, isolated: bool = False) -> str:
        """Build a new (not yet live) version; return its id. ``curated_dir``: the curated folder the corpus
        was loaded with (its vocabulary goes into the version; default the package's).

        ``isolated=True`` builds and validates in a fresh child process (spawn), for a long-lived serving
        process: a build peaks far above what answering needs (1×: about 330 MB, nearly all of Sudachi's
        dictionary read) and leaves its garbage in the heap, whereas the child gives all of it back when it
        exits. It costs the child's start (about a second); the version is the same. A one-shot process
        (``madoguchi reindex``) builds in place."""
        with self._lock:
            self.versions_dir.mkdir(parents=True, exist_ok=True)
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
            self._clean_tmp()
            version = self._new_id(corpus_digest(corpus.model_dump_json()))
            work = self.tmp_dir / f"{version}.{uuid.uuid4().hex[:6]}"
            try:
                if isolated:
                    context = multiprocessing.get_context("spawn")  # never fork a threaded server
                    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                        pool.submit(_build_checked, corpus, str(work), curated_dir, version).result()
                else:
                    _build_checked(corpus, str(work), curated_dir, version)
                    gc.collect()
                    release_dictionary_pages()  # the build read nearly all of the dictionary
                os.rename(work, self.versions_dir / version)
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
            return version

    def _clean_tmp(self) -> None:
        if self.tmp_dir.is_dir():
            for leftover in self.tmp_dir.iterdir():
                shutil.rmtree(leftover, ignore_errors=True)

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        return sorted(p.name for p in self.versions_dir.iterdir() if (p / MANIFEST_FILE).is_file())

    def path(self, version: str) -> Path:
        return self.versions_dir / version

    def activate(self, version: str) -> None:
        """Make ``version`` live (atomic pointer swap)."""
        if version not in self.versions():
            raise ValueError(f"unknown or incomplete index version: {version}")
        with self._lock:
            current = self.live_version()
            if current and current != version:
                _write_atomic(self.previous_pointer, current)
            _write_atomic(self.pointer, version)

    def _read_pointer(self, path: Path) -> str | None:
        try:
            version = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return version if version and (self.versions_dir / version / MANIFEST_FILE).is_file() else None

    def live_version(self) -> str | None:
        return self._read_pointer(self.pointer)

    def previous_version(self) -> str | None:
        """The version live before the current one (else the newest older one)."""
        previous = self._read_pointer(self.previous_pointer)
        if previous:
            return previous
        live = self.live_version()
        older = [v for v in self.versions() if live is None or v < live]
        return older[-1] if older else None

    def prune(self, keep: int = 3) -> list[str]:
        """Remove all but the newest ``keep`` versions, never the live or previous one; return what went."""
        with self._lock:
            self._clean_tmp()
            versions = self.versions()
            spared = set(versions[-keep:] if keep > 0 else []) | {self.live_version(), self.previous_version()}
            removed = [v for v in versions if v not in spared]
            for version in removed:
                shutil.rmtree(self.versions_dir / version, ignore_errors=True)
            return removed


class LiveSearcher:
    """Thread-safe holder of the live ``Searcher``.

    ``current()`` looks at the pointer file at most every ``check_interval``
    seconds (a stat; os.replace gives the file a new inode on every swap) and
    opens the new version when it changed. The old searcher stays usable for
    ``grace`` seconds so requests already holding it finish undisturbed.
    """

    def __init__(self, store: IndexStore, *, check_interval: float = 0.5, grace: float = 30.0):
        self.store = store
        self.check_interval = check_interval
        self.grace = grace
        self._searcher: Searcher | None = None
        self._stamp: tuple | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._retired: list[tuple[float, Searcher]] = []

    def current(self) -> Searcher:
        searcher = self._searcher
        if searcher is None:
            return self.refresh()
        if time.monotonic() - self._checked >= self.check_interval and self._lock.acquire(blocking=False):
            # One thread checks (and opens a new version if need be); the others keep serving the current one.
            try:
                searcher = self._refresh_locked()
            finally:
                self._lock.release()
        return searcher

    def __call__(self) -> Searcher:
        return self.current()

    def _pointer_stamp(self) -> tuple | None:
        try:
            st = os.stat(self.store.pointer)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def refresh(self) -> Searcher:
        """Check the pointer now; open and swap in the live version if it changed."""
        with self._lock:
            return self._refresh_locked()

    def _refresh_locked(self) -> Searcher:
        self._checked = time.monotonic()
        self._close_retired()
        stamp = self._pointer_stamp()
        if self._searcher is not None and stamp == self._stamp:
            return self._searcher
        version = self.store.live_version()
        if version is None:
            if self._searcher is not None:
                return self._searcher  # pointer vanished: keep serving what we have
            raise NoLiveIndex(f"no live index version under {self.store.root}")
        if self._searcher is None or self._searcher.version != version:
            fresh = Searcher(self.store.path(version))
            fresh.warm()
            if self._searcher is not None:
                self._retired.append((time.monotonic(), self._searcher))
            self._searcher = fresh
        self._stamp = stamp
        return self._searcher

    def _close_retired(self) -> None:
        now = time.monotonic()
        keep = []
        for since, searcher in self._retired:
            if now - since >= self.grace:
                with contextlib.suppress(Exception):
                    searcher.close()
            else:
                keep.append((since, searcher))
        self._retired = keep

    @property
    def version(self) -> str | None:
        return self._searcher.version if self._searcher else self.store.live_version()

    def close(self) -> None:
        with self._lock:
            for _, searcher in self._retired:
                searcher.close()
            self._retired = []
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
