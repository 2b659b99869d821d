"""Telegram channel for staff (python-telegram-bot v22).

One ``Application`` serves both modes: built with ``.updater(None)`` it is
started and stopped by the FastAPI lifespan and fed from ``POST
/webhook/telegram``; built with an updater it runs ``madoguchi telegram-polling``.
In webhook mode each update is handed to the application's update processor
directly (what its update queue would do) so the pending ones can be counted:
past the backlog limit (``bot.backlog``) the webhook answers 503 and Telegram
sends the update again later.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import logging
from collections import OrderedDict

from fastapi import APIRouter, Request, Response
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.backlog import Backlog, overloaded
from bot.db import Database
from bot.http_body import read_body
from bot.querylog import asking_user
from bot.render import telegram as render
from bot.settings import Settings
from handlers.answer import Answer, Intent
from handlers.assistant import Assistant

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# command → (forced intent, how to turn the argument into a question)
COMMANDS: dict[str, tuple[Intent, str]] = {
    "pledge": ("pledge_status", "公約{}"),
    "who": ("who_handles", "{}"),
    "window": ("find_window", "{}"),
    "ordinance": ("ordinance", "{}"),
}


class CallbackCodec:
    """Follow-up queries ↔ callback_data (≤ 64 bytes).

    Short queries travel inside the button; longer ones are kept in a bounded
    in-process table under a hash (after a restart such a button asks again).
    """

    def __init__(self, size: int = 10_000):
        self._long: OrderedDict[str, str] = OrderedDict()
        self._size = size

    def encode(self, query: str) -> str:
        data = "q:" + query
        if len(data.encode()) <= MAX_CALLBACK_BYTES:
            return data
        key = "h:" + hashlib.sha1(query.encode()).hexdigest()[:20]
        self._long[key] = query
        self._long.move_to_end(key)
        while len(self._long) > self._size:
            self._long.popitem(last=False)
        return key

    def decode(self, data: str) -> str | None:
        if data.startswith("q:"):
            return data[2:]
        return self._long.get(data)


class TelegramChannel:
    def __init__(self, settings: Settings, assistant: Assistant, db: Database, *, webhook: bool = True):
        self.settings = settings
        self.assistant = assistant
        self.db = db
        self.codec = CallbackCodec()
        self.backlog = Backlog("Telegram", settings.webhook_backlog)
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token)
            .base_url(settings.telegram_api_base_url)
            .rate_limiter(AIORateLimiter())
            .concurrent_updates(True)
        )
        if webhook:
            builder = builder.updater(None)
        self.application = builder.build()
        self._add_handlers(self.application)

    # --- lifecycle (webhook mode) ---

    async def start(self) -> None:
        await self.application.initialize()  # calls getMe
        await self.application.start()

    async def stop(self) -> None:
        await self.application.stop()
        await self.application.shutdown()

    def router(self) -> APIRouter:
        router = APIRouter(tags=["Telegram"])
        expected = (self.settings.telegram_webhook_secret or "").encode()

        @router.post("/webhook/telegram", summary="Telegram Bot API webhook")
        async def webhook(request: Request) -> Response:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not expected or not hmac.compare_digest(given, expected):
                return Response("forbidden", status_code=403, media_type="text/plain")
            body = await read_body(request, MAX_BODY_BYTES)
            update = self.parse(body) if body is not None else None
            if update is None:
                return Response("invalid update", status_code=400, media_type="text/plain")
            # Refused before the update is recorded as seen (bot.db), so Telegram's retry is answered.
            if not self.backlog.admit():
                return overloaded()
            self.application.create_task(self._process(update), update=update)
            return Response("OK", media_type="text/plain")

        return router

    async def _process(self, update: Update) -> None:
        """What the application's update fetcher does with a queued update, plus the backlog count."""
        try:
            await self.application.update_processor.process_update(update, self.application.process_update(update))
        finally:
            self.backlog.release()

    def parse(self, body: bytes) -> Update | None:
        if len(body) > MAX_BODY_BYTES:
            return None
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return None
            return Update.de_json(data, self.application.bot)
        except Exception:
            log.warning("malformed Telegram update", exc_info=True)
            return None

    # --- handlers ---

    def _add_handlers(self, app: Application) -> None:
        app.add_handler(TypeHandler(Update, self._once), group=-1)
        app.add_handler(CommandHandler(["start", "help"], self._help))
        for command in COMMANDS:
            app.add_handler(CommandHandler(command, self._command))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._text))
        app.add_handler(CallbackQueryHandler(self._callback))

    async def _once(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Telegram retries unacknowledged updates: each update_id is handled once, across replicas."""
        if not await asyncio.to_thread(self.db.first_seen, "telegram", str(update.update_id)):
            raise ApplicationHandlerStop

    async def _help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._send(update.effective_chat.id, render.help_messages())

    async def _command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        command = update.effective_message.text.split()[0].lstrip("/").split("@")[0]
        intent, template = COMMANDS[command]
        argument = " ".join(context.args or []).strip()
        if not argument:
            await self._send(update.effective_chat.id, render.help_messages())
            return
        answer = await self._ask(update, template.format(argument), intent)
        await self._send(update.effective_chat.id, render.render_answer(answer))

    async def _text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = await self._ask(update, update.effective_message.text, None)
        await self._send(update.effective_chat.id, render.render_answer(answer))

    async def _callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        question = self.codec.decode(query.data or "")
        if question is None:
            await query.answer("期限が切れたボタンです。もう一度質問してください。")
            return
        await query.answer()
        answer = await self._ask(update, question, None)
        await self._send(update.effective_chat.id, render.render_answer(answer))

    async def _ask(self, update: Update, text: str, intent: Intent | None) -> Answer:
        # The assistant blocks on the index: run it off the event loop (the user id reaches the
        # query log only as a keyed hash; to_thread carries the context variable along).
        user = update.effective_user
        with asking_user(str(user.id) if user else None):
            return await asyncio.to_thread(self.assistant.ask, text, audience="staff", intent=intent)

    async def _send(self, chat_id: int, messages: list[render.TelegramMessage]) -> None:
        for message in messages:
            markup = None
            if message.buttons:
                markup = InlineKeyboardMarkup(
                    [[InlineKeyboardButton(label[:64], callback_data=self.codec.encode(q))] for label, q in message.buttons]
                )
            await self.application.bot.send_message(
                chat_id=chat_id,
                text=message.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )


def polling_command(args: argparse.Namespace) -> int:
    from bot.runtime import build_runtime

    settings = Settings()
    if not settings.telegram_bot_token:
        print("TELEGRAM_BOT_TOKEN が設定されていません。")
        return 2
    runtime = build_runtime(settings, long_lived=True)
    db = Database(settings.database_url).create()
    channel = TelegramChannel(settings, runtime.assistant, db, webhook=False)
    channel.application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
