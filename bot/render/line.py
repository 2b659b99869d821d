"""Answer → LINE messages (plain dicts in Messaging API JSON; bot.line turns them into SDK models).

Cards are Flex bubbles, follow-ups are quick replies. LINE's limits are applied
here so every reply is accepted: at most 5 messages, 5,000 characters per text,
1,500 per altText, 13 quick-reply items with 20-character labels, 300-character
postback data, and a carousel of at most 12 bubbles within the Flex size limit.
"""

from __future__ import annotations

import json
import re

from bot.render import UNCONFIRMED, kind_label, shown_details, status_label, truncate
from handlers.answer import Answer, Result, Suggestion

MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_ALT_TEXT = 1500
MAX_QUICK_REPLY = 13
MAX_QUICK_LABEL = 20
MAX_BUTTON_LABEL = 40
MAX_POSTBACK = 300
MAX_BUBBLES = 12
MAX_CAROUSEL_BYTES = 50_000  # LINE rejects larger Flex containers
CITIZEN_CARDS = 5  # a phone screen shows a handful of cards; the rest is noise

STATUS_COLORS = {"achieved": "#1B6E34", "in_progress": "#9A4A00", "not_achieved": "#5F6368"}
TEXT_COLOR = "#1F1F1F"
MUTED_COLOR = "#555555"  # ≥ 7:1 on white
ACCENT_COLOR = "#0B57D0"

GREETING = (
    "友だち追加ありがとうございます。鎌倉市の相談窓口と計画をご案内するボットです。\n"
    "・困りごとを送ると、相談できる窓口をお知らせします（例：「介護の相談はどこ？」）\n"
    "・市長公約の番号で進み具合を調べられます（例：「公約15」）\n"
    "・地域福祉計画の取組や担当課も探せます\n"
    "ご案内は市の公開資料にもとづきます。くわしくは各窓口にご確認ください。"
)
GREETING_SUGGESTIONS = [
    Suggestion(label="どこに相談？", query="どこに相談すればいいかわからない"),
    Suggestion(label="子育ての相談", query="子育ての相談"),
    Suggestion(label="公約15", query="公約15"),
    Suggestion(label="使い方", query="使い方"),
]
UNSUPPORTED = (
    "ごめんなさい、スタンプ・画像・音声・動画・位置情報・ファイルの中身は読み取れません。"
    "知りたいことを文字で送ってください（例：「子育ての相談」「公約15」「障害福祉課」）。"
)

# Postback data: a one-letter action, a colon, then the value (kept short: LINE allows 300 characters).
ASK, WINDOW, DEPARTMENT = "q", "w", "d"


def postback_data(action: str, value: str) -> str:
    return f"{action}:{value}"[:MAX_POSTBACK]


def parse_postback(data: str) -> tuple[str, str]:
    action, _, value = (data or "").partition(":")
    return action, value


def _text(text: str, **style) -> dict:
    return {"type": "text", "text": text or " ", "wrap": True, "color": TEXT_COLOR, "size": "sm", **style}


def _muted(text: str, **style) -> dict:
    return _text(text, color=MUTED_COLOR, size="xs", **style)


def _row(label: str, value: str) -> dict:
    return {
        "type": "box",
        "layout": "baseline",
        "spacing": "sm",
        "contents": [
            _muted(truncate(label, 10), flex=2),
            _text(truncate(value, 400), flex=5),
        ],
    }


def _badge(status: str) -> dict:
    return {
        "type": "box",
        "layout": "vertical",
        "backgroundColor": STATUS_COLORS.get(status, MUTED_COLOR),
        "cornerRadius": "md",
        "paddingAll": "xs",
        "paddingStart": "md",
        "paddingEnd": "md",
        "flex": 0,
        "contents": [{"type": "text", "text": status_label(status), "color": "#FFFFFF", "size": "xs", "weight": "bold"}],
    }


def _tel_uri(phone: str) -> str:
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def _detail_rows(result: Result) -> list[dict]:
    rows = []
    for detail in shown_details(result):
        value = f"{detail.value}（{UNCONFIRMED}）" if detail.unconfirmed else detail.value
        rows.append(_row(detail.label, value))
    return rows


def bubble(result: Result) -> dict:
    """One Flex bubble for a result, shaped by its kind."""
    header: list[dict] = []
    body: list[dict] = []
    footer: list[dict] = []

    if result.kind == "pledge":
        top = [_muted(f"公約 {result.number}" if result.number else "公約", flex=1, gravity="center")]
        if result.status:
            top.append(_badge(result.status))
        header.append({"type": "box", "layout": "horizontal", "spacing": "sm", "contents": top})
        if result.section:
            header.append(_muted(truncate(result.section, 60)))
        body.append(_text(truncate(result.title, 300), weight="bold"))
        if result.summary:
            body.append(_muted("最新の進み具合", margin="md"))
            body.append(_text(truncate(result.summary, 500)))
    elif result.kind == "initiative":
        header.append(_muted(f"取組 {result.code}" if result.code else "取組"))
        body.append(_text(truncate(result.title, 300), weight="bold"))
        if result.departments:
            body.append(_row("担当課", "・".join(result.departments)))
        if result.section:
            body.append(_row("計画", result.section))
        if result.summary:
            body.append(_text(truncate(result.summary, 500), margin="md"))
    elif result.kind == "window":
        header.append(_muted("相談窓口"))
        body.append(_text(truncate(result.title, 120), weight="bold", size="md"))
        if result.summary:
            body.append(_text(truncate(result.summary, 400)))
        rows = _detail_rows(result)
        if rows:
            body.append({"type": "box", "layout": "vertical", "spacing": "sm", "margin": "md", "contents": rows})
        if result.phone:
            footer.append(
                {
                    "type": "button",
                    "style": "primary",
                    "color": ACCENT_COLOR,
                    "height": "sm",
                    "action": {
                        "type": "uri",
                        "label": truncate(f"電話する {result.phone}", MAX_BUTTON_LABEL),
                        "uri": _tel_uri(result.phone),
                    },
                }
            )
        footer.append(_postback_button("くわしく", postback_data(WINDOW, result.id)))
    else:
        label = kind_label(result.kind)
        if result.number:
            label += f" {result.number}"
        header.append(_muted(label))
        body.append(_text(truncate(result.title, 300), weight="bold"))
        if result.summary:
            body.append(_text(truncate(result.summary, 500)))
        if result.departments:
            body.append(_row("担当課", "・".join(result.departments)))
        if result.kind == "department":
            footer.append(_postback_button("取組の一覧", postback_data(DEPARTMENT, result.title)))
        else:
            body.extend(_detail_rows(result))

    if result.kind != "window" and result.kind != "department" and result.departments and len(result.departments) == 1:
        footer.append(_postback_button("担当課の取組", postback_data(DEPARTMENT, result.departments[0])))
    body.append(_muted(f"出典 {result.source.document} {result.source.line}行", margin="lg"))

    container: dict = {"type": "bubble", "size": "mega"}
    if header:
        container["header"] = {"type": "box", "layout": "vertical", "spacing": "xs", "contents": header}
    container["body"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body}
    if footer:
        container["footer"] = {"type": "box", "layout": "vertical", "spacing": "sm", "contents": footer}
    return container


def _postback_button(label: str, data: str) -> dict:
    return {
        "type": "button",
        "style": "link",
        "height": "sm",
        "action": {"type": "postback", "label": truncate(label, MAX_BUTTON_LABEL), "data": data, "displayText": label},
    }


def quick_reply(suggestions: list[Suggestion]) -> dict | None:
    items = []
    for suggestion in suggestions[:MAX_QUICK_REPLY]:
        label = truncate(suggestion.label, MAX_QUICK_LABEL)
        items.append(
            {
                "type": "action",
                "action": {
                    "type": "postback",
                    "label": label,
                    "data": postback_data(ASK, suggestion.query),
                    "displayText": truncate(suggestion.label, MAX_POSTBACK),
                },
            }
        )
    return {"items": items} if items else None


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at line breaks where possible so each piece fits LINE's text limit."""
    pieces: list[str] = []
    current = ""
    for line in (text or "").splitlines(keepends=True):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current.strip():
        pieces.append(current)
    return [piece.strip("\n") for piece in pieces if piece.strip()]


def _alt_text(answer: Answer, results: list[Result]) -> str:
    """What a notification or an old client shows instead of the cards."""
    names = "、".join(r.title for r in results[:3])
    return truncate(f"{kind_label(results[0].kind)}のご案内：{names}", MAX_ALT_TEXT) if names else "ご案内"


def _carousel(results: list[Result]) -> dict | None:
    bubbles = [bubble(r) for r in results[:MAX_BUBBLES]]
    # Drop trailing cards until the container is within LINE's size limit.
    while bubbles and len(json.dumps({"type": "carousel", "contents": bubbles}, ensure_ascii=False).encode()) > MAX_CAROUSEL_BYTES:
        bubbles.pop()
    if not bubbles:
        return None
    return bubbles[0] if len(bubbles) == 1 else {"type": "carousel", "contents": bubbles}


def text_messages(text: str, suggestions: list[Suggestion] | None = None) -> list[dict]:
    messages = [{"type": "text", "text": piece} for piece in split_text(text)[:MAX_MESSAGES]]
    return _with_quick_reply(messages, suggestions or [])


def _with_quick_reply(messages: list[dict], suggestions: list[Suggestion]) -> list[dict]:
    reply = quick_reply(suggestions)
    if reply and messages:
        messages[-1]["quickReply"] = reply  # LINE shows quick replies of the last message only
    return messages


def render_answer(answer: Answer, max_cards: int = CITIZEN_CARDS) -> list[dict]:
    """Answer → up to 5 messages: the reply text, then the results as Flex cards, quick replies last."""
    results = answer.results[:max_cards]
    carousel = _carousel(results)
    room = MAX_MESSAGES - (1 if carousel else 0)
    messages = [{"type": "text", "text": piece} for piece in split_text(answer.text)[:room]]
    if carousel:
        messages.append({"type": "flex", "altText": _alt_text(answer, results), "contents": carousel})
    if not messages:
        messages.append({"type": "text", "text": "ご案内できる情報が見つかりませんでした。"})
    return _with_quick_reply(messages, answer.suggestions)


def greeting_messages() -> list[dict]:
    return text_messages(GREETING, GREETING_SUGGESTIONS)


def unsupported_messages() -> list[dict]:
    return text_messages(UNSUPPORTED, GREETING_SUGGESTIONS[:3])
