"""A local Telegram Bot API server for the tests and the benchmark (loopback only).

It speaks the subset of the Bot API that landbot and python-telegram-bot use, with the
same wire format (form-encoded, multipart or JSON parameters; `{"ok": ..., "result": ...}`
answers; Telegram's error texts for the mistakes a bot can make), and keeps per-chat logs
of what the bot sent so a test can read them. Updates are kept until a later `offset`
confirms them, exactly like Telegram: a bot killed before confirming receives them again.

`BotApi` is the state; it lives on one asyncio loop. `FakeBotServer` (in `server.py`) runs
it behind a tornado HTTP server, in a thread or on the caller's loop, and offers the test
API: inject user messages, button presses and documents, re-deliver an update, and wait
for the bot's replies in a chat.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

MAX_POLL_SECONDS = 50.0  # Telegram's own cap on the long-polling timeout
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_PHOTO = 10 * 1024 * 1024  # Telegram's limit for a photo upload
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip
JSON_PARAMS = {
    "reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
    "link_preview_options", "reply_parameters",
}  # fmt: skip
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class ApiError(Exception):
    """A Bot API error answer: HTTP status = error_code, Telegram's description."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class SentMessage:
    """A message the bot sent (with later edits applied), as a test reads it."""

    chat_id: int
    message_id: int
    raw: dict[str, Any]
    parse_mode: str | None
    source: str  # the text or caption as the bot sent it (HTML when parse_mode is HTML)
    edits: int = 0
    document: StoredFile | None = None
    at: float = field(default_factory=time.monotonic)  # when the bot sent it

    @property
    def text(self) -> str:
        """Plain text as the user sees it (tags removed, entities decoded)."""
        return plain_text(self.source) if self.parse_mode == "HTML" else self.source

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Inline keyboard rows of (label, callback_data or url)."""
        markup = self.raw.get("reply_markup") or {}
        return [
            [(b.get("text", ""), b.get("callback_data") or b.get("url") or "") for b in row]
            for row in markup.get("inline_keyboard", [])
        ]

    @property
    def keyboard(self) -> list[list[str]]:
        """Reply keyboard rows (labels), when the message set one."""
        markup = self.raw.get("reply_markup") or {}
        return [
            [b if isinstance(b, str) else b.get("text", "") for b in row]
            for row in markup.get("keyboard", [])
        ]

    def button_data(self, label: str) -> str:
        """The callback data of the inline button whose label contains `label`."""
        for row in self.buttons:
            for text, data in row:
                if label in text:
                    return data
        raise KeyError(f"no button {label!r} in {self.buttons!r}")


class _Plain(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    p = _Plain()
    p.feed(html)
    p.close()
    return "".join(p.parts)


class _HtmlCheck(HTMLParser):
    """Telegram's HTML rules: only the allowed tags, properly nested."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.error: str | None = None
        self.length = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = f'unexpected end tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.length += len(data)

    def handle_entityref(self, name: str) -> None:
        self.length += 1

    def handle_charref(self, name: str) -> None:
        self.length += 1


def check_html(source: str) -> int:
    """Validate Telegram HTML, returning the visible length; ApiError when it cannot parse."""
    # Every '<' must open or close a tag and every '&' must start an entity.
    for m in re.finditer(r"<", source):
        if not re.match(r"</?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?>", source[m.start() :]):
            raise bad(f"can't parse entities: unexpected '<' at byte offset {m.start()}")
    for m in re.finditer(r"&", source):
        if not ENTITY_RE.match(source, m.start()):
            raise bad(f"can't parse entities: unsupported entity at byte offset {m.start()}")
    checker = _HtmlCheck()
    checker.feed(source)
    checker.close()
    if checker.error is None and checker.stack:
        checker.error = f'can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    if checker.error:
        raise bad(f"can't parse entities: {checker.error}")
    return checker.length


def check_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise bad("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                raise bad("BUTTON_DATA_INVALID")
            if data is None and not button.get("url"):
                raise bad("can't parse inline keyboard button")
    for row in markup.get("keyboard", []):
        for button in row:
            if not (button if isinstance(button, str) else button.get("text")):
                raise bad("keyboard button text is empty")
    return markup


def decode_params(raw: dict[str, str]) -> dict[str, Any]:
    """Form values arrive as strings; JSON-valued parameters are decoded."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in JSON_PARAMS and isinstance(value, str):
            try:
                out[key] = json.loads(value)
            except ValueError as exc:
                raise bad(f"can't parse {key} JSON object") from exc
        else:
            out[key] = value
    return out


def _int(params: dict[str, Any], key: str, default: int | None = None) -> int:
    value = params.get(key, default)
    if value is None:
        raise bad(f"{key} is empty")
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise bad(f"invalid {key} specified") from exc


def _bool(params: dict[str, Any], key: str) -> bool:
    value = params.get(key)
    return value in (True, "true", "True", "1", 1)


@dataclass
class _Chat:
    user: dict[str, Any]
    sent: list[SentMessage] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class BotApi:
    """The Bot API's state and methods. Use it from the loop it was created on."""

    def __init__(self, token: str, *, username: str = "landbot_test_bot") -> None:
        self.token = token
        self.me = {
            "id": int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1,
            "is_bot": True,
            "first_name": "landbot",
            "username": username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.pending: list[dict[str, Any]] = []  # not yet confirmed by an offset
        self.forced: set[int] = set()  # re-delivered ids not yet handed out again
        self.history: dict[int, dict[str, Any]] = {}
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self.updates_arrived = asyncio.Event()
        self.poll_generation = 0
        self.chats: dict[int, _Chat] = {}
        self.messages: dict[tuple[int, int], SentMessage] = {}
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, dict[str, Any]] = {}  # id -> {"answered": answer or None}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None, "max_connections": 40}
        self.calls: dict[str, int] = {}
        self.closed = False

    # --- the Bot API ------------------------------------------------------------------

    async def call(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """Dispatch one Bot API call; `files` maps part names to StoredFile-like uploads."""
        self.calls[method] = self.calls.get(method, 0) + 1
        handler = getattr(self, f"api_{method.lower()}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        return await handler(params, files)

    async def api_getme(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self.me

    async def api_logout(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return True

    async def api_close(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return True

    async def api_getupdates(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        if self.webhook["url"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = _int(params, "offset", 0)
        limit = max(1, min(100, _int(params, "limit", 100)))
        timeout = max(0.0, min(MAX_POLL_SECONDS, float(params.get("timeout") or 0)))
        if offset > 0:
            self.pending = [
                u for u in self.pending if u["update_id"] >= offset or u["update_id"] in self.forced
            ]
        elif offset < 0:
            self.pending = self.pending[offset:]
        self.poll_generation += 1
        generation = self.poll_generation
        deadline = time.monotonic() + timeout
        while not self.pending and not self.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self.updates_arrived.clear()
            try:
                await asyncio.wait_for(self.updates_arrived.wait(), remaining)
            except TimeoutError:
                return []
            if generation != self.poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only "
                    "one bot instance is running",
                )
        batch = sorted(self.pending, key=lambda u: u["update_id"])[:limit]
        for u in batch:
            self.forced.discard(u["update_id"])
        return batch

    async def api_deletewebhook(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        self.webhook.update(url="", secret_token=None)
        if _bool(params, "drop_pending_updates"):
            self.pending.clear()
        return True

    async def api_setwebhook(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        url = params.get("url") or ""
        if url and not url.startswith(
            ("http://127.0.0.1", "https://127.0.0.1", "http://localhost")
        ):
            raise bad("bad webhook: this test server only delivers to loopback addresses")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad("bad webhook: secret token contains unallowed characters")
        self.webhook.update(
            url=url,
            secret_token=secret,
            max_connections=max(1, min(100, _int(params, "max_connections", 40))),
        )
        if _bool(params, "drop_pending_updates"):
            self.pending.clear()
        self.updates_arrived.set()
        return True

    async def api_getwebhookinfo(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
            "max_connections": self.webhook["max_connections"],
        }

    async def api_setmycommands(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("commands must be a list of at most 100 commands")
        for c in commands:
            if not COMMAND_RE.match(str(c.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", ""))) <= 256:
                raise bad("command description is empty or too long")
        self.commands[self._commands_key(params)] = commands
        return True

    async def api_getmycommands(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self.commands.get(self._commands_key(params), [])

    async def api_deletemycommands(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return f"{json.dumps(scope, sort_keys=True)}|{params.get('language_code') or ''}"

    async def api_sendchataction(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        self._chat(params)
        return True

    async def api_sendmessage(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        chat_id, chat = self._chat(params)
        text = str(params.get("text") or "")
        parse_mode = params.get("parse_mode") or None
        self._check_text(text, parse_mode, MAX_TEXT, "text")
        markup = check_markup(params.get("reply_markup"))
        msg = self._new_message(chat_id, chat, {"text": plain_or(text, parse_mode)}, markup)
        sent = SentMessage(chat_id, msg["message_id"], msg, parse_mode, text)
        self._record(chat_id, chat, sent)
        return self.wire(msg)

    async def api_senddocument(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self._send_file("document", params, files)

    async def api_sendphoto(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        """A photo: stored like a document (tests read `.document`), wired as `photo` sizes."""
        return self._send_file("photo", params, files)

    def _send_file(self, field: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        chat_id, chat = self._chat(params)
        caption = str(params.get("caption") or "")
        parse_mode = params.get("parse_mode") or None
        if caption:
            self._check_text(caption, parse_mode, MAX_CAPTION, "caption")
        upload = files.get(field)
        if upload is not None:
            name, content, mime = upload
            if not content:
                raise bad("file must be non-empty")
            if field == "photo" and len(content) > MAX_PHOTO:
                raise bad("PHOTO_INVALID_DIMENSIONS")
            stored = self.store_file(content, name, mime)
        else:
            ref = params.get(field)
            if not isinstance(ref, str) or ref not in self.files:
                raise bad("wrong file identifier/HTTP URL specified")
            stored = self.files[ref]
        markup = check_markup(params.get("reply_markup"))
        extra: dict[str, Any] = {field: self._document_dict(stored)}
        if field == "photo":
            extra["photo"] = [self._photo_size(stored)]
        if caption:
            extra["caption"] = plain_or(caption, parse_mode)
        msg = self._new_message(chat_id, chat, extra, markup)
        sent = SentMessage(chat_id, msg["message_id"], msg, parse_mode, caption, document=stored)
        self._record(chat_id, chat, sent)
        return self.wire(msg)

    async def api_editmessagetext(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        sent = self._editable(params)
        text = str(params.get("text") or "")
        parse_mode = params.get("parse_mode") or None
        self._check_text(text, parse_mode, MAX_TEXT, "text")
        markup = check_markup(params.get("reply_markup"))
        if text == sent.source and markup == sent.raw.get("reply_markup"):
            raise bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        sent.source, sent.parse_mode = text, parse_mode
        sent.raw["text"] = plain_or(text, parse_mode)
        self._set_markup(sent, markup)
        return self._edited(sent)

    async def api_editmessagereplymarkup(
        self, params: dict[str, Any], files: dict[str, Any]
    ) -> Any:
        sent = self._editable(params)
        markup = check_markup(params.get("reply_markup"))
        if (markup or None) == (sent.raw.get("reply_markup") or None):
            raise bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        self._set_markup(sent, markup)
        return self._edited(sent)

    async def api_answercallbackquery(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        record = self.callbacks.get(query_id)
        if record is None or record["answer"] is not None:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad("MESSAGE_TOO_LONG")
        record["answer"] = {"text": text, "show_alert": _bool(params, "show_alert")}
        self.chats[record["chat_id"]].changed.set()
        return True

    async def api_getfile(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    def file_by_path(self, path: str) -> StoredFile | None:
        for stored in self.files.values():
            if stored.file_path == path:
                return stored
        return None

    # --- helpers ----------------------------------------------------------------------

    def _chat(self, params: dict[str, Any]) -> tuple[int, _Chat]:
        chat_id = _int(params, "chat_id")
        chat = self.chats.get(chat_id)
        if chat is None:
            raise bad("chat not found")
        return chat_id, chat

    @staticmethod
    def _check_text(text: str, parse_mode: str | None, limit: int, what: str) -> None:
        if not text.strip():
            raise bad(f"message {what} is empty")
        if parse_mode not in (None, "HTML"):
            raise bad(f"unsupported parse_mode {parse_mode} in this test server")
        length = check_html(text) if parse_mode == "HTML" else len(text)
        if length > limit:
            raise bad(f"message {what} is too long")

    def _new_message(
        self, chat_id: int, chat: _Chat, extra: dict[str, Any], markup: dict[str, Any] | None
    ) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.me,
            "chat": {"id": chat_id, "type": "private", "first_name": chat.user["first_name"]},
            "date": int(time.time()),
            **extra,
        }
        if markup:
            msg["reply_markup"] = markup
        return msg

    def _record(self, chat_id: int, chat: _Chat, sent: SentMessage) -> None:
        self.messages[(chat_id, sent.message_id)] = sent
        chat.sent.append(sent)
        chat.changed.set()

    @staticmethod
    def wire(msg: dict[str, Any]) -> dict[str, Any]:
        """The message as Telegram returns it: only an inline keyboard is echoed."""
        markup = msg.get("reply_markup")
        if markup and "inline_keyboard" not in markup:
            return {k: v for k, v in msg.items() if k != "reply_markup"}
        return dict(msg)

    def _editable(self, params: dict[str, Any]) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad("inline messages are not supported by this test server")
        chat_id = _int(params, "chat_id")
        sent = self.messages.get((chat_id, _int(params, "message_id")))
        if sent is None:
            raise bad("message to edit not found")
        return sent

    def _set_markup(self, sent: SentMessage, markup: dict[str, Any] | None) -> None:
        if markup and "inline_keyboard" in markup and markup["inline_keyboard"]:
            sent.raw["reply_markup"] = markup
        else:
            sent.raw.pop("reply_markup", None)

    def _edited(self, sent: SentMessage) -> dict[str, Any]:
        sent.edits += 1
        sent.raw["edit_date"] = int(time.time())
        self.chats[sent.chat_id].changed.set()
        return self.wire(sent.raw)

    @staticmethod
    def _photo_size(stored: StoredFile) -> dict[str, Any]:
        """A PhotoSize of the upload (its PNG header, as Telegram would measure it)."""
        data = stored.content
        if data[:8] != b"\x89PNG\r\n\x1a\n":
            raise bad("IMAGE_PROCESS_FAILED")
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        if width + height > 10000:
            raise bad("PHOTO_INVALID_DIMENSIONS")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(data), "width": width, "height": height}  # fmt: skip

    def _document_dict(self, stored: StoredFile) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.file_name:
            doc["file_name"] = stored.file_name
        if stored.mime_type:
            doc["mime_type"] = stored.mime_type
        return doc

    def store_file(self, content: bytes, name: str | None, mime: str | None) -> StoredFile:
        n = next(self._file_ids)
        suffix = ""
        if name and "." in name:
            suffix = "." + re.sub(r"[^A-Za-z0-9]", "", name.rsplit(".", 1)[1])[:8]
        stored = StoredFile(
            file_id=f"BQACAgIAAx{n:08d}",
            file_unique_id=f"AgAD{n:06d}",
            file_path=f"documents/file_{n}{suffix}",
            content=content,
            file_name=name,
            mime_type=mime,
        )
        self.files[stored.file_id] = stored
        return stored

    # --- the test side: what users do -------------------------------------------------

    def user(self, user_id: int, first_name: str = "用户", username: str | None = None) -> None:
        """Make sure a private chat with this user exists (the user opened the bot)."""
        if user_id not in self.chats:
            user: dict[str, Any] = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name,
                "language_code": "zh-hans",
            }
            if username:
                user["username"] = username
            self.chats[user_id] = _Chat(user=user)

    def push_update(self, body: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **body}
        self.history[update["update_id"]] = update
        self.pending.append(update)
        self.updates_arrived.set()
        return update

    def _user_message(self, user_id: int, extra: dict[str, Any]) -> dict[str, Any]:
        self.user(user_id)
        chat = self.chats[user_id]
        return {
            "message_id": next(self._message_ids),
            "from": chat.user,
            "chat": {"id": user_id, "type": "private", "first_name": chat.user["first_name"]},
            "date": int(time.time()),
            **extra,
        }

    def send_text(self, user_id: int, text: str) -> dict[str, Any]:
        """The user types `text` (a `/command` gets its bot_command entity)."""
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0].encode("utf-16-le")) // 2
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.push_update({"message": self._user_message(user_id, extra)})

    def send_document(
        self, user_id: int, name: str, content: bytes, caption: str | None = None
    ) -> dict[str, Any]:
        stored = self.store_file(content, name, None)
        extra: dict[str, Any] = {"document": self._document_dict(stored)}
        if caption:
            extra["caption"] = caption
        return self.push_update({"message": self._user_message(user_id, extra)})

    def press(self, user_id: int, chat_id: int, message_id: int, data: str) -> dict[str, Any]:
        """The user presses an inline button carrying `data` under a bot message."""
        self.user(user_id)
        sent = self.messages.get((chat_id, message_id))
        if sent is None:
            raise KeyError(f"no bot message {message_id} in chat {chat_id}")
        query_id = str(next(self._callback_ids) + 4_000_000_000)
        self.callbacks[query_id] = {"answer": None, "chat_id": chat_id}
        query = {
            "id": query_id,
            "from": self.chats[user_id].user,
            "message": self.wire(sent.raw),
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def redeliver(self, update_id: int) -> None:
        """Hand an already delivered update to the bot again, as Telegram sometimes does."""
        update = self.history[update_id]
        if update not in self.pending:
            self.pending.append(update)
        self.forced.add(update_id)
        self.updates_arrived.set()

    def shutdown(self) -> None:
        self.closed = True
        self.updates_arrived.set()
        for chat in self.chats.values():
            chat.changed.set()


def plain_or(text: str, parse_mode: str | None) -> str:
    return plain_text(text) if parse_mode == "HTML" else text
