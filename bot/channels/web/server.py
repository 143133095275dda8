"""Running the web app under uvicorn: one or several worker processes, graceful SIGTERM.

uvicorn's own access log is off (it prints request paths, and /login/<token> holds a
secret); `landbot.web.access` logs method, path without secrets, status and time instead.
Cookies never reach a log. Behind nginx, X-Forwarded-Proto from 127.0.0.1 is trusted, so
cookies get the Secure flag on HTTPS.
"""

from __future__ import annotations

import logging

log = logging.getLogger("landbot.web")
APP = "bot.channels.web.app:create_app"
GRACE_S = 30  # SIGTERM: finish the requests in hand for up to this long, then exit 0


def serve(*, host: str, port: int, root_path: str = "", workers: int = 1) -> None:
    import uvicorn

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
