"""Admin HTTP: token gate, status, the admin page, and reindex against a live server under load."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from revisions import NEW_CODE, NEW_TITLE, add_revision, revised_plan, truncated_plan
from stubs import ServerThread

from bot.app import create_app

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def admin_settings(reindex_site):
    return reindex_site.model_copy(update={"admin_token": TOKEN})


@pytest.fixture
def client(admin_settings):
    with TestClient(create_app(admin_settings)) as client:
        yield client


def test_admin_routes_are_off_without_a_token(reindex_site):
    with TestClient(create_app(reindex_site.model_copy(update={"admin_token": None}))) as client:
        assert client.get("/admin/status", headers=AUTH).status_code == 404
        assert client.post("/admin/reindex", headers=AUTH).status_code == 404
        assert client.get("/admin").status_code == 404


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": "Bearer "}])
def test_unauthorised_calls_are_refused(client, headers):
    for method, path in (("get", "/admin/status"), ("post", "/admin/reindex"), ("post", "/admin/rollback"),
                         ("get", "/admin/unanswered")):
        response = client.request(method, path, headers=headers)
        assert response.status_code == 401, (method, path)
        assert "live_version" not in response.text


def test_status(client, admin_settings):
    response = client.get("/admin/status", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["live_version"] == client.get("/healthz").json()["index_version"]
    assert body["counts"]["pledge"] == 170 and body["built_at"]
    assert [v["version"] for v in body["versions"]] == [body["live_version"]]
    assert body["last_report"]["status"] == "ok" and body["reindex_running"] is False


def test_admin_page_signs_in_with_the_token_form_and_keeps_a_session_cookie(client):
    login = client.get("/admin")
    assert login.status_code == 200 and 'type="password"' in login.text and "live-version" not in login.text
    assert client.post("/admin", data={"token": "wrong"}).status_code == 401
    assert "madoguchi_admin" not in client.cookies
    signed_in = client.post("/admin", data={"token": TOKEN}, follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/admin"
    cookie = signed_in.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie and TOKEN not in cookie
    page = client.get("/admin")
    live = client.get("/healthz").json()["index_version"]
    assert page.status_code == 200 and live in page.text
    # The token never reaches the page: the forms post to the console with the session cookie only.
    assert TOKEN not in page.text and 'name="token"' not in page.text
    assert 'action="/admin/console/reindex" method="post"' in page.text
    # Signing out ends the session.
    client.post("/admin/logout")
    assert "live-version" not in client.get("/admin").text
    client.cookies.clear()
    header = client.get("/admin", headers=AUTH)
    assert header.status_code == 200 and live in header.text


@pytest.mark.parametrize("forge", ["expired", "tampered", "garbage", "other-token"])
def test_a_forged_or_expired_session_is_refused(client, forge):
    from bot.admin import AdminSession

    valid = AdminSession(TOKEN.encode()).issue()
    expires, _, signature = valid.partition(".")
    cookie = {
        "expired": AdminSession(TOKEN.encode(), lifetime=-1).issue(),
        "tampered": f"{int(expires) + 3600}.{signature}",
        "garbage": "not-a-session",
        "other-token": AdminSession(b"another-token").issue(),
    }[forge]
    client.cookies.set("madoguchi_admin", cookie, path="/admin")
    assert "live-version" not in client.get("/admin").text
    assert client.post("/admin/console/reindex").status_code == 401


def test_admin_page_reindex_refused(client, admin_settings):
    add_revision(admin_settings.corpus_dir, "003_truncated.txt", truncated_plan())
    live = client.get("/healthz").json()["index_version"]
    assert client.post("/admin/console/reindex").status_code == 401  # not signed in: nothing runs
    client.post("/admin", data={"token": TOKEN})
    page = client.post("/admin/console/reindex")
    assert page.status_code == 422 and "003_truncated.txt" in page.text
    assert client.get("/healthz").json()["index_version"] == live


def test_reindex_against_a_running_server(admin_settings):
    """Live uvicorn: a revised plan is answered right after reindex, a second reindex meanwhile gets 409,
    a truncated plan gets 422 while the old version keeps answering, and no query fails throughout."""
    app = create_app(admin_settings)
    stop = threading.Event()
    failures: list[str] = []
    answered = [0]

    with ServerThread(app) as server:
        def ask_in_a_loop():
            with httpx.Client(base_url=server.url, timeout=30) as http:
                while not stop.is_set():
                    try:
                        response = http.get("/api/ask", params={"q": "手話通訳の派遣はどこの課？"})
                        if response.status_code != 200 or not response.json()["results"]:
                            failures.append(f"{response.status_code} {response.text[:200]}")
                        answered[0] += 1
                    except httpx.HTTPError as error:
                        failures.append(repr(error))
                    time.sleep(0.05)  # steady traffic, not a benchmark: the build shares the CPU

        with httpx.Client(base_url=server.url, timeout=120) as http, ThreadPoolExecutor(4) as pool:
            askers = [pool.submit(ask_in_a_loop) for _ in range(2)]
            try:
                before = http.get("/healthz").json()["index_version"]
                add_revision(admin_settings.corpus_dir, "003_revised.txt", revised_plan())
                first = pool.submit(http.post, "/admin/reindex", headers=AUTH)
                deadline = time.monotonic() + 30
                while not http.get("/admin/status", headers=AUTH).json()["reindex_running"]:
                    assert time.monotonic() < deadline and not first.done()
                    time.sleep(0.05)
                assert http.post("/admin/reindex", headers=AUTH).status_code == 409
                done = first.result()
                assert done.status_code == 200, done.text
                report = done.json()
                assert {"kind": "initiative", "id": f"initiative-{NEW_CODE}", "change": "added",
                        "label": NEW_CODE} in report["changes"]["items"]
                assert report["documents"]["003_revised.txt"] == "welfare_plan"
                version = report["version"]
                assert version != before and http.get("/healthz").json()["index_version"] == version

                answer = http.get("/api/ask", params={"q": f"取組 {NEW_CODE} の担当課は？"}).json()
                assert answer["results"][0]["id"] == f"initiative-{NEW_CODE}"
                assert answer["results"][0]["title"] == NEW_TITLE

                add_revision(admin_settings.corpus_dir, "003_truncated.txt", truncated_plan())
                refused = http.post("/admin/reindex", headers=AUTH)
                assert refused.status_code == 422
                assert refused.json()["problems"][0]["document"] == "003_truncated.txt"
                assert http.get("/healthz").json()["index_version"] == version
                again = http.get("/api/ask", params={"q": f"取組 {NEW_CODE} の担当課は？"}).json()
                assert again["results"][0]["id"] == f"initiative-{NEW_CODE}"
                status = http.get("/admin/status", headers=AUTH).json()
                assert status["live_version"] == version and status["last_report"]["status"] == "refused"
            finally:
                stop.set()
                for asker in askers:
                    asker.result()
    assert failures == []
    assert answered[0] > 10
