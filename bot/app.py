"""HTTP server: JSON API, health check, LINE and Telegram webhooks, staff web console.

``create_app`` is the factory (tests pass their own settings/runtime); ``serve``
runs it with uvicorn for ``madoguchi serve``. A channel whose secrets are unset
is not mounted, so its webhook answers 404 and the rest still serves.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import logging
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Literal

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from bot import web
from bot.cache import CachedAssistant
from bot.db import EVENT_ID_RETENTION, Database
from bot.querylog import LoggingAssistant, QueryLog
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    if runtime is None:
        from bot.runtime import build_runtime  # builds the index on first start

        runtime = build_runtime(settings or Settings(), long_lived=True)
    settings = settings or runtime.settings
    db = Database(settings.database_url).create()
    db.prune_events(EVENT_ID_RETENTION)
    querylog = QueryLog.from_settings(settings, db)

    def live_version() -> str | None:
        return runtime.live.current().version  # the searcher the next answer will use

    # Answers depend only on (index version, question): reuse recent ones (bot.cache).
    assistant = CachedAssistant(runtime.assistant, version=live_version)

    def logged(channel: str) -> LoggingAssistant:
        """The assistant as one channel sees it: each question is logged once (bot.querylog)."""
        return LoggingAssistant(assistant, querylog, channel, index_version=live_version)

    channels = []
    if settings.line_enabled:
        from bot.line import LineChannel

        channels.append(LineChannel(settings, logged("line"), db))
    if settings.telegram_enabled:
        from bot.telegram import TelegramChannel

        channels.append(TelegramChannel(settings, logged("telegram"), db))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with AsyncExitStack() as stack:
            for channel in channels:
                await channel.start()
                stack.push_async_callback(channel.stop)
            # The corpus, index and dictionaries live as long as the process: keep the garbage
            # collector from re-scanning them on every full collection (pauses of ~20 ms each).
            gc.collect()
            gc.freeze()
            yield
        db.dispose()

    # /docs and /redoc with Swagger UI / ReDoc served by this process (fastapi-offline ships the files):
    # FastAPI's defaults load them from a CDN, which fails offline and shows staff IPs to a third party.
    app = FastAPIOffline(
        title="madoguchi",
        summary="鎌倉市の窓口・計画案内（LINE / Telegram / Web）",
        version="0.1.0",
        lifespan=lifespan,
        # No "valid spec" badge: it would fetch an image from validator.swagger.io with the spec's URL.
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.db = db
    app.state.channels = channels  # e.g. channel.backlog.pending, for operations and tests

    @app.get("/healthz", tags=["Operations"], summary="Liveness and the live index version")
    def healthz() -> dict:
        return {"status": "ok", "index_version": live_version()}

    api_assistant = logged("api")

    @app.get("/api/ask", tags=["API"], summary="The JSON answer contract (DESIGN.md)")
    def ask(
        q: str = Query(..., min_length=1, max_length=500, description="質問"),
        audience: Literal["citizen", "staff"] = "citizen",
    ) -> JSONResponse:
        answer = api_assistant.ask(q, audience=audience)
        return JSONResponse(answer.to_json())

    for channel in channels:
        app.include_router(channel.router())
    include_admin(app, runtime, db, settings)

    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="static")
    app.include_router(web.create_router(logged("web")))

    return app


def include_admin(app: FastAPI, runtime: Runtime, db: Database, settings: Settings) -> None:
    """Mount /admin/* from ``bot.admin.create_router(runtime, db, settings)`` (its own module); off without a token."""
    if not settings.admin_token or importlib.util.find_spec("bot.admin") is None:
        return
    admin = importlib.import_module("bot.admin")
    if hasattr(admin, "create_router"):
        app.include_router(admin.create_router(runtime, db, settings))


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    app = create_app(settings)
    for name, enabled in (("LINE", settings.line_enabled), ("Telegram", settings.telegram_enabled)):
        log.info("%s channel %s", name, "on" if enabled else "off (secrets unset)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0
