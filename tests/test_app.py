"""The HTTP server: health, JSON API, OpenAPI, channels switched off by missing secrets, dedup table."""

from __future__ import annotations

import os
import re

import httpx
import pytest
from fastapi.testclient import TestClient
from stubs import ServerThread

from bot.app import create_app
from bot.db import Database, processed_events
from bot.settings import Settings

QUESTION = "公約15の進捗は？"


@pytest.fixture
def settings(tmp_path):
    return Settings(MADOGUCHI_DATA_DIR=tmp_path)


@pytest.fixture
def client(settings, madoguchi_runtime):
    with TestClient(create_app(settings, madoguchi_runtime)) as test_client:
        yield test_client


def test_healthz_reports_the_live_index_version(client, madoguchi_runtime):
    response = client.get("/healthz")
    assert response.status_code == 200
    version = madoguchi_runtime.store.live_version()
    assert version
    assert response.json() == {"status": "ok", "index_version": version}


def test_api_ask_returns_the_json_answer_contract(client, madoguchi_runtime):
    response = client.get("/api/ask", params={"q": QUESTION})
    assert response.status_code == 200
    data = response.json()
    assert data == madoguchi_runtime.assistant.ask(QUESTION, audience="citizen").to_json()
    assert set(data) == {"query", "intent", "text", "results"} and data["query"] == QUESTION
    for result in data["results"]:
        assert {"kind", "id", "title", "departments", "score", "source"} <= set(result)
        assert set(result["source"]) == {"document", "line"}


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "あ" * 501}, {"q": "x", "audience": "admin"}])
def test_api_ask_rejects_bad_parameters(client, params):
    assert client.get("/api/ask", params=params).status_code == 422


def test_openapi_documents_the_routes(client):
    schema = client.get("/openapi.json").json()
    assert {"/healthz", "/api/ask"} <= set(schema["paths"])
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_load_nothing_from_outside_the_server(client, page):
    """Swagger UI / ReDoc assets are served locally: no CDN (offline use; staff IPs stay in house)."""
    html = client.get(page).text
    assert not re.findall(r"(?:https?:)?//[^\s\"'<>]+", html), "an absolute URL in the page"
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any(a.endswith(".js") for a in assets), "the page should load its script"
    for asset in assets:
        assert asset.startswith("/"), asset
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 1000, asset
    if page == "/docs":
        assert '"validatorUrl": null' in html  # no badge image fetched from validator.swagger.io


def test_channels_without_secrets_are_off_and_the_server_still_starts(client):
    assert client.post("/webhook/line", content=b"{}", headers={"X-Line-Signature": "x"}).status_code == 404
    assert client.post("/webhook/telegram", json={"update_id": 1}).status_code == 404
    assert client.get("/healthz").status_code == 200


def test_half_configured_channel_stays_off(tmp_path, madoguchi_runtime):
    settings = Settings(MADOGUCHI_DATA_DIR=tmp_path, LINE_CHANNEL_SECRET="only-the-secret", TELEGRAM_BOT_TOKEN="1:x")
    with TestClient(create_app(settings, madoguchi_runtime)) as client:
        assert client.post("/webhook/line", content=b"{}").status_code == 404
        assert client.post("/webhook/telegram", json={}).status_code == 404


def test_admin_routes_are_absent_without_a_token(client):
    assert client.get("/admin/status").status_code == 404


def test_served_by_uvicorn_on_loopback(settings, madoguchi_runtime):
    with ServerThread(create_app(settings, madoguchi_runtime)) as server:
        response = httpx.get(f"{server.url}/healthz", timeout=10)
        assert response.status_code == 200 and response.json()["status"] == "ok"
        answer = httpx.get(f"{server.url}/api/ask", params={"q": QUESTION}, timeout=10).json()
        assert answer["query"] == QUESTION


@pytest.fixture(params=["sqlite", "postgresql"])
def dedup_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dedup.sqlite3'}"
    url = os.environ.get("MADOGUCHI_TEST_PG_URL")
    if not url:
        pytest.skip("MADOGUCHI_TEST_PG_URL not set (scripts/pg.sh starts a throwaway PostgreSQL)")
    db = Database(url).create()
    with db.engine.begin() as conn:
        conn.execute(processed_events.delete())
    db.dispose()
    return url


def test_event_ids_are_recorded_once_across_restarts(dedup_url):
    url = dedup_url
    db = Database(url).create()
    assert db.first_seen("line", "E1") is True
    assert db.first_seen("line", "E1") is False
    assert db.first_seen("telegram", "E1") is True  # ids are per channel
    db.dispose()
    reopened = Database(url).create()
    assert reopened.first_seen("line", "E1") is False
    assert reopened.prune_events(older_than_seconds=-1) == 2
    assert reopened.first_seen("line", "E1") is True


class CountingAssistant:
    def __init__(self, assistant):
        self.assistant = assistant
        self.calls = 0

    def ask(self, text, **options):
        self.calls += 1
        return self.assistant.ask(text, **options)

    def record(self, record_id):
        return self.assistant.record(record_id)


def test_answer_cache_reuses_answers_until_the_index_version_changes(madoguchi_runtime):
    from bot.cache import CachedAssistant

    counting = CountingAssistant(madoguchi_runtime.assistant)
    version = ["v1"]
    cached = CachedAssistant(counting, version=lambda: version[0], size=2)
    first = cached.ask(QUESTION)
    assert cached.ask(QUESTION) is first and counting.calls == 1
    assert cached.ask(QUESTION, audience="staff") is not first and counting.calls == 2  # audience is part of the key
    version[0] = "v2"  # a reindex swapped the live index
    assert cached.ask(QUESTION).to_json() == first.to_json() and counting.calls == 3
    cached.ask("公約1")
    cached.ask("公約2")  # size 2: the oldest entries are evicted
    cached.ask(QUESTION)
    assert counting.calls == 6
    assert cached.record("pledge-15") == madoguchi_runtime.assistant.record("pledge-15")  # other methods pass through
