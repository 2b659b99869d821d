"""LINE channel: webhook → Assistant → Flex reply (line-bot-sdk v3).

The webhook verifies ``X-Line-Signature`` over the raw body before anything else,
acknowledges at once and answers in a background task with the reply token,
falling back to a push message when the token has expired. Redelivered events
(same ``webhookEventId``) are answered at most once thanks to ``bot.db``. When
too many answers are pending (``bot.backlog``) a signed webhook gets 503 before
any event is recorded or processed, so LINE's redelivery of it is answered normally.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import struct
import time
import uuid
import zlib
from pathlib import Path

from fastapi import APIRouter, BackgroundTasks, Request, Response
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
)
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
)

from bot.backlog import REPLY_TOKEN_LIFETIME, Backlog, overloaded
from bot.db import Database
from bot.http_body import read_body
from bot.querylog import asking_user
from bot.render import line as render
from bot.settings import Settings
from handlers.assistant import Assistant

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # LINE batches a few events; anything near a megabyte is not LINE
DEFAULT_API = "https://api.line.me"
# Deterministic push retry keys: a push retried for the same event is delivered once by LINE.
RETRY_KEY_NAMESPACE = uuid.UUID("6f1c1d2e-5a0b-4c47-9d0e-6d61646f6775")
RICHMENU_FILE = Path(__file__).with_name("richmenu.json")


class LineChannel:
    """Owns the parser and the async Messaging API client (opened/closed by the app lifespan)."""

    def __init__(self, settings: Settings, assistant: Assistant, db: Database):
        self.settings = settings
        self.assistant = assistant
        self.db = db
        self.parser = WebhookParser(settings.line_channel_secret)
        self.configuration = Configuration(
            host=settings.line_api_base_url, access_token=settings.line_channel_access_token
        )
        self._client: AsyncApiClient | None = None
        self.api: AsyncMessagingApi | None = None
        self.backlog = Backlog("LINE", settings.webhook_backlog)
        self.reply_token_lifetime = REPLY_TOKEN_LIFETIME

    async def start(self) -> None:
        self._client = AsyncApiClient(self.configuration)
        self.api = AsyncMessagingApi(self._client)

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.close()
        self._client = self.api = None

    def router(self) -> APIRouter:
        router = APIRouter(tags=["LINE"])

        @router.post("/webhook/line", summary="LINE Messaging API webhook")
        async def webhook(request: Request, background: BackgroundTasks) -> Response:
            body = await read_body(request, MAX_BODY_BYTES)
            events = self.parse(body, request.headers.get("X-Line-Signature")) if body is not None else None
            if events is None:
                return Response("invalid request", status_code=400, media_type="text/plain")
            # Refused only after the signature check: anything unsigned still gets 400 (DESIGN.md), the
            # check costs far less than one answer, and an empty Verify request is always accepted.
            if events and not self.backlog.admit(len(events)):
                return overloaded()
            # Acknowledge now; LINE does not wait for the answer and redelivers on timeouts.
            if events:
                background.add_task(self.handle_events, events, time.monotonic())
            return Response("OK", media_type="text/plain")

        return router

    def parse(self, body: bytes, signature: str | None) -> list[Event] | None:
        """Events of a genuine webhook, or None for anything else (checked before any processing)."""
        if not signature or len(body) > MAX_BODY_BYTES:
            return None
        try:
            return self.parser.parse(body.decode("utf-8"), signature)
        except InvalidSignatureError:
            log.warning("LINE webhook with an invalid signature")
        except Exception:  # signed but malformed: not a payload we can trust to process
            log.warning("LINE webhook with a malformed body", exc_info=True)
        return None

    async def handle_events(self, events: list[Event], received: float | None = None) -> None:
        """Answer the events of one admitted webhook (``received``: its time.monotonic() on arrival)."""
        try:
            await asyncio.gather(*(self.handle_event(event, received) for event in events))
        finally:
            self.backlog.release(len(events))

    async def handle_event(self, event: Event, received: float | None = None) -> None:
        try:
            # Everything blocking (database, index search, rendering) in one worker-thread hop,
            # so the event loop stays free for webhooks and replies.
            messages = await asyncio.to_thread(self.prepare, event)
            if messages:
                # Measured from our own arrival time (no clock skew): the token was issued before that.
                stale = received is not None and time.monotonic() - received > self.reply_token_lifetime
                await self.reply(event, messages, token_expired=stale)
        except Exception:
            log.exception("LINE event failed")

    def prepare(self, event: Event) -> list[dict] | None:
        """The messages answering ``event``, or None when it needs no answer or was answered already."""
        event_id = getattr(event, "webhook_event_id", None)
        if event_id and not self.db.first_seen("line", event_id):
            return None  # a redelivery, or another replica got it first
        # The user id reaches the query log only as a keyed hash (bot.querylog).
        with asking_user(getattr(getattr(event, "source", None), "user_id", None)):
            return self.messages_for(event)

    def messages_for(self, event: Event) -> list[dict] | None:
        if isinstance(event, FollowEvent):
            return render.greeting_messages()
        if isinstance(event, MessageEvent):
            if isinstance(event.message, TextMessageContent):
                return render.render_answer(self.assistant.ask(event.message.text, audience="citizen"))
            return render.unsupported_messages()
        if isinstance(event, PostbackEvent):
            return self._postback(event.postback.data)
        return None  # unfollow, join, read receipts… need no answer

    def _postback(self, data: str) -> list[dict]:
        action, value = render.parse_postback(data)
        if action == render.WINDOW and value:
            answer = self.assistant.window_page(value)
        elif action == render.DEPARTMENT and value:
            answer = self.assistant.department_page(value)
        else:
            answer = self.assistant.ask(value or data, audience="citizen")
        return render.render_answer(answer)

    async def reply(self, event: Event, messages: list[dict], token_expired: bool = False) -> None:
        """Reply with the token; push instead when it has expired (known, or as LINE answers).

        Never both: the push happens only when LINE refused the reply token, and a reply that fails
        any other way (network, 5xx) is logged, not pushed, so an answer is never sent twice.
        """
        assert self.api is not None, "LineChannel.start() not called"
        sdk_messages = [_Rendered(m) for m in messages]
        token = None if token_expired else getattr(event, "reply_token", None)
        if token and set(token) != {"0"}:  # the console's Verify uses dummy all-zero tokens
            try:
                await self.api.reply_message(ReplyMessageRequest.construct(reply_token=token, messages=sdk_messages))
                return
            except ApiException as error:
                body = error.body.decode(errors="replace") if isinstance(error.body, bytes) else str(error.body or "")
                if error.status != 400 or "reply token" not in body.lower():
                    raise
                log.info("LINE reply token expired; pushing instead")
        elif token_expired:
            log.info("LINE event waited past its reply token's lifetime; pushing instead")
        target = _push_target(event)
        if target:
            # The retry key makes a retried push idempotent on LINE's side; derived from the event id,
            # a second push for the same event (another replica, a retry) is not delivered again.
            event_id = getattr(event, "webhook_event_id", None)
            key = uuid.uuid5(RETRY_KEY_NAMESPACE, event_id) if event_id else uuid.uuid4()
            await self.api.push_message(
                PushMessageRequest.construct(to=target, messages=sdk_messages), x_line_retry_key=str(key)
            )


class _Rendered:
    """A message from bot.render.line sent as is, in place of the SDK's pydantic model.

    Building and re-serialising the SDK models costs about 6 ms of CPU per reply
    (measured), most of the budget at 200 events/s. The renderer's dicts are
    checked against those models in tests (Message.from_dict(m).to_dict() == m),
    so the requests are assembled with ``construct`` and the SDK serialises
    ``to_dict()`` unchanged; transport, auth and errors stay the SDK's.
    """

    def __init__(self, data: dict):
        self.data = data

    def to_dict(self) -> dict:
        return self.data


def _push_target(event: Event) -> str | None:
    source = getattr(event, "source", None)
    if source is None:
        return None
    return getattr(source, "group_id", None) or getattr(source, "room_id", None) or getattr(source, "user_id", None)


# --- rich menu ---------------------------------------------------------------------------------


def _blob_host(settings: Settings) -> str | None:
    """The image upload goes to api-data.line.me in production; a test/stub base URL serves both."""
    return None if settings.line_api_base_url.rstrip("/") == DEFAULT_API else settings.line_api_base_url


def richmenu_png(width: int, height: int, labels: int = 3) -> bytes:
    """A plain menu image: Pillow when installed, else a minimal valid PNG written with zlib/struct."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        return _plain_png(width, height)
    image = Image.new("RGB", (width, height), (11, 87, 208))
    draw = ImageDraw.Draw(image)
    for i in range(1, labels):
        x = width * i // labels
        draw.line([(x, 0), (x, height)], fill=(255, 255, 255), width=6)
    from io import BytesIO

    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _plain_png(width: int, height: int, rgb: tuple[int, int, int] = (11, 87, 208)) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width  # filter byte 0, then RGB pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def create_richmenu(settings: Settings, image: bytes | None = None) -> str:
    """Create the menu of bot/richmenu.json, upload its image, make it the default; returns its id."""
    spec = json.loads(RICHMENU_FILE.read_text(encoding="utf-8"))
    size = spec["size"]
    image = image or richmenu_png(size["width"], size["height"], labels=len(spec["areas"]))
    token = settings.line_channel_access_token
    with ApiClient(Configuration(host=settings.line_api_base_url, access_token=token)) as client:
        api = MessagingApi(client)
        menu_id = api.create_rich_menu(RichMenuRequest.from_dict(spec)).rich_menu_id
        with ApiClient(Configuration(host=_blob_host(settings), access_token=token)) as blob_client:
            MessagingApiBlob(blob_client).set_rich_menu_image(
                menu_id, body=bytearray(image), _headers={"Content-Type": "image/png"}
            )
        api.set_default_rich_menu(menu_id)
    return menu_id


def richmenu_command(args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.line_channel_access_token:
        print("LINE_CHANNEL_ACCESS_TOKEN が設定されていません。")
        return 2
    image = Path(args.image).read_bytes() if getattr(args, "image", None) else None
    print(f"リッチメニューを作成し、既定に設定しました: {create_richmenu(settings, image)}")
    return 0
