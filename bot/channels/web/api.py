"""The JSON API under /api/ (CONTRACT §5): each endpoint translates one request into one
`bot.services` call and its result into JSON — nothing else."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import services
from bot.channels.web.http import (
    NOT_SIGNED_IN,
    HttpError,
    api,
    body_bytes,
    call,
    check_origin,
    clear_login_cookies,
    csrf_guard,
    database,
    json_body,
    session_token,
    set_login_cookies,
    signed_in,
    step,
    text_of,
)
from bot.services import answers, documents, notices, review, turns, web_login
from bot.services.errors import AccessDenied
from bot.services.users import role_label
from storage.domain import User

DOC_TYPES = ("reserve_plan", "supply_plan", "approval_memo")


def me(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.display_name,
        "role": user.role,
        "role_label": role_label(user.role),
        "department": user.department,
    }


@api
async def login(request: Request) -> Response:
    check_origin(request)
    body = await json_body(request)
    db = database(request)
    if "login_token" in body:
        done = await step(request, web_login.login_with_link, db, body.get("login_token"))
    else:
        done = await step(
            request,
            web_login.login_with_code,
            db,
            body.get("code"),
            name=body.get("name"),
            department=body.get("department"),
        )
    response = JSONResponse(me(done.user))
    set_login_cookies(request, response, done)
    return response


@api
async def logout(request: Request) -> Response:
    response = Response(status_code=204)
    if request.cookies.get("landbot_session"):
        try:
            await signed_in(request)
        except HttpError as exc:
            if exc.status != 401:
                raise
        else:
            await step(
                request, web_login.logout, database(request), request.cookies.get("landbot_session")
            )
    clear_login_cookies(request, response)
    return response


@api
async def whoami(request: Request) -> Response:
    return JSONResponse(me((await signed_in(request)).user))


@api
async def list_drafts(request: Request) -> Response:
    uid = (await signed_in(request)).user.id
    drafts = await step(request, services.list_drafts, database(request), uid)
    return JSONResponse({"drafts": [turns.listed(d) for d in drafts]})


def _created(reply: services.Reply) -> JSONResponse:
    assert reply.draft is not None
    return JSONResponse({"draft_id": reply.draft.id, "turn": turns.reply_turn(reply)}, 201)


@api
async def create_draft(request: Request) -> Response:
    uid = (await signed_in(request)).user.id
    body = await json_body(request)
    kind = text_of(body, "kind", limit=32)
    request_id = _request_id(body, "request_id")
    made = await step(request, turns.start_turn, database(request), uid, kind, request_id)
    return JSONResponse(made, 201)  # a repeat answers as the first did (CONTRACT §5), + replayed


def _request_id(body: dict[str, Any], name: str) -> int | None:
    """An optional id the page gives a request so that sending it again applies it once."""
    value = body.get(name)
    if value is None:
        return None
    if type(value) is not int or not 0 < value <= turns.MAX_ANSWER_ID:
        raise HttpError(400, f"{name} 应为正整数", f"'{name}' must be a positive integer")
    return value


@api
async def import_draft(request: Request) -> Response:
    uid = (await signed_in(request)).user.id
    data = await body_bytes(request)
    is_json = "json" in request.headers.get("content-type", "")
    name = "plan.json" if is_json else "plan.yaml"
    return _created(await call(services.import_plan, database(request), uid, data, filename=name))


@api
async def copy_draft(request: Request) -> Response:
    """复制草稿: a new draft from one of the user's, without the parcel's identity fields."""
    uid = (await signed_in(request)).user.id
    draft_id = request.path_params["draft_id"]
    return _created(await step(request, services.copy_draft, database(request), uid, draft_id))


@api
async def get_draft(request: Request) -> Response:
    uid = (await signed_in(request)).user.id
    draft_id = request.path_params["draft_id"]
    return JSONResponse(await step(request, turns.draft_detail, database(request), uid, draft_id))


@api
async def answer(request: Request) -> Response:
    """The session is checked in the answer's own transaction (the hot path: one, not two)."""
    token = session_token(request)
    try:
        body = await json_body(request)
        text = text_of(body, "text", limit=5000)  # a 粘贴 block; the engine caps it
        answer_id = _request_id(body, "answer_id")
    except HttpError:
        await signed_in(request)  # signed out or forged comes first, as on every endpoint
        raise
    draft_id = request.path_params["draft_id"]
    try:
        turn = await step(request, turns.answer_turn, database(request), token, draft_id, text,
                          answer_id, guard=csrf_guard(request))  # fmt: skip
    except AccessDenied:
        raise NOT_SIGNED_IN from None
    return JSONResponse(turn)


@api
async def check(request: Request) -> Response:
    uid = (await signed_in(request)).user.id
    draft_id = request.path_params["draft_id"]
    return JSONResponse(await step(request, turns.check_draft, database(request), uid, draft_id))


def content_disposition(filename: str, fallback: str) -> str:
    """`fallback` (ASCII) for old browsers, the Chinese name in RFC 5987 form (`filename*`)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@api
async def download(request: Request) -> Response:
    uid = (await signed_in(request)).user.id
    doc_type, suffix = request.path_params["doc_type"], request.path_params["suffix"]
    if doc_type not in DOC_TYPES or suffix not in ("docx", "pdf"):
        raise HttpError(404, "没有这种文件", "no such document")
    converter = request.app.state.converter() if suffix == "pdf" else None
    found = await call(
        documents.one_document,
        database(request),
        uid,
        request.path_params["draft_id"],
        doc_type,
        pdf=suffix == "pdf",
        converter=converter,
    )
    headers = {
        "Content-Disposition": content_disposition(found.filename, f"{doc_type}.{suffix}"),
        "Cache-Control": "private, no-store",
    }
    return Response(found.content, media_type=found.media_type, headers=headers)


@api
async def submit(request: Request) -> Response:
    uid = (await signed_in(request)).user.id
    draft_id = request.path_params["draft_id"]
    done = await step(
        request, review.submit, database(request), uid, draft_id, origin=web_login.CHANNEL
    )
    return JSONResponse({"status": done.draft.status, "reviewers": len(done.reviewers)})


async def _decide(request: Request, decision: str) -> Response:
    uid = (await signed_in(request)).user.id
    body = await json_body(request)
    comment = text_of(body, "comment", limit=review.MAX_COMMENT + 1, required=False)
    done = await step(
        request,
        review.decide,
        database(request),
        uid,
        request.path_params["draft_id"],
        decision,
        comment=comment,
        origin=web_login.CHANNEL,
    )
    return JSONResponse({"status": done.draft.status})


@api
async def approve(request: Request) -> Response:
    return await _decide(request, "approved")


@api
async def send_back(request: Request) -> Response:
    return await _decide(request, "returned")


@api
async def reviews(request: Request) -> Response:
    uid = (await signed_in(request)).user.id
    pending = await step(request, review.pending_for, database(request), uid)
    return JSONResponse({"drafts": [turns.pending_listed(p) for p in pending]})


@api
async def list_notices(request: Request) -> Response:
    """What happened to the user's plans, or waits for them, since they last looked."""
    uid = (await signed_in(request)).user.id
    found = await step(request, notices.unseen, database(request), uid)
    return JSONResponse({"notices": [turns.notice_json(n) for n in found]})


@api
async def seen_notices(request: Request) -> Response:
    uid = (await signed_in(request)).user.id
    ids = (await json_body(request)).get("ids")
    if (
        not isinstance(ids, list)
        or len(ids) > 100
        or not all(type(i) is int and 0 < i <= turns.MAX_ANSWER_ID for i in ids)
    ):
        raise HttpError(400, "ids 应为通知编号的列表", "'ids' must be a list of notice ids")
    return JSONResponse({"seen": await step(request, notices.seen, database(request), uid, ids)})


@api
async def ask(request: Request) -> Response:
    user = (await signed_in(request)).user
    body = await json_body(request)
    if body.get("home", False) not in (True, False):
        raise HttpError(400, "home 应为 true 或 false", "'home' must be true or false")
    found = await call(
        answers.ask,
        text_of(body, "question", limit=4000),
        jurisdiction=body.get("jurisdiction") or None,
        k=body.get("k", 3),
        home=answers.home_place(user.department) if body.get("home") is True else None,
    )
    return JSONResponse(found)


@api
async def procedure(request: Request) -> Response:
    await signed_in(request)
    data = await body_bytes(request)
    name = "parcel.json" if "json" in request.headers.get("content-type", "") else "parcel.yaml"
    mapping = await call(services.parse_plan_text, data, name)
    return JSONResponse(await call(answers.procedure, mapping))


DRAFT = "/api/drafts/{draft_id}"
routes = [
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/me", whoami, methods=["GET"]),
    Route("/api/drafts", list_drafts, methods=["GET"]),
    Route("/api/drafts", create_draft, methods=["POST"]),
    Route("/api/drafts/import", import_draft, methods=["POST"]),
    Route(DRAFT, get_draft, methods=["GET"]),
    Route(f"{DRAFT}/answer", answer, methods=["POST"]),
    Route(f"{DRAFT}/copy", copy_draft, methods=["POST"]),
    Route(f"{DRAFT}/check", check, methods=["GET"]),
    Route(f"{DRAFT}/documents/{{doc_type}}.{{suffix}}", download, methods=["GET"]),
    Route(f"{DRAFT}/submit", submit, methods=["POST"]),
    Route(f"{DRAFT}/approve", approve, methods=["POST"]),
    Route(f"{DRAFT}/return", send_back, methods=["POST"]),
    Route("/api/reviews", reviews, methods=["GET"]),
    Route("/api/notices", list_notices, methods=["GET"]),
    Route("/api/notices/seen", seen_notices, methods=["POST"]),
    Route("/api/ask", ask, methods=["POST"]),
    Route("/api/procedure", procedure, methods=["POST"]),
]
