"""Query log: what is stored (never a raw user id), retention, the unanswered report, the app's wiring.

Runs against SQLite, and against PostgreSQL too when MADOGUCHI_TEST_PG_URL is set (scripts/pg.sh).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import stat

import pytest
from fastapi.testclient import TestClient
from index_sample import sample_corpus
from sqlalchemy import select

from bot import cli
from bot.app import create_app
from bot.db import Database
from bot.querylog import LoggingAssistant, QueryLog, asking_user, load_log_secret, normalize_question, query_log
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.answer import Answer, Result
from handlers.assistant import Assistant
from index.store import IndexStore, LiveSearcher

DAY = 86400.0
SECRET = b"k" * 32


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.sqlite3'}"
    url = os.environ.get("MADOGUCHI_TEST_PG_URL")
    if not url:
        pytest.skip("MADOGUCHI_TEST_PG_URL not set (scripts/pg.sh starts a throwaway PostgreSQL)")
    database = Database(url)
    query_log.drop(database.engine, checkfirst=True)  # a shared server: start every test from an empty table
    database.dispose()
    return url


@pytest.fixture
def db(db_url):
    database = Database(db_url).create()
    yield database
    database.dispose()


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def answer(question: str, *, confident: bool, top: str | None = "window-kirakira", score: float = 3.5) -> Answer:
    results = []
    if top:
        results.append(Result(kind="window", id=top, title="x", score=score,
                              source={"document": "windows.md", "line": 1}))
    return Answer(query=question, intent="find_window", text="…", results=results, confident=confident)


def rows(db: Database) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(query_log).order_by(query_log.c.id))]


def test_a_question_is_stored_with_a_keyed_hash_never_the_raw_user_id(db):
    log = QueryLog(db, SECRET, clock=Clock())
    log.record("家賃が払えない", answer("家賃が払えない", confident=True), channel="line", user_id="U1234abcd",
               index_version="v1")
    log.record("公約15", answer("公約15", confident=False, top=None), channel="api")
    first, second = rows(db)
    assert first["user_hash"] == hmac.new(SECRET, b"U1234abcd", hashlib.sha256).hexdigest()
    assert not any("U1234abcd" in str(value) for row in (first, second) for value in row.values())
    assert (first["channel"], first["question"], first["intent"], first["top_id"], first["confident"],
            first["index_version"]) == ("line", "家賃が払えない", "find_window", "window-kirakira", True, "v1")
    assert first["top_score"] == pytest.approx(3.5)
    assert second["user_hash"] is None and second["top_id"] is None and second["confident"] is False
    assert QueryLog(db, b"another key").hash_user("U1234abcd") != first["user_hash"]


def test_retention_purges_on_startup_and_on_writes(db):
    clock = Clock()
    log = QueryLog(db, SECRET, retention_days=30, purge_interval=3600, clock=clock)
    log.record("古い質問", answer("古い質問", confident=False), channel="web")
    clock.now += 20 * DAY
    log.record("新しい質問", answer("新しい質問", confident=False), channel="web")
    clock.now += 15 * DAY  # the first is now 35 days old, the second 15
    assert [r["question"] for r in rows(db)] == ["古い質問", "新しい質問"]
    QueryLog(db, SECRET, retention_days=30, clock=clock)  # startup purges
    assert [r["question"] for r in rows(db)] == ["新しい質問"]

    clock.now += 20 * DAY  # now the second is 35 days old: the next write (an hour after the last purge) purges
    log.record("三つ目", answer("三つ目", confident=True), channel="web")
    assert [r["question"] for r in rows(db)] == ["三つ目"]


def test_unanswered_most_frequent_first(db):
    clock = Clock()
    log = QueryLog(db, SECRET, clock=clock)
    asked = [("ごみの出し方", False, "u1"), ("ごみの出し方？", False, "u2"), ("ゴミの出し方", False, "u1"),
             ("ｺﾞﾐ袋", False, "u3"), ("ｺﾞﾐ袋", False, "u3"), ("犬の登録", False, None),
             ("公約15", True, "u1"), ("公約15", True, "u2"), ("公約15", True, "u4")]
    for question, confident, user in asked:
        clock.now += 60
        log.record(question, answer(question, confident=confident), channel="line", user_id=user)
    clock.now += 60
    log.record("犬の登録", answer("犬の登録", confident=False), channel="api")
    listed = log.unanswered(days=30)
    # Spellings that differ only in width or a trailing ？ are one question; ties: the most recent first.
    assert [(r.question, r.count) for r in listed] == [("犬の登録", 2), ("ｺﾞﾐ袋", 2), ("ごみの出し方", 2),
                                                      ("ゴミの出し方", 1)]
    by_question = {r.question: r for r in listed}
    assert by_question["ごみの出し方"].users == 2 and by_question["ｺﾞﾐ袋"].users == 1
    assert by_question["犬の登録"].channels == "api, line"
    clock.now += 40 * DAY
    assert log.unanswered(days=30) == []


def test_normalize_question():
    assert normalize_question(" 公約１５の進捗は？ ") == normalize_question("公約15の進捗は") == "公約15の進捗は"
    assert normalize_question("ｹｱﾗｰ  支援!") == "ケアラー 支援"


def test_log_secret_is_generated_once_with_private_permissions(tmp_path):
    settings = Settings(MADOGUCHI_DATA_DIR=tmp_path, MADOGUCHI_LOG_SECRET=None)
    settings.log_secret = None
    key = load_log_secret(settings)
    path = tmp_path / "log_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(key) == 64
    assert load_log_secret(settings) == key
    settings.log_secret = "from-the-environment"
    assert load_log_secret(settings) == b"from-the-environment"


class StubAssistant:
    def __init__(self, confident: bool = False):
        self.confident = confident
        self.asked: list[tuple] = []

    def ask(self, text, **options):
        self.asked.append((text, options))
        return answer(text, confident=self.confident)

    def window_page(self, window_id):
        return answer(window_id, confident=True)


def test_logging_assistant_logs_each_question_once(db):
    log = QueryLog(db, SECRET, clock=Clock())
    inner = StubAssistant()
    assistant = LoggingAssistant(inner, log, "telegram", index_version=lambda: "v9")
    with asking_user("42"):
        assistant.ask("手話通訳", audience="staff", intent="who_handles")
    assistant.ask("ごみ")
    assistant.window_page("window-kirakira")  # a page view, not a question
    assert inner.asked[0] == ("手話通訳", {"audience": "staff", "intent": "who_handles"})
    logged = rows(db)
    assert [(r["question"], r["channel"], r["index_version"]) for r in logged] == [("手話通訳", "telegram", "v9"),
                                                                                 ("ごみ", "telegram", "v9")]
    assert logged[0]["user_hash"] == log.hash_user("42") and logged[1]["user_hash"] is None


def test_a_failing_log_never_fails_the_answer(db):
    log = QueryLog(db, SECRET)
    db.dispose()
    query_log.drop(db.engine)
    reply = LoggingAssistant(StubAssistant(confident=True), log, "web").ask("ごみ")
    assert reply.query == "ごみ"


def test_report_unanswered_command(db_url, tmp_path, monkeypatch, capsys):
    settings = Settings(MADOGUCHI_DATA_DIR=tmp_path, MADOGUCHI_DB_URL=db_url, MADOGUCHI_LOG_SECRET="x")
    database = Database(db_url).create()
    log = QueryLog.from_settings(settings, database)
    for question in ("粗大ごみ", "粗大ごみ", "粗大ごみ", "駐輪場"):
        log.record(question, answer(question, confident=False), channel="line")
    log.record("公約15", answer("公約15", confident=True), channel="line")
    database.dispose()
    monkeypatch.setenv("MADOGUCHI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MADOGUCHI_DB_URL", db_url)
    monkeypatch.setenv("MADOGUCHI_LOG_SECRET", "x")

    assert cli.main(["report", "unanswered", "--csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["question"], r["count"]) for r in table] == [("粗大ごみ", "3"), ("駐輪場", "1")]
    assert cli.main(["report", "unanswered", "--days", "7"]) == 0
    text = capsys.readouterr().out
    assert text.index("粗大ごみ") < text.index("駐輪場") and "公約15" not in text


@pytest.fixture
def sample_runtime(tmp_path, db_url):
    settings = Settings(MADOGUCHI_DATA_DIR=tmp_path / "var", MADOGUCHI_DB_URL=db_url, MADOGUCHI_LOG_SECRET="x",
                        MADOGUCHI_ADMIN_TOKEN="t0ken")
    store = IndexStore(settings.data_dir)
    store.activate(store.build(sample_corpus()))
    live = LiveSearcher(store)
    yield Runtime(settings=settings, store=store, live=live, assistant=Assistant(searcher=live.current))
    live.close()


def test_the_app_logs_api_and_web_questions_once_each(sample_runtime):
    app = create_app(sample_runtime.settings, runtime=sample_runtime)
    with TestClient(app) as client:
        assert client.get("/api/ask", params={"q": "ケアラー支援"}).status_code == 200
        assert client.get("/", params={"q": "ケアラー支援"}).status_code == 200
        client.get("/healthz")
        client.get("/records/initiative-1-2-3-7")
        logged = rows(app.state.db)
        assert [(r["channel"], r["question"]) for r in logged] == [("api", "ケアラー支援"), ("web", "ケアラー支援")]
        assert logged[0]["index_version"] == sample_runtime.store.live_version()
        assert logged[0]["top_id"] == client.get("/api/ask", params={"q": "ケアラー支援"}).json()["results"][0]["id"]

        # The admin page and CSV list what was not answered confidently.
        for _ in range(2):
            client.get("/api/ask", params={"q": "ｚｚｚ不明なこと"})
        auth = {"Authorization": "Bearer t0ken"}
        listed = client.get("/admin/unanswered", headers=auth).json()["questions"]
        unsure = [r for r in rows(app.state.db) if not r["confident"]]
        assert sum(r["count"] for r in listed) == len(unsure) >= 2
        exported = client.get("/admin/unanswered", params={"format": "csv"}, headers=auth)
        assert exported.headers["content-type"].startswith("text/csv")
        assert len(list(csv.DictReader(io.StringIO(exported.text)))) == len(listed)
        assert "ｚｚｚ不明なこと" in client.get("/admin", headers=auth).text
