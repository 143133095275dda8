"""What every web endpoint shares: JSON bodies and errors, the session cookie, the CSRF check.

Refusals of the services become `{"error": <Chinese>, "error_en": ...}` with the status of
CONTRACT §5; an unexpected error is logged and answered with one line, never a traceback.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.services.documents import PdfUnavailable
from bot.services.errors import AccessDenied, DraftConflict, DraftNotEditable, DraftNotFound
from bot.services.review import ReviewRefused
from bot.services.users import InvitationRefused
from bot.services.web_login import SESSION_DAYS, Login, SessionInfo, session_of
from knowledge.errors import BadInput, LandbotError, ServiceUnavailable
from storage.db import Database

log = logging.getLogger("landbot.web")
SESSION_COOKIE = "landbot_session"
CSRF_COOKIE = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_BODY = 1_100_000  # a plan file may be 1 MB (bot.services.plans)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Endpoint = Callable[[Request], Awaitable[Response]]


class HttpError(Exception):
    def __init__(self, status: int, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.zh, self.en = status, zh, en


NOT_SIGNED_IN = HttpError(401, "请先登录（输入邀请码或打开登录链接）", "not signed in")
FORGED = HttpError(403, "页面已过期，请刷新后重试", "missing or wrong CSRF token / Origin")


def error(status: int, zh: str, en: str) -> JSONResponse:
    return JSONResponse({"error": zh, "error_en": en}, status_code=status)


def _status(exc: LandbotError) -> int:
    if isinstance(exc, AccessDenied):
        return 401
    if isinstance(exc, DraftNotFound):
        return 404
    if isinstance(exc, DraftNotEditable | ReviewRefused | DraftConflict):
        return 409
    if isinstance(exc, PdfUnavailable | ServiceUnavailable):
        return 503
    if isinstance(exc, BadInput):
        return 400
    return 500


def refusal(exc: Exception) -> JSONResponse:
    """The JSON error of a refusal; anything unexpected is logged and answered in one line."""
    if isinstance(exc, HttpError):
        return error(exc.status, exc.zh, exc.en)
    if isinstance(exc, InvitationRefused):
        return error(401, exc.reason, "invalid, used or expired invitation code or login link")
    if isinstance(exc, LandbotError):
        zh, en = (" ".join(m.split()) for m in (exc.zh, exc.en))
        return error(_status(exc), zh, en)
    log.exception("unexpected error")
    return error(500, "服务器内部错误，请稍后重试或联系管理员", "internal error")


def database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


async def step(request: Request, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a short database step: on the event loop itself for SQLite (a step takes a few
    milliseconds and never waits on a network; threads would only contend for SQLite's one
    writer lock, whose busy-wait makes the slow tail), on the thread pool for PostgreSQL."""
    if getattr(request.app.state, "inline_db", False):
        return fn(*args, **kwargs)
    return await run_in_threadpool(functools.partial(fn, *args, **kwargs))


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run long work (documents, PDF, search) in the thread pool."""
    return await run_in_threadpool(functools.partial(fn, *args, **kwargs))


def _same_origin(request: Request) -> bool:
    """No Origin header (not a browser's cross-site request), or the page's own host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


def check_origin(request: Request) -> None:
    if not _same_origin(request):
        raise FORGED


def session_token(request: Request) -> str:
    """The session cookie's token (401 without one)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NOT_SIGNED_IN
    return token


def csrf_guard(request: Request) -> Callable[[SessionInfo], None]:
    """The check of an unsafe request against its session: the page's Origin and the CSRF
    token (the header must equal the cookie and the session's own token); 403 otherwise."""

    def guard(info: SessionInfo) -> None:
        if request.method in UNSAFE:
            check_origin(request)
            header = request.headers.get(CSRF_HEADER)
            if (
                header is None
                or header != request.cookies.get(CSRF_COOKIE)
                or not info.csrf_ok(header)
            ):
                raise FORGED

    return guard


async def signed_in(request: Request) -> SessionInfo:
    """The session of the request (401 without one); unsafe methods also need the CSRF token."""
    token = session_token(request)
    try:
        info: SessionInfo = await step(request, session_of, database(request), token)
    except AccessDenied:
        raise NOT_SIGNED_IN from None
    csrf_guard(request)(info)
    return info


def api(fn: Callable[[Request], Awaitable[Response]]) -> Endpoint:
    """An API endpoint: its refusals become JSON errors."""

    @functools.wraps(fn)
    async def endpoint(request: Request) -> Response:
        try:
            return await fn(request)
        except Exception as exc:
            return refusal(exc)

    return endpoint


async def body_bytes(request: Request, limit: int = MAX_BODY) -> bytes:
    size = request.headers.get("content-length")
    too_large = HttpError(
        413, f"内容太大（超过 {limit // 1_000_000} MB）", "request body too large"
    )
    if size is not None and size.isdigit() and int(size) > limit:
        raise too_large
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise too_large
    return data


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (an empty body is `{}`); anything else is 400."""
    data = await body_bytes(request)
    if not data.strip():
        return {}
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HttpError(
            400, "请求内容应为 UTF-8 编码的 JSON", "the body must be UTF-8 JSON"
        ) from None
    if not isinstance(value, dict):
        raise HttpError(400, "请求内容应为 JSON 对象", "the body must be a JSON object")
    return value


def text_of(body: dict[str, Any], key: str, *, limit: int = 2000, required: bool = True) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise HttpError(
            400,
            f"缺少 {key}，或不是不超过 {limit} 字的文字",
            f"'{key}' must be a non-empty string of at most {limit} characters",
        )
    return value


def cookie_path(request: Request) -> str:
    return (request.scope.get("root_path") or "").rstrip("/") + "/"


def set_login_cookies(request: Request, response: Response, login: Login) -> None:
    """The session cookie (HttpOnly) and the CSRF cookie the page's script reads."""
    secure = request.url.scheme == "https"
    common: dict[str, Any] = {
        "max_age": SESSION_DAYS * 86400,
        "path": cookie_path(request),
        "secure": secure,
        "samesite": "lax",
    }
    response.set_cookie(SESSION_COOKIE, login.session_token, httponly=True, **common)
    response.set_cookie(CSRF_COOKIE, login.csrf_token, httponly=False, **common)


def clear_login_cookies(request: Request, response: Response) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path=cookie_path(request), samesite="lax")
