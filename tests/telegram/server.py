"""The local Bot API server over HTTP (tornado, 127.0.0.1 only) and its test API.

    with FakeBotServer(token) as server:              # a thread with its own loop
        env = {"LANDBOT_TELEGRAM_BASE_URL": server.base_url, ...}
        chat = server.chat(1001)
        chat.say("/start")
        reply = chat.wait_text("欢迎")
        chat.press(reply, "供地方案")

`AsyncFakeBotServer` is the same server on the caller's running loop (the benchmark). The
test API is also reachable over HTTP under `/_test/...` (see `TestApiHandler`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

from tests.telegram.fake_api import ApiError, BotApi, SentMessage, decode_params

log = logging.getLogger("fake_bot_api")
T = TypeVar("T")
DEFAULT_WAIT = 15.0
MAX_WAIT = 120.0


class _Base(tornado.web.RequestHandler):
    def initialize(self, api: BotApi) -> None:
        self.api = api

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")

    def answer(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.finish(json.dumps(body, ensure_ascii=False))

    def params(self) -> dict[str, str]:
        ctype = self.request.headers.get("Content-Type", "")
        if ctype.startswith("application/json") and self.request.body:
            try:
                body = json.loads(self.request.body)
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse JSON body") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            return body
        return {k: v[-1].decode("utf-8") for k, v in self.request.arguments.items()}


class BotApiHandler(_Base):
    """`/bot<token>/<method>`, GET or POST."""

    async def handle(self, token: str, method: str) -> None:
        if token != self.api.token:
            self.answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        try:
            params = decode_params(self.params())
            uploads = {
                name: (f[-1].filename, f[-1].body, f[-1].content_type)
                for name, f in self.request.files.items()
            }
            result = await self.api.call(method, params, uploads)
        except ApiError as exc:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after:
                body["parameters"] = {"retry_after": exc.retry_after}
            self.answer(exc.code, body)
            return
        self.answer(200, {"ok": True, "result": result})

    async def post(self, token: str, method: str) -> None:
        await self.handle(token, method)

    async def get(self, token: str, method: str) -> None:
        await self.handle(token, method)


class FileHandler(_Base):
    """`/file/bot<token>/<file_path>`: the file download of `getFile`."""

    def get(self, token: str, path: str) -> None:
        stored = self.api.file_by_path(path) if token == self.api.token else None
        if stored is None:
            self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(stored.content)


class TestApiHandler(_Base):
    """`/_test/<op>`: message, callback, document, redeliver, sent (JSON in, JSON out)."""

    async def post(self, op: str) -> None:
        try:
            p: dict[str, Any] = json.loads(self.request.body or b"{}")
            api = self.api
            if op == "message":
                result: Any = api.send_text(int(p["user_id"]), str(p["text"]))
            elif op == "callback":
                chat_id = int(p.get("chat_id", p["user_id"]))
                result = api.press(int(p["user_id"]), chat_id, int(p["message_id"]), p["data"])
            elif op == "redeliver":
                api.redeliver(int(p["update_id"]))
                result = True
            elif op == "sent":
                chat_id = int(p["chat_id"])
                after = int(p.get("after", 0))
                wait = min(MAX_WAIT, float(p.get("wait", 0)))
                msgs = await wait_sent(api, chat_id, lambda m: len(m) > after, wait)
                result = [
                    {"message_id": m.message_id, "text": m.text, "buttons": m.buttons}
                    for m in msgs[after:]
                ]
            else:
                raise KeyError(op)
        except (KeyError, ValueError, TypeError) as exc:
            self.answer(400, {"ok": False, "description": f"bad test request: {exc}"})
            return
        self.answer(200, {"ok": True, "result": result})


async def wait_sent(
    api: BotApi,
    chat_id: int,
    ready: Callable[[list[SentMessage]], bool],
    timeout: float,
) -> list[SentMessage]:
    """Wait (bounded) until `ready(messages sent to chat_id)` holds; return them."""
    api.user(chat_id)
    chat = api.chats[chat_id]
    deadline = time.monotonic() + max(0.0, min(timeout, MAX_WAIT))
    while not ready(chat.sent):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or api.closed:
            break
        chat.changed.clear()
        try:
            await asyncio.wait_for(chat.changed.wait(), remaining)
        except TimeoutError:
            break
    return list(chat.sent)


def make_app(api: BotApi) -> tornado.web.Application:
    args = {"api": api}
    return tornado.web.Application(
        [
            (r"/bot([^/]+)/([A-Za-z]+)", BotApiHandler, args),
            (r"/file/bot([^/]+)/(.+)", FileHandler, args),
            (r"/_test/([a-z]+)", TestApiHandler, args),
        ],
        log_function=lambda handler: None,
    )


class AsyncFakeBotServer:
    """The server on the caller's running loop."""

    def __init__(self, token: str = "123456:TEST-token_for_landbot") -> None:
        self.token = token
        self.api: BotApi | None = None
        self.port = 0
        self._http: tornado.httpserver.HTTPServer | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.redeliver = 0.0  # the share of delivered webhook updates sent a second time
        self.redelivered = 0
        self.max_attempts = 5
        self.undelivered: list[int] = []  # given up after max_attempts
        self.random = random.Random(7)

    async def start(self) -> None:
        self.api = BotApi(self.token)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._http = tornado.httpserver.HTTPServer(make_app(self.api), idle_connection_timeout=60)
        self._http.add_sockets(sockets)
        self._webhook_task = asyncio.create_task(self._deliver_webhooks())

    async def stop(self) -> None:
        if self.api:
            self.api.shutdown()
        if self._webhook_task:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._http:
            self._http.stop()
            await asyncio.wait_for(self._http.close_all_connections(), 5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def env(self) -> dict[str, str]:
        """The environment that points landbot (or any PTB bot) at this server."""
        return {
            "LANDBOT_TELEGRAM_TOKEN": self.token,
            "LANDBOT_TELEGRAM_BASE_URL": self.base_url,
            "LANDBOT_TELEGRAM_BASE_FILE_URL": self.base_file_url,
        }

    async def _deliver_webhooks(self) -> None:
        """POST pending updates to the webhook URL when one is set: up to max_connections at
        once, one at a time per chat (oldest first), bounded retries; with `redeliver` > 0, an
        update that was delivered is sent once more at that rate (Telegram may do so)."""
        assert self.api is not None
        api = self.api
        attempts: dict[int, int] = {}
        busy: set[object] = set()  # chats with an update in flight
        tasks: set[asyncio.Task[None]] = set()
        wake = asyncio.Event()
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(timeout=10, limits=limits) as client:
            while not api.closed:
                ready: dict[object, dict[str, Any]] = {}
                for u in sorted(api.pending, key=lambda u: u["update_id"]):
                    chat = _chat_of(u)
                    if chat not in busy and chat not in ready:
                        ready[chat] = u
                room = max(1, int(api.webhook["max_connections"])) - len(tasks)
                if not api.webhook["url"] or not ready or room <= 0:
                    api.updates_arrived.clear()
                    wake.clear()
                    waiters = [asyncio.ensure_future(e.wait()) for e in (api.updates_arrived, wake)]
                    try:
                        await asyncio.wait(
                            waiters, timeout=1.0, return_when=asyncio.FIRST_COMPLETED
                        )
                    finally:
                        for w in waiters:
                            w.cancel()
                        await asyncio.gather(*waiters, return_exceptions=True)
                    continue
                for chat, update in list(ready.items())[:room]:
                    busy.add(chat)
                    task = asyncio.create_task(self._post(client, update, attempts))
                    tasks.add(task)

                    def finished(t: asyncio.Task[None], chat: object = chat) -> None:
                        tasks.discard(t)
                        busy.discard(chat)
                        wake.set()

                    task.add_done_callback(finished)
            for task in tasks:
                task.cancel()

    async def _post(self, client: httpx.AsyncClient, update: dict[str, Any],
                    attempts: dict[int, int]) -> None:  # fmt: skip
        assert self.api is not None
        api = self.api
        headers = {}
        if api.webhook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = api.webhook["secret_token"]
        try:
            r = await client.post(api.webhook["url"], json=update, headers=headers)
            ok = r.status_code == 200
        except httpx.HTTPError:
            ok = False
        uid = update["update_id"]
        attempts[uid] = attempts.get(uid, 0) + 1
        if ok and self.redeliver and self.random.random() < self.redeliver:
            with contextlib.suppress(httpx.HTTPError):
                await client.post(api.webhook["url"], json=update, headers=headers)
            self.redelivered += 1
        if ok or attempts[uid] >= self.max_attempts:
            if update in api.pending:
                api.pending.remove(update)
            api.forced.discard(uid)
            if not ok:
                log.warning("webhook delivery of update %s failed %d times", uid, attempts[uid])
                self.undelivered.append(uid)
        else:
            await asyncio.sleep(min(2.0, 0.2 * attempts[uid]))


def _chat_of(update: dict[str, Any]) -> object:
    """The chat (or user) of an update as the server keeps them in order."""
    for key in ("message", "edited_message", "callback_query", "my_chat_member"):
        part = update.get(key)
        if isinstance(part, dict):
            chat = (part.get("message") or part).get("chat") or {}
            sender = part.get("from") or {}
            return chat.get("id") or sender.get("id") or update["update_id"]
    return update["update_id"]


class FakeBotServer:
    """The server in a background thread with its own loop; a thread-safe test API."""

    def __init__(self, token: str = "123456:TEST-token_for_landbot") -> None:
        self.inner = AsyncFakeBotServer(token)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> FakeBotServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()
        self.run(self.inner.start())

    def stop(self) -> None:
        try:
            self.run(self.inner.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = MAX_WAIT + 10) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], T]) -> T:
        async def wrapper() -> T:
            return fn()

        return self.run(wrapper())

    @property
    def api(self) -> BotApi:
        assert self.inner.api is not None
        return self.inner.api

    @property
    def token(self) -> str:
        return self.inner.token

    @property
    def base_url(self) -> str:
        return self.inner.base_url

    @property
    def base_file_url(self) -> str:
        return self.inner.base_file_url

    def env(self) -> dict[str, str]:
        return self.inner.env()

    def chat(self, user_id: int, first_name: str = "用户") -> ChatDriver:
        self.call(lambda: self.api.user(user_id, first_name))
        return ChatDriver(self, user_id)

    def commands(self) -> list[dict[str, str]]:
        return self.call(lambda: self.api.commands.get('{"type": "default"}|', []))


class ChatDriver:
    """One user's private chat with the bot, driven from a test (synchronous)."""

    def __init__(self, server: FakeBotServer, user_id: int) -> None:
        self.server = server
        self.user_id = user_id
        self.seen = 0  # bot messages already read by `wait`

    @property
    def sent(self) -> list[SentMessage]:
        return self.server.call(lambda: list(self.server.api.chats[self.user_id].sent))

    def say(self, text: str) -> dict[str, Any]:
        return self.server.call(lambda: self.server.api.send_text(self.user_id, text))

    def upload(self, name: str, content: bytes) -> dict[str, Any]:
        return self.server.call(lambda: self.server.api.send_document(self.user_id, name, content))

    def press(
        self, message: SentMessage, label_or_data: str, *, raw: bool = False
    ) -> dict[str, Any]:
        """Press the button whose label contains `label_or_data` (or send raw data)."""
        data = label_or_data if raw else message.button_data(label_or_data)
        return self.server.call(
            lambda: self.server.api.press(self.user_id, message.chat_id, message.message_id, data)
        )

    def redeliver(self, update: dict[str, Any]) -> None:
        self.server.call(lambda: self.server.api.redeliver(update["update_id"]))

    def wait(self, count: int = 1, timeout: float = DEFAULT_WAIT) -> list[SentMessage]:
        """The next `count` new bot messages in this chat (AssertionError on timeout)."""
        want = self.seen + count
        msgs = self.server.run(
            wait_sent(self.server.api, self.user_id, lambda m: len(m) >= want, timeout)
        )
        if len(msgs) < want:
            got = "\n---\n".join(m.text for m in msgs[self.seen :])
            raise AssertionError(
                f"chat {self.user_id}: expected {count} new message(s) in {timeout}s, got:\n{got}"
            )
        new = msgs[self.seen : want]
        self.seen = want
        return new

    def wait_text(self, needle: str, timeout: float = DEFAULT_WAIT) -> SentMessage:
        """Read new bot messages until one contains `needle`; return it."""
        deadline = time.monotonic() + timeout
        skipped: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"chat {self.user_id}: no message containing {needle!r}; saw:\n"
                    + "\n---\n".join(skipped)
                )
            try:
                (msg,) = self.wait(1, remaining)
            except AssertionError:
                continue
            if needle in msg.text:
                return msg
            skipped.append(msg.text)

    def until(self, pattern: str, timeout: float = DEFAULT_WAIT) -> list[SentMessage]:
        """All new bot messages up to and including the first whose text matches `pattern`."""
        import re

        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        got: list[SentMessage] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"chat {self.user_id}: no message matching {pattern!r}; saw:\n"
                    + "\n---\n".join(m.text for m in got)
                )
            try:
                (msg,) = self.wait(1, remaining)
            except AssertionError:
                continue
            got.append(msg)
            if regex.search(msg.text):
                return got

    def quiet(self, seconds: float = 0.5) -> list[SentMessage]:
        """Messages that arrive within `seconds` (usually to assert there are none)."""
        time.sleep(seconds)
        msgs = self.sent
        new = msgs[self.seen :]
        self.seen = len(msgs)
        return new

    def callback_answers(self) -> list[dict[str, Any]]:
        return self.server.call(
            lambda: [
                r["answer"]
                for r in self.server.api.callbacks.values()
                if r["chat_id"] == self.user_id and r["answer"] is not None
            ]
        )

    def download(self, message: SentMessage) -> bytes:
        """Fetch a document the bot sent through getFile and the file URL, like a client."""
        assert message.document is not None, f"not a document: {message.text}"
        srv = self.server
        with httpx.Client(timeout=10) as client:
            r = client.post(
                f"{srv.base_url}{srv.token}/getFile", data={"file_id": message.document.file_id}
            )
            r.raise_for_status()
            path = r.json()["result"]["file_path"]
            r = client.get(f"{srv.base_file_url}{srv.token}/{path}")
            r.raise_for_status()
            return r.content
