"""Running the web app under uvicorn: one or several worker processes, graceful SIGTERM.

uvicorn's own access log is off (it prints request paths, and /login/<token> holds a
secret); `landbot.web.access` logs method, path without secrets, status and time instead.
Cookies never reach a log. Behind nginx, X-Forwarded-Proto from 127.0.0.1 is trusted, so
cookies get the Secure flag on HTTPS.
"""

from __future__ import annotations

import logging
import signal

log = logging.getLogger("landbot.web")
APP = "bot.channels.web.app:create_app"
GRACE_S = 30  # SIGTERM: finish the requests in hand for up to this long, then exit 0


def _stopped(signum: int, frame: object) -> None:
    """What a stop signal does once uvicorn has shut down: nothing (the process exits 0)."""
    log.info("landbot web stopped (signal %s)", signum)


def serve(*, host: str, port: int, root_path: str = "", workers: int = 1) -> None:
    import uvicorn

    # uvicorn finishes the requests in hand on SIGTERM/SIGINT, then raises the signal again
    # through the handler it found at start: ours, so the stop is a clean exit 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stopped)

    log.info("serving landbot web on http://%s:%s%s/", host, port, root_path)
    uvicorn.run(
        APP,
        factory=True,
        host=host,
        port=port,
        root_path=root_path,
        workers=workers,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        timeout_graceful_shutdown=GRACE_S,
        log_level="info",
        server_header=False,
    )
