"""Overload: past MADOGUCHI_WEBHOOK_BACKLOG pending answers the webhooks answer 503 and do nothing;
a refused event sent again later is answered exactly once. Runs the app under uvicorn (the answers are
background work that a TestClient request would wait for)."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
import time
import uuid

import httpx
import pytest
from stubs import ServerThread, line_signature

from bot.app import create_app
from bot.line import RETRY_KEY_NAMESPACE
from bot.settings import Settings

LINE_SECRET = "overload-line-secret"
TG_TOKEN = "123456:OVERLOAD-token"
TG_SECRET = "overload-tg-secret"


class GatedAssistant:
    """The real assistant, except that questions starting with WAIT block until ``gate`` is set."""

    def __init__(self, assistant):
        self.assistant = assistant
        self.gate = threading.Event()
        self.waiting = threading.Semaphore(0)

    def ask(self, text, **options):
        if text.startswith("WAIT"):
            self.waiting.release()
            self.gate.wait(timeout=30)
        return self.assistant.ask(text, **options)

    def __getattr__(self, name):
        return getattr(self.assistant, name)

    def wait_blocked(self, count: int) -> None:
        for _ in range(count):
            assert self.waiting.acquire(timeout=10), "the blocking question was never asked"


def gated_app(settings: Settings, runtime):
    gated = GatedAssistant(runtime.assistant)
    app = create_app(settings, dataclasses.replace(runtime, settings=settings, assistant=gated))
    [channel] = app.state.channels
    return app, gated, channel


def wait_drained(channel, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while channel.backlog.pending and time.monotonic() < deadline:
        time.sleep(0.02)
    assert channel.backlog.pending == 0


# --- LINE ----------------------------------------------------------------------------------------


@pytest.fixture
def line_settings(tmp_path, line_api):
    return Settings(
        MADOGUCHI_DATA_DIR=tmp_path,
        LINE_CHANNEL_SECRET=LINE_SECRET,
        LINE_CHANNEL_ACCESS_TOKEN="overload-access-token",
        LINE_API_BASE_URL=line_api.url,
        MADOGUCHI_WEBHOOK_BACKLOG=2,
    )


def line_event(n: int, text: str, redelivery: bool = False) -> dict:
    return {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": f"Uoverload{n:04d}"},
        "webhookEventId": f"01HOVERLOAD{n:015d}",
        "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": f"reply-token-{n}",
        "message": {"type": "text", "id": str(n), "quoteToken": "q", "text": text},
    }


def post_line(url: str, *events: dict) -> httpx.Response:
    body = json.dumps({"destination": "U", "events": list(events)}).encode()
    headers = {"X-Line-Signature": line_signature(LINE_SECRET, body), "Content-Type": "application/json"}
    return httpx.post(f"{url}/webhook/line", content=body, headers=headers, timeout=10)


def answers_for(stub, n: int) -> list:
    """Every reply or push that answered LINE event ``n``."""
    return [r for r in stub.matching("/v2/bot/message/(reply|push)")
            if r.json.get("replyToken") == f"reply-token-{n}" or r.json.get("to") == f"Uoverload{n:04d}"]


def test_line_refuses_past_the_backlog_and_answers_the_redelivery_once(line_settings, line_api, madoguchi_runtime,
                                                                        caplog):
    app, gated, channel = gated_app(line_settings, madoguchi_runtime)
    caplog.set_level(logging.WARNING, logger="bot.backlog")
    with ServerThread(app) as server:
        assert post_line(server.url, line_event(1, "WAIT 一")).status_code == 200
        assert post_line(server.url, line_event(2, "WAIT 二")).status_code == 200
        gated.wait_blocked(2)
        assert channel.backlog.pending == 2

        refused = post_line(server.url, line_event(3, "子育ての相談はどこ？"))
        assert refused.status_code == 503
        assert post_line(server.url, line_event(4, "介護の相談")).status_code == 503
        # a forged webhook is still a 400, overloaded or not (the signature is checked first)
        forged = httpx.post(f"{server.url}/webhook/line", content=b"{}", headers={"X-Line-Signature": "x"})
        assert forged.status_code == 400
        # an empty (console Verify) webhook costs nothing and is accepted
        assert post_line(server.url).status_code == 200
        time.sleep(0.3)
        assert line_api.requests == [], "a refused webhook must cause no outbound call"
        warnings = [r for r in caplog.records if r.name == "bot.backlog"]
        assert len(warnings) == 1 and "503" in warnings[0].getMessage()  # rate-limited: one for two refusals

        gated.gate.set()
        line_api.wait_for("/v2/bot/message/reply", 2)
        wait_drained(channel)

        # accepted again; LINE redelivers the refused event, which is answered once (reply token still valid)
        assert post_line(server.url, line_event(5, "公約15の進捗は？")).status_code == 200
        assert post_line(server.url, line_event(3, "子育ての相談はどこ？", redelivery=True)).status_code == 200
        line_api.wait_for("/v2/bot/message/reply", 4)
        wait_drained(channel)
        assert post_line(server.url, line_event(3, "子育ての相談はどこ？", redelivery=True)).status_code == 200
        wait_drained(channel)
        time.sleep(0.3)

    assert [len(answers_for(line_api, n)) for n in (1, 2, 3, 4, 5)] == [1, 1, 1, 0, 1]
    assert line_api.matching("/push") == []
    [answer] = answers_for(line_api, 3)
    expected = madoguchi_runtime.assistant.ask("子育ての相談はどこ？", audience="citizen")
    assert answer.json["messages"][0]["text"].startswith(expected.text[:20])


def test_line_event_that_waited_past_its_reply_token_is_pushed_once(line_settings, line_api, madoguchi_runtime):
    app, gated, channel = gated_app(line_settings, madoguchi_runtime)
    channel.reply_token_lifetime = 0.2
    with ServerThread(app) as server:
        assert post_line(server.url, line_event(1, "WAIT 古い質問")).status_code == 200
        assert post_line(server.url, line_event(2, "公約15の進捗は？")).status_code == 200
        line_api.wait_for("/reply", 1)  # the second one did not wait: replied with its token
        gated.wait_blocked(1)
        time.sleep(0.3)  # the first one's token is now past its lifetime
        gated.gate.set()
        [push] = line_api.wait_for("/push", 1)
        wait_drained(channel)
        assert post_line(server.url, line_event(1, "WAIT 古い質問", redelivery=True)).status_code == 200
        wait_drained(channel)
        time.sleep(0.3)

    assert push.json["to"] == "Uoverload0001"
    assert push.headers["x-line-retry-key"] == str(uuid.uuid5(RETRY_KEY_NAMESPACE, "01HOVERLOAD000000000000001"))
    assert [r.json["replyToken"] for r in line_api.matching("/reply")] == ["reply-token-2"], "no wasted reply call"
    assert len(line_api.matching("/push")) == 1


# --- Telegram ------------------------------------------------------------------------------------


def tg_update(update_id: int, text: str) -> dict:
    chat = 9000 + update_id  # one chat per update: the stub's sendMessage calls say which update they answer
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": {"id": 5001, "is_bot": False, "first_name": "職員"},
            "text": text,
        },
    }


def post_tg(url: str, update: dict) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    return httpx.post(f"{url}/webhook/telegram", json=update, headers=headers, timeout=10)


def sent_to(stub, update_id: int) -> int:
    return sum(1 for r in stub.matching("sendMessage") if r.params["chat_id"] == str(9000 + update_id))


def test_telegram_refuses_past_the_backlog_and_answers_the_retry_once(tmp_path, telegram_api, madoguchi_runtime):
    settings = Settings(
        MADOGUCHI_DATA_DIR=tmp_path,
        TELEGRAM_BOT_TOKEN=TG_TOKEN,
        TELEGRAM_WEBHOOK_SECRET=TG_SECRET,
        TELEGRAM_API_BASE_URL=telegram_api.base_url(),
        MADOGUCHI_WEBHOOK_BACKLOG=2,
    )
    app, gated, channel = gated_app(settings, madoguchi_runtime)
    with ServerThread(app) as server:
        assert post_tg(server.url, tg_update(1, "WAIT 一")).status_code == 200
        assert post_tg(server.url, tg_update(2, "WAIT 二")).status_code == 200
        gated.wait_blocked(2)
        assert post_tg(server.url, tg_update(3, "手話通訳の担当課は？")).status_code == 503
        assert post_tg(server.url, tg_update(4, "WAIT 三")).status_code == 503
        time.sleep(0.3)
        assert telegram_api.matching("sendMessage") == [], "a refused update must cause no outbound call"

        gated.gate.set()
        wait_drained(channel)
        assert sent_to(telegram_api, 1) >= 1 and sent_to(telegram_api, 2) >= 1

        # Telegram retries the refused update: answered once, and a second retry changes nothing
        assert post_tg(server.url, tg_update(3, "手話通訳の担当課は？")).status_code == 200
        wait_drained(channel)
        answered = sent_to(telegram_api, 3)
        assert post_tg(server.url, tg_update(3, "手話通訳の担当課は？")).status_code == 200
        wait_drained(channel)
        time.sleep(0.3)
        assert answered >= 1 and sent_to(telegram_api, 3) == answered
        assert sent_to(telegram_api, 4) == 0

    from bot.render import telegram as render

    expected = render.render_answer(madoguchi_runtime.assistant.ask("手話通訳の担当課は？", audience="staff"))
    assert answered == len(expected)
    assert [r.params["chat_id"] for r in telegram_api.matching("sendMessage")].count(str(9003)) == len(expected)
    assert re.search(r"/bot" + re.escape(TG_TOKEN) + "/sendMessage$", telegram_api.matching("sendMessage")[0].path)
