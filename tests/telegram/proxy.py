"""A loopback reverse proxy in front of several workers (webhook or web), as a load balancer
would be: each request to the next worker in turn; a worker that does not answer (killed, or
killed while answering) is skipped and the request goes to the next one, as nginx's
`proxy_next_upstream error` does; 502 when none answers, or (`drop_replies`) when the reply
is lost on the way back. Headers go through both ways, but
for the hop-by-hop ones."""

from __future__ import annotations

import asyncio
import itertools
import random
import threading

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

HOP_BY_HOP = {
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
    "content-encoding",
}  # httpx hands the body on decoded


class RoundRobinProxy:
    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.port = 0
        self.served = [0] * len(ports)
        self.failovers = 0
        # the share of replies lost on the way back (a phone's network dropping): the worker
        # has answered, the client gets a 502 instead
        self.drop_replies = 0.0
        self.dropped = 0
        self._drops = random.Random(7)
        self._turn = itertools.count()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._client: httpx.AsyncClient | None = None
        self._http: tornado.httpserver.HTTPServer | None = None

    def __enter__(self) -> RoundRobinProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _start(self) -> None:
        proxy = self
        self._client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=200))

        class Forward(tornado.web.RequestHandler):
            async def _any(self, path: str) -> None:
                req = self.request
                status, body, headers = await proxy.forward(
                    req.method or "GET", req.uri or "/" + path, req.body,
                    {k: v for k, v in req.headers.get_all() if k.lower() not in HOP_BY_HOP},
                )  # fmt: skip
                self.set_status(status)
                for k, v in headers:
                    self.add_header(k, v)
                self.finish(body)

            get = post = put = delete = _any

        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._http = tornado.httpserver.HTTPServer(
            tornado.web.Application(
                [(r"/(.*)", Forward)],
                log_function=lambda handler: None,  # 502s are counted, not logged
            )
        )
        self._http.add_sockets(sockets)

    async def forward(
        self, method: str, uri: str, body: bytes, headers: list[tuple[str, str]]
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        assert self._client is not None
        first = next(self._turn)
        for i in range(len(self.ports)):
            n = (first + i) % len(self.ports)
            try:
                r = await self._client.request(
                    method, f"http://127.0.0.1:{self.ports[n]}{uri}", content=body or None,
                    headers=headers,
                )  # fmt: skip
            except httpx.HTTPError:
                self.failovers += 1
                continue
            self.served[n] += 1
            if self.drop_replies and self._drops.random() < self.drop_replies:
                self.dropped += 1
                return 502, b"reply lost on the way", []
            back = [(k, v) for k, v in r.headers.multi_items() if k.lower() not in HOP_BY_HOP]
            return r.status_code, r.content, back
        return 502, b"no worker answered", []

    async def _stop(self) -> None:
        if self._http is not None:
            self._http.stop()
        if self._client is not None:
            await self._client.aclose()
