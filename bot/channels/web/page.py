"""The phone page: server-rendered HTML (Jinja2, autoescaped) and the script that drives it.

User text only ever reaches a template as a value (escaped), never as template source.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot import services
from bot.channels.web.http import SESSION_COOKIE, database, signed_in, step
from bot.services import answers, review, turns

HERE = Path(__file__).parent
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(request: Request, name: str, **context: Any) -> HTMLResponse:
    base = (request.scope.get("root_path") or "").rstrip("/")
    html = environment().get_template(name).render(base=base, **context)
    return HTMLResponse(html, headers=NO_STORE)


async def index(request: Request) -> Response:
    """The app for a signed-in user, else the sign-in form."""
    if request.cookies.get(SESSION_COOKIE):
        try:
            info = await signed_in(request)
        except Exception:  # an expired or disabled session: sign in again
            return render(request, "login.html", token=None)
        drafts = await step(request, services.list_drafts, database(request), info.user.id)
        active = await step(request, services.active_draft, database(request), info.user.id)
        listed = [turns.listed(d) for d in drafts]
        resume = active.id if active is not None else None
        reviewer = info.user.role in review.REVIEW_ROLES  # the 审核 tab, with how many wait
        waiting = 0
        if reviewer:
            waiting = len(await step(request, review.pending_for, database(request), info.user.id))
        home = answers.home_place(info.user.department)  # 问答 without a place: about here
        return render(request, "app.html", user=info.user, drafts=listed, resume=resume,
                      reviewer=reviewer, waiting=waiting, home=home)  # fmt: skip
    return render(request, "login.html", token=None)


async def login_link(request: Request) -> Response:
    """The page of a one-time login link: one tap signs in (opening it alone spends nothing,
    so a chat app's link preview cannot use the link up)."""
    return render(request, "login.html", token=request.path_params["token"])


routes = [
    Route("/", index, methods=["GET"]),
    Route("/login/{token}", login_link, methods=["GET"]),
    Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
]
