"""LINE channel: signed webhooks in, the exact Messaging API requests out (against a local stub)."""

from __future__ import annotations

import json
import time
from io import BytesIO
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from stubs import line_signature

import bot.line
from bot.app import create_app
from bot.line import _plain_png, create_richmenu
from bot.render import STATUS_LABELS, truncate
from bot.render import line as render
from bot.settings import Settings
from handlers.answer import Answer, Detail, Suggestion

SECRET = "line-channel-secret"
TOKEN = "line-access-token"
QUESTION = "子育ての相談はどこ？"


@pytest.fixture
def settings(tmp_path, line_api):
    return Settings(
        MADOGUCHI_DATA_DIR=tmp_path,
        LINE_CHANNEL_SECRET=SECRET,
        LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
        LINE_API_BASE_URL=line_api.url,
    )


@pytest.fixture
def client(settings, madoguchi_runtime):
    with TestClient(create_app(settings, madoguchi_runtime)) as test_client:
        yield test_client


def event(kind: str = "message", event_id: str = "01HEVENT0000000000000001", redelivery: bool = False, **extra) -> dict:
    data = {
        "type": kind,
        "mode": "active",
        "timestamp": 1700000000000,
        "source": {"type": "user", "userId": "U4af4980629"},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": redelivery},
        "replyToken": "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA",
    }
    data.update(extra)
    return data


def text_event(text: str, **kw) -> dict:
    return event(message={"type": "text", "id": "444573844083572737", "quoteToken": "q3Plxr4AgKd", "text": text}, **kw)


def post(client: TestClient, events: list[dict], secret: str = SECRET, body: bytes | None = None, signature=...):
    body = body if body is not None else json.dumps({"destination": "Uxxxxxxxx", "events": events}).encode()
    headers = {"Content-Type": "application/json"}
    signature = line_signature(secret, body) if signature is ... else signature
    if signature is not None:
        headers["X-Line-Signature"] = signature
    return client.post("/webhook/line", content=body, headers=headers)


def test_text_message_is_answered_with_the_reply_token(client, line_api, madoguchi_runtime):
    response = post(client, [text_event(QUESTION)])
    assert response.status_code == 200
    [reply] = line_api.wait_for("/v2/bot/message/reply")
    assert reply.method == "POST"
    assert reply.headers["authorization"] == f"Bearer {TOKEN}"
    sent = reply.json
    assert sent["replyToken"] == "nHuyWiB7yP5Zw52FIkcQobQuGDXCTA"

    answer = madoguchi_runtime.assistant.ask(QUESTION, audience="citizen")
    expected = render.render_answer(answer)
    assert [m["type"] for m in sent["messages"]] == [m["type"] for m in expected]
    assert sent["messages"][0]["text"] == render.split_text(answer.text)[0]
    assert 1 <= len(sent["messages"]) <= 5
    if answer.results:
        flex = next(m for m in sent["messages"] if m["type"] == "flex")
        assert answer.results[0].title in flex["altText"]
        bubbles = flex["contents"]["contents"] if flex["contents"]["type"] == "carousel" else [flex["contents"]]
        assert len(bubbles) == min(len(answer.results), render.CITIZEN_CARDS)
        assert all(b["type"] == "bubble" for b in bubbles)
    if answer.suggestions:
        items = sent["messages"][-1]["quickReply"]["items"]
        assert [i["action"]["label"] for i in items] == [truncate(s.label, 20) for s in answer.suggestions[:13]]
        assert items[0]["action"]["data"] == "q:" + answer.suggestions[0].query
    assert line_api.matching("/push") == []


@pytest.mark.parametrize(
    "body, signature",
    [
        (None, "forged"),  # wrong secret
        (None, None),  # no signature header
        (b'{"events": [', "valid"),  # malformed JSON, correctly signed
        (b'{"destination": "U", "events": "nope"}', "valid"),  # wrong shape, correctly signed
        (b'{"events": []}' + b" " * 1_100_000, "valid"),  # oversized
    ],
    ids=["forged", "missing", "malformed", "wrong-shape", "oversized"],
)
def test_untrusted_payloads_are_rejected_without_any_outbound_call(client, line_api, body, signature):
    events = [text_event(QUESTION)]
    raw = body if body is not None else json.dumps({"destination": "U", "events": events}).encode()
    if signature == "forged":
        signature = line_signature("another-secret", raw)
    elif signature == "valid":
        signature = line_signature(SECRET, raw)
    response = post(client, events, body=raw, signature=signature)
    assert response.status_code == 400
    time.sleep(0.2)
    assert line_api.requests == []


def test_redelivered_event_is_answered_once_even_after_a_restart(settings, line_api, madoguchi_runtime):
    first = text_event(QUESTION, event_id="01HREDELIVERED00000000001")
    again = text_event(QUESTION, event_id="01HREDELIVERED00000000001", redelivery=True)
    with TestClient(create_app(settings, madoguchi_runtime)) as client:
        assert post(client, [first]).status_code == 200
        assert post(client, [again]).status_code == 200
    with TestClient(create_app(settings, madoguchi_runtime)) as restarted:  # same database, new process state
        assert post(restarted, [again]).status_code == 200
    time.sleep(0.2)
    assert len(line_api.matching("/v2/bot/message/")) == 1


def test_console_verify_request_succeeds_without_replying(client, line_api):
    assert post(client, []).status_code == 200
    dummy = text_event("hello", event_id="01HVERIFY", replyToken="00000000000000000000000000000000")
    dummy["source"] = {"type": "user", "userId": "Udeadbeefdeadbeefdeadbeefdeadbeef"}
    assert post(client, [dummy]).status_code == 200
    time.sleep(0.2)
    assert line_api.matching("/reply") == []


def test_expired_reply_token_falls_back_to_a_push_message(client, line_api):
    line_api.expired_tokens.add("nHuyWiB7yP5Zw52FIkcQobQuGDXCTA")
    assert post(client, [text_event(QUESTION)]).status_code == 200
    [push] = line_api.wait_for("/v2/bot/message/push")
    assert push.json["to"] == "U4af4980629"
    assert push.headers["authorization"] == f"Bearer {TOKEN}"
    assert push.headers.get("x-line-retry-key")
    assert push.json["messages"] == line_api.matching("/reply")[0].json["messages"]


def test_follow_is_greeted_with_what_the_bot_can_do(client, line_api):
    assert post(client, [event("follow", follow={"isUnblocked": False})]).status_code == 200
    [reply] = line_api.wait_for("/reply")
    assert reply.json["messages"] == render.greeting_messages()
    assert "公約" in reply.json["messages"][0]["text"] and "窓口" in reply.json["messages"][0]["text"]


@pytest.mark.parametrize(
    "message",
    [
        {"type": "sticker", "id": "1", "quoteToken": "q", "packageId": "446", "stickerId": "1988", "stickerResourceType": "STATIC"},
        {"type": "image", "id": "2", "quoteToken": "q", "contentProvider": {"type": "line"}},
        {"type": "location", "id": "3", "latitude": 35.3192, "longitude": 139.5467, "address": "鎌倉市御成町18-10"},
        {"type": "file", "id": "4", "fileName": "a.pdf", "fileSize": 100},
    ],
    ids=lambda m: m["type"],
)
def test_non_text_messages_get_a_short_how_to_ask(client, line_api, message):
    assert post(client, [event(message=message)]).status_code == 200
    [reply] = line_api.wait_for("/reply")
    assert reply.json["messages"] == render.unsupported_messages()


def test_postbacks_ask_the_query_or_open_a_window(client, line_api, madoguchi_runtime):
    assert post(client, [event("postback", postback={"data": "q:" + QUESTION})]).status_code == 200
    [reply] = line_api.wait_for("/reply")
    expected = render.render_answer(madoguchi_runtime.assistant.ask(QUESTION, audience="citizen"))
    assert reply.json["messages"][0] == expected[0]

    line_api.clear()
    window = madoguchi_runtime.assistant.record("window-kirakira")
    assert window is not None
    post(client, [event("postback", event_id="01HPOSTBACK2", postback={"data": "w:window-kirakira"})])
    [reply] = line_api.wait_for("/reply")
    flex = next(m for m in reply.json["messages"] if m["type"] == "flex")
    assert window.title in json.dumps(flex, ensure_ascii=False)


def _texts(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "text" else []
        return own + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def _actions(node) -> list[dict]:
    if isinstance(node, dict):
        own = [node["action"]] if "action" in node and node.get("type") == "button" else []
        return own + [a for value in node.values() for a in _actions(value)]
    if isinstance(node, list):
        return [a for item in node for a in _actions(item)]
    return []


def test_window_bubble_has_tel_button_only_for_a_confirmed_phone_and_marks_unconfirmed(madoguchi_runtime):
    window = madoguchi_runtime.assistant.record("window-kirakira")
    assert window is not None and window.kind == "window"
    bubble = render.bubble(window)
    texts = " ".join(_texts(bubble))
    assert window.title in texts
    tel = [a for a in _actions(bubble) if a["type"] == "uri" and a["uri"].startswith("tel:")]
    assert len(tel) == (1 if window.phone else 0)
    if window.phone:
        assert tel[0]["uri"] == "tel:" + "".join(c for c in window.phone if c.isdigit())

    flagged = window.model_copy(
        update={"phone": None, "details": [Detail(label="時間", value="平日8時30分～17時15分", unconfirmed=True)]}
    )
    flagged_bubble = render.bubble(flagged)
    assert "平日8時30分～17時15分（要確認）" in _texts(flagged_bubble)
    assert not [a for a in _actions(flagged_bubble) if a["type"] == "uri"]


def test_pledge_and_initiative_bubbles_show_status_code_department_and_section(madoguchi_runtime):
    pledge = madoguchi_runtime.assistant.record("pledge-15")
    assert pledge is not None and pledge.status
    texts = _texts(render.bubble(pledge))
    assert STATUS_LABELS[pledge.status] in texts
    assert f"公約 {pledge.number}" in texts
    if pledge.section:
        assert any(pledge.section[:20] in t for t in texts)

    initiative = madoguchi_runtime.assistant.record("initiative-1-2-3-7")
    assert initiative is not None
    texts = " ".join(_texts(render.bubble(initiative)))
    assert "1-2-3-7" in texts
    assert all(d in texts for d in initiative.departments)


def test_rendering_respects_line_limits(madoguchi_runtime):
    base = madoguchi_runtime.assistant.ask(QUESTION, audience="citizen")
    assert base.results, "the corpus should have something about 子育て"
    many = (base.results * 20)[:40]
    long = Answer(
        query=QUESTION,
        intent="search",
        text=("とても長い説明です。" * 120 + "\n") * 20,
        results=[r.model_copy(update={"summary": r.title * 200}) for r in many],
        suggestions=[Suggestion(label=f"とても長いラベルの候補その{i}です", query=f"質問{i}" * 200) for i in range(30)],
    )
    messages = render.render_answer(long, max_cards=40)
    assert len(messages) <= 5
    assert all(len(m["text"]) <= 5000 for m in messages if m["type"] == "text")
    flex = [m for m in messages if m["type"] == "flex"]
    assert len(flex) == 1 and len(flex[0]["altText"]) <= 1500
    carousel = flex[0]["contents"]
    assert len(carousel["contents"]) <= 12
    assert len(json.dumps(carousel, ensure_ascii=False).encode()) <= 50_000
    items = messages[-1]["quickReply"]["items"]
    assert len(items) == 13
    assert all(len(i["action"]["label"]) <= 20 and len(i["action"]["data"]) <= 300 for i in items)


def test_richmenu_is_created_uploaded_and_set_as_default(line_api, settings):
    menu_id = create_richmenu(settings)
    assert menu_id == "richmenu-stub-0001"
    [create] = line_api.matching(r"^/v2/bot/richmenu$")
    spec = json.loads((Path(bot.line.__file__).parent / "richmenu.json").read_text(encoding="utf-8"))
    assert create.json["size"] == spec["size"]
    assert [a["action"]["data"] for a in create.json["areas"]] == [a["action"]["data"] for a in spec["areas"]]
    assert create.headers["authorization"] == f"Bearer {TOKEN}"
    [upload] = line_api.matching(f"/v2/bot/richmenu/{menu_id}/content")
    assert upload.headers["content-type"] == "image/png"
    assert upload.body.startswith(b"\x89PNG\r\n\x1a\n")
    assert line_api.matching(f"/v2/bot/user/all/richmenu/{menu_id}")[0].method == "POST"


def test_fallback_png_is_a_valid_image():
    from PIL import Image

    image = Image.open(BytesIO(_plain_png(40, 10)))
    image.load()
    assert image.size == (40, 10) and image.getpixel((5, 5)) == (11, 87, 208)


def test_rendered_messages_are_exactly_what_the_sdk_models_produce(madoguchi_runtime):
    """bot.line sends the renderer's dicts as is; they must round-trip through the SDK's models unchanged."""
    from linebot.v3.messaging import Message

    answer = madoguchi_runtime.assistant.ask(QUESTION, audience="citizen")
    window = madoguchi_runtime.assistant.window_page("window-kirakira")
    pledge = madoguchi_runtime.assistant.record("pledge-15")
    rendered = [
        *render.render_answer(answer),
        *render.render_answer(window),
        *render.render_answer(answer.model_copy(update={"results": [pledge]})),
        *render.greeting_messages(),
        *render.unsupported_messages(),
    ]
    for message in rendered:
        assert Message.from_dict(message).to_dict() == message


def test_oversized_body_without_content_length_is_refused_while_streaming(client, line_api):
    chunks = (b" " * 65536 for _ in range(20))  # 1.3 MB, chunked: no Content-Length to trust
    response = client.post("/webhook/line", content=chunks, headers={"X-Line-Signature": "x"})
    assert response.status_code == 400
    time.sleep(0.2)
    assert line_api.requests == []
