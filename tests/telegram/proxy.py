"""A loopback reverse proxy in front of several webhook workers, as a load balancer would be:
each request to the next worker in turn; a worker that does not answer (killed) is skipped and
the request goes to the next one; 502 when none answers."""

from __future__ import annotations

import asyncio
import itertools
import threading

import httpx
import tornado.httpserver
import tornado.netutil
import tornado.web

FORWARDED = ("content-type", "x-telegram-bot-api-secret-token")


class RoundRobinProxy:
    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.port = 0
        self.served = [0] * len(ports)
        self.failovers = 0
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
            async def post(self, path: str) -> None:
                status, body = await proxy.forward(path, self.request.body, {
                    k: v for k, v in self.request.headers.items() if k.lower() in FORWARDED
                })  # fmt: skip
                self.set_status(status)
                self.finish(body)

        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._http = tornado.httpserver.HTTPServer(tornado.web.Application([(r"/(.*)", Forward)]))
        self._http.add_sockets(sockets)

    async def forward(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        assert self._client is not None
        first = next(self._turn)
        for i in range(len(self.ports)):
            n = (first + i) % len(self.ports)
            try:
                r = await self._client.post(
                    f"http://127.0.0.1:{self.ports[n]}/{path}", content=body, headers=headers
                )
            except httpx.HTTPError:
                self.failovers += 1
                continue
            self.served[n] += 1
            return r.status_code, r.content
        return 502, b"no worker answered"

    async def _stop(self) -> None:
        if self._http is not None:
            self._http.stop()
        if self._client is not None:
            await self._client.aclose()
