"""Staff web console: server-rendered pages, then a real browser (Debian's headless Chromium via Playwright)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from stubs import ServerThread

from bot.app import create_app
from bot.render import kind_label
from bot.settings import Settings
from bot.web import group_by_goal

QUESTION = "手話通訳"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def app(tmp_path_factory, madoguchi_runtime):
    return create_app(Settings(MADOGUCHI_DATA_DIR=tmp_path_factory.mktemp("web")), madoguchi_runtime)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as test_client:
        yield test_client


def test_home_has_a_labelled_search_box_and_nothing_from_elsewhere(client):
    html = client.get("/").text
    assert '<label for="q">' in html and 'id="q"' in html and 'lang="ja"' in html
    assert 'name="viewport"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "every asset must be served locally"
    assert client.get("/static/console.css").status_code == 200


def test_results_show_kind_code_departments_status_and_citation(client, madoguchi_runtime):
    answer = madoguchi_runtime.assistant.ask(QUESTION, audience="staff")
    assert answer.results
    html = client.get("/", params={"q": QUESTION}).text
    for result in answer.results:
        assert f"{result.source.document}:{result.source.line}" in html
        assert kind_label(result.kind) in html
        if result.code:
            assert result.code in html
        for department in result.departments:
            assert department in html
        if result.status:
            assert f'class="badge status-{result.status}"' in html


def test_kind_filter_keeps_only_that_kind(client, madoguchi_runtime):
    answer = madoguchi_runtime.assistant.ask(QUESTION, audience="staff")
    kind = answer.results[-1].kind
    html = client.get("/", params={"q": QUESTION, "kind": kind}).text
    shown = re.findall(r'<li class="result kind-(\w+)">', html)
    assert shown == [r.kind for r in answer.results if r.kind == kind]


def test_department_page_groups_initiatives_by_goal(client, madoguchi_runtime):
    record = madoguchi_runtime.assistant.record("initiative-1-2-3-7")
    assert record is not None and record.departments
    name = record.departments[0]
    page = madoguchi_runtime.assistant.department_page(name)
    response = client.get(f"/departments/{quote(name)}")
    assert response.status_code == 200
    for heading, items in group_by_goal(page.results):
        assert f">{heading}</h2>" in response.text
        assert all(item.title in response.text for item in items)
    assert "1-2-3-7" in response.text


def test_window_and_record_pages(client, madoguchi_runtime):
    window = madoguchi_runtime.assistant.window_page("window-kirakira").results[0]
    html = client.get("/windows/window-kirakira").text
    assert window.title in html and f"{window.source.document}:{window.source.line}" in html
    if window.phone:
        digits = "".join(c for c in window.phone if c.isdigit())
        assert html.count(f'href="tel:{digits}"') == 1
    assert client.get("/records/pledge-15").status_code == 200
    assert client.get("/records/pledge-9999").status_code == 404


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (apt-get install -y chromium)")
def test_console_in_a_headless_browser(app, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with ServerThread(app) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--headless",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )

        def screenshot(page, name: str) -> None:
            # MADOGUCHI_SCREENSHOTS=dir keeps them for a person to look at
            page.screenshot(path=str(Path(os.environ.get("MADOGUCHI_SCREENSHOTS") or tmp_path) / name), full_page=True)

        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            page.goto(server.url + "/")
            page.get_by_label("質問・キーワード").fill(QUESTION)
            page.keyboard.press("Enter")
            expect(page.locator("#results-heading")).to_be_visible()
            results = page.locator("li.result")
            assert results.count() > 0
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
            screenshot(page, "console-phone.png")

            # filter by kind: every remaining card is of that kind
            chip = page.locator("nav.filters a[data-kind]").last
            kind = chip.get_attribute("data-kind")
            chip.click()
            expect(page.locator("nav.filters a[aria-current]")).to_have_attribute("data-kind", kind)
            classes = page.locator("li.result").evaluate_all("els => els.map(e => e.className)")
            assert classes and all(c == f"result kind-{kind}" for c in classes)

            # open a result with the keyboard
            link = page.locator("li.result h3 a").first
            title = link.inner_text()
            link.focus()
            page.keyboard.press("Enter")
            expect(page.locator("h1")).to_have_text(title)
            page.set_viewport_size({"width": 1280, "height": 900})
            screenshot(page, "record-desktop.png")
        finally:
            browser.close()
