"""Administration: safe re-indexing, rollback, status, and the unanswered-questions report.

One pipeline serves the CLI (``madoguchi reindex``) and HTTP (``POST /admin/reindex``):

    parse → validate (the gate) → diff against the live version → build → activate → prune

The gate refuses — live index untouched — when a source fails to parse or
validate (ids colliding included), or when a kind of record shrinks by more
than ``SHRINK_LIMIT`` against the live version (unless forced). Builds happen
in a temporary directory and become live by an atomic pointer swap
(``index.store``); a running server sees the new version at its next request.
Only one re-index runs at a time, across processes: an exclusive ``flock`` on
``data_dir/index/reindex.lock`` (released by the kernel if the process dies).
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import hmac
import io
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bot.db import Database
from bot.querylog import QueryLog
from bot.settings import Settings
from corpus.diff import LISTS, Change, counts, diff_corpora, summary
from corpus.loader import CorpusValidationError, curated_dir, load_corpus
from corpus.models import Corpus, CorpusError
from index.build import CORPUS_FILE, MANIFEST_FILE
from index.store import IndexStore

if TYPE_CHECKING:
    from bot.runtime import Runtime

SHRINK_LIMIT = 0.20  # refuse when a kind loses more than this share of its records
KEEP_VERSIONS = 3
LOCK_FILE = "reindex.lock"
REPORTS_DIR = "reports"
LAST_REPORT = "last_report.json"
LISTED_CHANGES = 30  # per kind in the printed report; JSON has them all

STATUS_LABELS = {"ok": "成功", "refused": "中止（索引は変更していません）", "busy": "実行中のため中止",
                 "rolled_back": "ひとつ前の版に戻しました", "checked": "検証のみ（索引は変更していません）"}
SESSION_COOKIE = "madoguchi_admin"
SESSION_SECONDS = 30 * 60
HTTP_CODES = {"ok": 200, "rolled_back": 200, "checked": 200, "refused": 422, "busy": 409}


class ReindexBusy(RuntimeError):
    """Another re-index (in this or another process) holds the lock."""


class ReindexLock:
    """Exclusive, non-blocking, cross-process lock on a file under the index directory."""

    def __init__(self, store: IndexStore):
        self.path = store.root / LOCK_FILE
        self._fd: int | None = None

    def __enter__(self) -> ReindexLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ReindexBusy("another reindex is running") from None
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# -- the pipeline ------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _problem(error: CorpusError) -> dict:
    return {"document": error.document, "line": error.line, "message": error.message}


def version_corpus(store: IndexStore, version: str | None) -> Corpus:
    """The corpus a version was built from (empty for no version)."""
    if version is None:
        return Corpus()
    return Corpus.model_validate_json((store.path(version) / CORPUS_FILE).read_text(encoding="utf-8"))


def shrinkage(before: dict[str, int], after: dict[str, int], limit: float = SHRINK_LIMIT) -> list[dict]:
    """Kinds that lost more than ``limit`` of their records."""
    problems = []
    for kind, was in before.items():
        now = after.get(kind, 0)
        if was and (was - now) / was > limit:
            problems.append({"document": "corpus", "line": None,
                             "message": f"{kind} の件数が大きく減っています: {was} → {now}（--force で強行できます）"})
    return problems


def duplicate_ids(corpus: Corpus) -> list[dict]:
    """Records sharing an id (the loader checks too; a build must never see one)."""
    seen: dict[str, object] = {}
    problems = []
    for name in LISTS:
        for record in getattr(corpus, name):
            if record.id in seen:
                problems.append({"document": record.source.document, "line": record.source.line,
                                 "message": f"id が重複しています: {record.id}"})
            seen[record.id] = record
    return problems


def _change_report(changes: list[Change]) -> dict:
    return {"summary": summary(changes), "items": [c.to_json() for c in changes]}


def run_reindex(settings: Settings, *, corpus_dir: Path | str | None = None, force: bool = False,
                dry_run: bool = False, isolated: bool = False,
                load: Callable[[Path], Corpus] = load_corpus) -> dict:
    """Parse, validate, build and swap; return the report (``status`` says what happened).

    Never raises for a bad corpus or a concurrent run: those are reports with
    status "refused" / "busy". ``dry_run`` stops after the gate and the diff.
    ``isolated`` builds in a child process (IndexStore.build): the serving process asks for it, so a
    build's peak memory (about 160 MB above serving) is given back when the child exits.
    """
    store = IndexStore(settings.data_dir)
    corpus_dir = Path(corpus_dir or settings.corpus_dir)
    started = time.monotonic()
    report: dict = {"status": "refused", "started_at": _now(), "corpus_dir": str(corpus_dir), "forced": force,
                    "previous_version": None, "version": None, "documents": {}, "superseded": {},
                    "counts": {}, "previous_counts": {}, "changes": _change_report([]), "problems": []}
    try:
        with ReindexLock(store):
            live = store.live_version()
            report["previous_version"] = live
            old = version_corpus(store, live)
            report["previous_counts"] = counts(old) if live else {}
            try:
                corpus = load(corpus_dir)
            except CorpusValidationError as error:
                report["problems"] = [_problem(p) for p in error.problems]
                return _finish(store, report, started)
            except CorpusError as error:
                report["problems"] = [_problem(error)]
                return _finish(store, report, started)
            if collisions := duplicate_ids(corpus):
                report["problems"] = collisions
                return _finish(store, report, started)
            report["documents"] = dict(corpus.documents)
            report["superseded"] = dict(corpus.superseded)
            report["counts"] = counts(corpus)
            changes = diff_corpora(old, corpus)
            # A first build adds everything: its counts say it all, a list of every record would not.
            report["changes"] = _change_report(changes) if live else {"summary": summary(changes), "items": []}
            shrunk = shrinkage(report["previous_counts"], report["counts"])
            if shrunk and not force:
                report["problems"] = shrunk
                return _finish(store, report, started)
            report["warnings"] = shrunk  # forced through
            if dry_run:
                report["status"] = "checked"
                return _finish(store, report, started, save=False)
            version = store.build(corpus, curated_dir(corpus_dir), isolated=isolated)
            store.activate(version)
            report["version"] = version
            report["removed_versions"] = store.prune(keep=KEEP_VERSIONS)
            report["status"] = "ok"
            return _finish(store, report, started)
    except ReindexBusy:
        report["status"] = "busy"
        report["problems"] = [{"document": "index", "line": None, "message": "別の再索引が実行中です"}]
        report["finished_at"] = _now()
        return report


def run_rollback(settings: Settings) -> dict:
    """Make the previous version live again (it was kept); report what that changes."""
    store = IndexStore(settings.data_dir)
    started = time.monotonic()
    report: dict = {"status": "refused", "started_at": _now(), "rollback": True, "problems": [],
                    "previous_version": None, "version": None, "changes": _change_report([])}
    try:
        with ReindexLock(store):
            live, target = store.live_version(), store.previous_version()
            report["previous_version"] = live
            if target is None or target == live:
                report["problems"] = [{"document": "index", "line": None, "message": "戻せる前の版がありません"}]
                return _finish(store, report, started, save=False)
            before, after = version_corpus(store, live), version_corpus(store, target)
            store.activate(target)
            report.update(status="rolled_back", version=target, counts=counts(after), previous_counts=counts(before),
                          documents=dict(after.documents), superseded=dict(after.superseded),
                          changes=_change_report(diff_corpora(before, after)))
            return _finish(store, report, started)
    except ReindexBusy:
        report["status"] = "busy"
        report["problems"] = [{"document": "index", "line": None, "message": "別の再索引が実行中です"}]
        return report


def _finish(store: IndexStore, report: dict, started: float, *, save: bool = True) -> dict:
    report["finished_at"] = _now()
    report["seconds"] = round(time.monotonic() - started, 2)
    if save:
        directory = store.root / REPORTS_DIR
        directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report, ensure_ascii=False, indent=1)
        if report.get("version") and report["status"] == "ok":
            (directory / f"{report['version']}.json").write_text(text, encoding="utf-8")
        tmp = directory / f".{LAST_REPORT}.{os.getpid()}"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, directory / LAST_REPORT)
    return report


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _built_at(store: IndexStore, version: str) -> str | None:
    try:
        mtime = (store.path(version) / MANIFEST_FILE).stat().st_mtime
    except FileNotFoundError:
        return None
    return datetime.fromtimestamp(mtime, UTC).isoformat(timespec="seconds")


def reindex_running(store: IndexStore) -> bool:
    try:
        with ReindexLock(store):
            return False
    except ReindexBusy:
        return True


def status(settings: Settings) -> dict:
    store = IndexStore(settings.data_dir)
    live, previous = store.live_version(), store.previous_version()
    history = []
    for version in reversed(store.versions()):
        manifest = _read_json(store.path(version) / MANIFEST_FILE) or {}
        built = _read_json(store.root / REPORTS_DIR / f"{version}.json") or {}
        history.append({"version": version, "built_at": _built_at(store, version), "live": version == live,
                        "previous": version == previous, "counts": manifest.get("counts", {}),
                        "documents": built.get("documents", {}), "changes": built.get("changes", {}).get("summary")})
    live_entry = next((h for h in history if h["live"]), None)
    return {
        "reindex_running": reindex_running(store),
        "live_version": live,
        "built_at": live_entry["built_at"] if live_entry else None,
        "counts": live_entry["counts"] if live_entry else {},
        "previous_version": previous,
        "last_report": _read_json(store.root / REPORTS_DIR / LAST_REPORT),
        "versions": history,
    }


# -- text report -----------------------------------------------------------------------


def format_report(report: dict) -> str:
    state = report["status"]
    lines = [f"再索引 reindex: {STATUS_LABELS.get(state, state)} ({state})"]
    if report.get("version"):
        lines.append(f"  live version: {report['version']}  (前 previous: {report.get('previous_version') or '-'})")
    elif report.get("previous_version"):
        lines.append(f"  live version: {report['previous_version']}（変更なし unchanged）")
    for problem in report.get("problems", []):
        where = f"{problem['document']}:{problem['line']}" if problem.get("line") else problem["document"]
        lines.append(f"  エラー error: {where}: {problem['message']}")
    for warning in report.get("warnings", []):
        lines.append(f"  警告 warning (forced): {warning['message']}")
    if report.get("documents"):
        lines.append("使用した文書 documents used:")
        replaced = {new: old for old, new in report.get("superseded", {}).items()}
        for name, kind in report["documents"].items():
            note = f"  ← replaces {replaced[name]}" if name in replaced else ""
            lines.append(f"  {name} ({kind}){note}")
    if report.get("counts"):
        lines.append("件数 counts:")
        before = report.get("previous_counts") or {}
        for kind, n in report["counts"].items():
            delta = n - before.get(kind, 0) if before else None
            shown = "" if delta is None else f" ({delta:+d})"
            lines.append(f"  {kind}: {n}{shown}")
    items = report.get("changes", {}).get("items", [])
    if items:
        lines.append("変更 changes:")
        by_kind: dict[str, list[dict]] = {}
        for item in items:
            by_kind.setdefault(item["kind"], []).append(item)
        for kind, entries in by_kind.items():
            for item in entries[:LISTED_CHANGES]:
                lines.append("  " + Change(**item).text())
            if len(entries) > LISTED_CHANGES:
                lines.append(f"  …{kind}: ほか {len(entries) - LISTED_CHANGES} 件 (more in --json/HTTP)")
    elif report["status"] in ("ok", "checked", "rolled_back"):
        lines.append("変更 changes: " + ("なし none" if report.get("previous_version") else "初回の構築 first build"))
    return "\n".join(lines)


# -- CLI -------------------------------------------------------------------------------



def reindex_command(args: argparse.Namespace) -> int:
    settings = Settings.from_args(args)
    report = run_rollback(settings) if args.rollback else run_reindex(settings, force=args.force)
    print(format_report(report))
    return 0 if HTTP_CODES.get(report["status"], 500) == 200 else 1


def unanswered_rows(querylog: QueryLog, days: int) -> list[dict]:
    return [{"count": row.count, "users": row.users, "question": row.question, "intent": row.intent,
             "top_id": row.top_id or "", "channels": row.channels,
             "last_asked": datetime.fromtimestamp(row.last_asked, UTC).isoformat(timespec="seconds")}
            for row in querylog.unanswered(days=days)]


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["count", "users", "question", "intent", "top_id", "channels",
                                             "last_asked"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def unanswered_command(args: argparse.Namespace) -> int:
    settings = Settings()
    db = Database(settings.database_url).create()
    try:
        rows = unanswered_rows(QueryLog.from_settings(settings, db), args.days)
    finally:
        db.dispose()
    if args.csv:
        sys.stdout.write(_csv(rows))
        return 0
    if not rows:
        print(f"直近 {args.days} 日に自信なしで答えた質問はありません。")
        return 0
    print(f"自信なしで答えた質問（直近 {args.days} 日、多い順）:")
    for row in rows:
        print(f"{row['count']:>5}  {row['question']}  [{row['intent']}; {row['top_id'] or '-'}; {row['channels']}]")
    return 0


# -- HTTP ------------------------------------------------------------------------------


class AdminSession:
    """A signed expiry time, keyed by the admin token: no server-side state, and changing the token
    ends every session."""

    def __init__(self, key: bytes, lifetime: int = SESSION_SECONDS):
        self.key = key
        self.lifetime = lifetime

    def _signature(self, expires: str) -> str:
        return hmac.new(self.key, f"admin-session:{expires}".encode(), "sha256").hexdigest()

    def issue(self) -> str:
        expires = str(int(time.time()) + self.lifetime)
        return f"{expires}.{self._signature(expires)}"

    def valid(self, cookie: str | None) -> bool:
        expires, _, signature = (cookie or "").partition(".")
        if not (self.key and expires.isdigit() and signature):
            return False
        return hmac.compare_digest(signature, self._signature(expires)) and int(expires) > time.time()


def create_router(runtime: Runtime, db: Database, settings: Settings | None = None) -> APIRouter:
    """/admin/*; bot.app mounts it only when MADOGUCHI_ADMIN_TOKEN is set (``settings`` holds the token)."""
    from bot.web import TEMPLATES

    expected = ((settings or runtime.settings).admin_token or "").encode("utf-8")
    settings = runtime.settings  # the index and corpus this runtime serves
    querylog = QueryLog.from_settings(settings, db)

    def valid(token: str | None) -> bool:
        return bool(expected) and token is not None and hmac.compare_digest(token.encode("utf-8"), expected)

    def bearer(request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None

    def require_token(request: Request) -> None:
        if not valid(bearer(request)):
            raise HTTPException(401, "admin token required", headers={"WWW-Authenticate": "Bearer"})

    def after(report: dict) -> dict:
        if report["status"] in ("ok", "rolled_back"):
            runtime.live.refresh()  # this process answers from the new version at once
        return report

    router = APIRouter(prefix="/admin", tags=["Administration"])

    # FastAPI runs these plain `def` routes in its thread pool: a build never blocks the event loop,
    # so queries keep being answered while it runs.
    @router.post("/reindex", dependencies=[Depends(require_token)], summary="Parse, validate, build, swap")
    def reindex(force: bool = False) -> JSONResponse:
        report = after(run_reindex(settings, force=force, isolated=True))
        return JSONResponse(report, status_code=HTTP_CODES.get(report["status"], 500))

    @router.post("/rollback", dependencies=[Depends(require_token)], summary="Make the previous version live")
    def rollback() -> JSONResponse:
        report = after(run_rollback(settings))
        return JSONResponse(report, status_code=HTTP_CODES.get(report["status"], 500))

    @router.get("/status", dependencies=[Depends(require_token)], summary="Live version, counts, history")
    def get_status() -> dict:
        return status(settings)

    @router.get("/unanswered", dependencies=[Depends(require_token)], summary="Low-confidence questions")
    def unanswered(days: int = Query(30, ge=1, le=3650), format: str = Query("json", pattern="^(json|csv)$")):
        rows = unanswered_rows(querylog, days)
        if format == "csv":
            return Response(_csv(rows), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="unanswered.csv"'})
        return {"days": days, "questions": rows}

    # The page: a form takes the token once (POST body, never a URL) and the browser then holds a short-lived
    # signed session cookie instead of the token itself; an Authorization header works too.
    session = AdminSession(expected)

    def signed_in(request: Request) -> bool:
        return valid(bearer(request)) or session.valid(request.cookies.get(SESSION_COOKIE))

    def page(request: Request, message: dict | None = None, code: int = 200) -> HTMLResponse:
        context = {"status": status(settings), "unanswered": unanswered_rows(querylog, 30)[:50],
                   "recent": querylog.recent(20), "message": message,
                   "format_time": lambda t: datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M")}
        return TEMPLATES.TemplateResponse(request, "admin.html", context, status_code=code)

    def login(request: Request, error: bool = False) -> HTMLResponse:
        response = TEMPLATES.TemplateResponse(request, "admin_login.html", {"error": error},
                                              status_code=401 if error else 200)
        response.delete_cookie(SESSION_COOKIE, path="/admin")
        return response

    @router.get("", response_class=HTMLResponse, summary="Admin page (token form)")
    def admin_page(request: Request) -> HTMLResponse:
        return page(request) if signed_in(request) else login(request)

    @router.post("", response_class=HTMLResponse, summary="Sign in with the token form")
    def admin_login(request: Request, token: str = Form("")) -> Response:
        if not valid(token):
            return login(request, error=True)
        # Post/redirect/get: reloading the page never re-posts the token.
        response = RedirectResponse("/admin", status_code=303)
        response.set_cookie(SESSION_COOKIE, session.issue(), max_age=SESSION_SECONDS, path="/admin",
                            httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return response

    @router.post("/logout", summary="Sign out of the admin page")
    def admin_logout() -> Response:
        response = RedirectResponse("/admin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/admin")
        return response

    # SameSite=Strict keeps other sites from posting this form with the cookie (no CSRF token needed).
    @router.post("/console/reindex", response_class=HTMLResponse, summary="Reindex from the admin page")
    def console_reindex(request: Request, force: bool = Form(False), rollback: bool = Form(False)) -> HTMLResponse:
        if not signed_in(request):
            return login(request, error=True)
        report = after(run_rollback(settings) if rollback else run_reindex(settings, force=force, isolated=True))
        message = {"status": report["status"], "text": format_report(report)}
        return page(request, message, code=HTTP_CODES.get(report["status"], 500))

    return router
