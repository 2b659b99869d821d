"""Local stand-ins for the LINE Messaging API and the Telegram Bot API (127.0.0.1, random port).

They record every request exactly as the real SDKs send it (method, path,
headers, raw body, decoded parameters, arrival time) so tests and the load
benchmark can assert on what would have reached the platform.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.perf_counter)

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def params(self) -> dict:
        """Telegram parameters: PTB posts them form-encoded, nested objects as JSON strings."""
        content_type = self.headers.get("content-type", "")
        if "json" in content_type:
            return self.json
        return dict(parse_qsl(self.body.decode()))


class StubServer:
    """A threading HTTP server whose ``respond(recorded) -> (status, payload)`` subclasses define."""

    def __init__(self):
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the SDKs' connection pools expect

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    self.command, urlsplit(self.path).path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                status, payload = stub.respond(recorded)
                data = json.dumps(payload).encode()
                # Recorded before the response is written: once the client has its answer, a test sees the call.
                with stub._changed:
                    stub.requests.append(recorded)
                    stub._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def respond(self, recorded: Recorded) -> tuple[int, object]:
        return 404, {"message": "not found"}

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    def matching(self, pattern: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if re.search(pattern, r.path)]

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 10.0) -> list[Recorded]:
        """Requests whose path matches ``pattern`` once there are ``count`` of them (or after ``timeout``)."""
        deadline = time.monotonic() + timeout
        found: list[Recorded] = []
        scanned = 0
        with self._changed:
            while True:
                # scan only what arrived since the last wake-up (the benchmark waits for 20,000)
                found.extend(r for r in self.requests[scanned:] if re.search(pattern, r.path))
                scanned = len(self.requests)
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self._changed.wait(left)


class LineApiStub(StubServer):
    """Messaging API: reply, push, rich menu. Reply tokens in ``expired_tokens`` fail as LINE does."""

    def __init__(self):
        super().__init__()
        self.expired_tokens: set[str] = set()

    def respond(self, recorded: Recorded) -> tuple[int, object]:
        path = recorded.path
        if path == "/v2/bot/message/reply":
            if recorded.json.get("replyToken") in self.expired_tokens:
                return 400, {"message": "Invalid reply token"}
            return 200, {"sentMessages": [{"id": str(len(self.requests) + 1), "quoteToken": "q"}]}
        if path == "/v2/bot/message/push":
            return 200, {"sentMessages": [{"id": str(len(self.requests) + 1), "quoteToken": "q"}]}
        if path == "/v2/bot/richmenu" and recorded.method == "POST":
            return 200, {"richMenuId": "richmenu-stub-0001"}
        if path.startswith("/v2/bot/richmenu/") and path.endswith("/content"):
            return 200, {}
        if path.startswith("/v2/bot/user/all/richmenu/"):
            return 200, {}
        return 404, {"message": "Not found"}


class TelegramApiStub(StubServer):
    """Bot API under ``/bot<token>/<method>``: getMe (PTB calls it at initialize), sendMessage, answerCallbackQuery…"""

    BOT = {"id": 4242, "is_bot": True, "first_name": "madoguchi", "username": "madoguchi_test_bot"}

    def __init__(self):
        super().__init__()
        self._message_id = 0
        self.pending_updates: list[dict] = []  # handed out once by getUpdates (long polling)

    def base_url(self) -> str:
        return f"{self.url}/bot"

    def respond(self, recorded: Recorded) -> tuple[int, object]:
        method = recorded.path.rsplit("/", 1)[-1]
        if method == "getMe":
            return 200, {"ok": True, "result": self.BOT}
        if method == "sendMessage":
            params = recorded.params
            self._message_id += 1
            chat_id = int(params["chat_id"])
            message = {
                "message_id": self._message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": self.BOT,
                "text": params.get("text", ""),
            }
            return 200, {"ok": True, "result": message}
        if method == "getUpdates":
            updates, self.pending_updates = self.pending_updates, []
            if not updates:
                time.sleep(0.05)  # a (very) short long poll
            return 200, {"ok": True, "result": updates}
        return 200, {"ok": True, "result": True}


class ServerThread:
    """Runs an ASGI app under uvicorn on 127.0.0.1 (random free port) in a background thread."""

    def __init__(self, app, **config):
        import socket

        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on", **config)
        )
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


def line_signature(secret: str, body: bytes) -> str:
    """X-Line-Signature exactly as LINE computes it: base64 of HMAC-SHA256 of the raw body."""
    import base64
    import hashlib
    import hmac

    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
