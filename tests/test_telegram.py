"""Telegram channel: updates with the secret header in, the exact Bot API calls out (against a local stub)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from html import unescape

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.render import telegram as render
from bot.settings import Settings
from bot.telegram import CallbackCodec
from handlers.answer import Answer, Suggestion

TOKEN = "123456:TEST-token"
SECRET = "tg-webhook-secret"
CHAT = 777001
QUESTION = "手話通訳の担当課は？"


@pytest.fixture
def client(tmp_path, telegram_api, madoguchi_runtime):
    settings = Settings(
        MADOGUCHI_DATA_DIR=tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE_URL=telegram_api.base_url(),
    )
    with TestClient(create_app(settings, madoguchi_runtime)) as test_client:
        yield test_client


def message_update(update_id: int, text: str) -> dict:
    message = {
        "message_id": update_id,
        "date": 1700000000,
        "chat": {"id": CHAT, "type": "private"},
        "from": {"id": 5001, "is_bot": False, "first_name": "職員"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def post(client: TestClient, update: dict | bytes, secret: str | None = SECRET):
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    return client.post("/webhook/telegram", content=body, headers=headers)


def sent_texts(telegram_api, count: int) -> list[dict]:
    return [r.params for r in telegram_api.wait_for(f"/bot{re.escape(TOKEN)}/sendMessage", count)]


def test_initialize_calls_get_me_on_the_configured_base_url(client, telegram_api):
    # The fixture's lifespan ran application.initialize(), which asks getMe at base_url + token.
    assert telegram_api.matching(f"^/bot{re.escape(TOKEN)}/getMe$")


def test_free_text_is_answered_for_staff_in_html(client, telegram_api, madoguchi_runtime):
    assert post(client, message_update(1, QUESTION)).status_code == 200
    expected = render.render_answer(madoguchi_runtime.assistant.ask(QUESTION, audience="staff"))
    sent = sent_texts(telegram_api, len(expected))
    assert len(sent) == len(expected)
    assert [s["text"] for s in sent] == [m.text for m in expected]
    assert all(s["chat_id"] == str(CHAT) and s["parse_mode"] == "HTML" for s in sent)
    if expected[-1].buttons:
        keyboard = json.loads(sent[-1]["reply_markup"])["inline_keyboard"]
        assert [row[0]["text"] for row in keyboard] == [label for label, _ in expected[-1].buttons]
        assert all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)


@pytest.mark.parametrize(
    "command, question, intent",
    [
        ("/pledge 15", "公約15", "pledge_status"),
        ("/who 手話通訳", "手話通訳", "who_handles"),
        ("/window ひきこもり", "ひきこもり", "find_window"),
        ("/ordinance 手話言語条例", "手話言語条例", "ordinance"),
    ],
)
def test_commands_force_the_intent(client, telegram_api, madoguchi_runtime, command, question, intent):
    assert post(client, message_update(10, command)).status_code == 200
    answer = madoguchi_runtime.assistant.ask(question, audience="staff", intent=intent)
    expected = render.render_answer(answer)
    sent = sent_texts(telegram_api, len(expected))
    assert [s["text"] for s in sent] == [m.text for m in expected]


def test_start_and_help_explain_the_commands(client, telegram_api):
    post(client, message_update(20, "/start"))
    [sent] = sent_texts(telegram_api, 1)
    assert "/pledge" in sent["text"] and "/who" in sent["text"] and sent["parse_mode"] == "HTML"


@pytest.mark.parametrize(
    "body, secret, status",
    [
        (message_update(30, QUESTION), "wrong-secret", 403),
        (message_update(31, QUESTION), None, 403),
        (message_update(32, QUESTION), SECRET[:-1], 403),
        (b'{"update_id": 33, "message": ', SECRET, 400),
        (b'["not", "an", "update"]', SECRET, 400),
        (b'{"update_id": 34, "message": {"text": "' + b"x" * 1_100_000 + b'"}}', SECRET, 400),
    ],
    ids=["wrong-secret", "missing-secret", "prefix-secret", "malformed", "not-an-object", "oversized"],
)
def test_untrusted_updates_are_rejected_without_any_outbound_call(client, telegram_api, body, secret, status):
    assert post(client, body, secret=secret).status_code == status
    time.sleep(0.3)
    assert telegram_api.matching("sendMessage") == []


def test_the_same_update_id_is_processed_once(client, telegram_api, madoguchi_runtime):
    update = message_update(40, QUESTION)
    assert post(client, update).status_code == 200
    assert post(client, update).status_code == 200
    expected = render.render_answer(madoguchi_runtime.assistant.ask(QUESTION, audience="staff"))
    sent_texts(telegram_api, len(expected))
    time.sleep(0.3)
    assert len(telegram_api.matching("sendMessage")) == len(expected)


def test_callback_query_asks_the_follow_up(client, telegram_api, madoguchi_runtime):
    follow_up = "公約15"
    update = {
        "update_id": 50,
        "callback_query": {
            "id": "cbq-50",
            "from": {"id": 5001, "is_bot": False, "first_name": "職員"},
            "chat_instance": "ci-1",
            "data": CallbackCodec().encode(follow_up),
            "message": {"message_id": 9, "date": 1700000000, "chat": {"id": CHAT, "type": "private"}, "text": "…"},
        },
    }
    assert post(client, update).status_code == 200
    [answered] = telegram_api.wait_for("answerCallbackQuery")
    assert answered.params["callback_query_id"] == "cbq-50"
    expected = render.render_answer(madoguchi_runtime.assistant.ask(follow_up, audience="staff"))
    assert [s["text"] for s in sent_texts(telegram_api, len(expected))] == [m.text for m in expected]


def test_callback_codec_keeps_long_queries_within_64_bytes():
    codec = CallbackCodec()
    long_query = "くらしと福祉の相談窓口について詳しく教えてください"
    data = codec.encode(long_query)
    assert len(data.encode()) <= 64
    assert codec.decode(data) == long_query
    assert codec.decode("h:unknown") is None


ALLOWED_TAGS = {"b", "i", "code"}


def _tags(html: str) -> set[str]:
    return set(re.findall(r"</?([a-zA-Z]+)", html))


def test_every_dynamic_string_is_escaped(madoguchi_runtime):
    record = madoguchi_runtime.assistant.record("initiative-1-2-3-7")
    assert record is not None
    hostile = record.model_copy(
        update={"title": "<script>alert('x')</script> & <b>", "departments": ["<i>課</i>"], "summary": "a < b > c"}
    )
    answer = Answer(query="<q>", intent="search", text="回答 <u>&amp;</u>", results=[hostile])
    [message] = render.render_answer(answer)
    assert _tags(message.text) <= ALLOWED_TAGS
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;" in message.text
    assert "回答 &lt;u&gt;&amp;amp;&lt;/u&gt;" in message.text
    assert "&lt;i&gt;課&lt;/i&gt;" in message.text


def test_long_answers_are_split_within_4096_characters(madoguchi_runtime):
    base = madoguchi_runtime.assistant.ask(QUESTION, audience="staff")
    text = "\n".join(f"{i}行目 <説明> & 続き" * 8 for i in range(200)) + "\n" + "切れ目のない行" * 900
    answer = base.model_copy(update={"text": text, "suggestions": [Suggestion(label="詳しく", query="詳しく")]})
    messages = render.render_answer(answer)
    assert len(messages) > 1
    assert all(len(m.text) <= 4096 for m in messages)
    assert all(m.text.count("<b>") == m.text.count("</b>") for m in messages)
    assert not any(re.search(r"&[a-z#0-9]*$", m.text) for m in messages[:-1]), "an entity was cut in two"
    joined = unescape(re.sub(r"</?(b|i|code)>", "", "\n".join(m.text for m in messages)))
    assert text.replace("\n", "") in joined.replace("\n", "")
    assert [m.buttons for m in messages[:-1]] == [[]] * (len(messages) - 1) and messages[-1].buttons


async def test_long_polling_answers_updates_from_get_updates(tmp_path, telegram_api, madoguchi_runtime):
    """`madoguchi telegram-polling` runs the same Application with an updater instead of the webhook."""
    from bot.db import Database
    from bot.telegram import TelegramChannel

    settings = Settings(MADOGUCHI_DATA_DIR=tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=telegram_api.base_url())
    channel = TelegramChannel(settings, madoguchi_runtime.assistant, Database(settings.database_url).create(), webhook=False)
    telegram_api.pending_updates.append(message_update(60, "/pledge 15"))
    application = channel.application
    async with application:
        await application.updater.start_polling(poll_interval=0.0, timeout=0)
        await application.start()
        try:
            expected = render.render_answer(
                madoguchi_runtime.assistant.ask("公約15", audience="staff", intent="pledge_status")
            )
            sent = await asyncio.to_thread(sent_texts, telegram_api, len(expected))
        finally:
            await application.updater.stop()
            await application.stop()
    assert [s["text"] for s in sent] == [m.text for m in expected]
    assert telegram_api.matching("deleteWebhook") and telegram_api.matching("getUpdates")
