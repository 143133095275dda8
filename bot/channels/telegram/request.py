"""Bot API requests with a bounded number in flight, one pooled connection each.

Many updates are handled at once (`CONCURRENT_UPDATES`) and each ends with a Bot API request.
httpcore's pool does work per pooled connection on every request start and end (an expiry
check that asks the socket, an idle count that is quadratic in the connections) and, when
requests wait for a connection, per waiting request as well. So the requests beyond
`connections` wait on an asyncio semaphore instead (in order, within the pool timeout) and the
pool never holds more connections than requests in flight.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData


class BoundedRequest(HTTPXRequest):
    """`HTTPXRequest` over `connections` connections, at most that many requests in flight."""

    def __init__(self, connections: int, *, pool_timeout: float | None, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=connections, pool_timeout=pool_timeout, **kwargs)
        self._slots = asyncio.Semaphore(connections)
        self._pool_timeout = pool_timeout

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        wait = self._pool_timeout if pool_timeout is BaseRequest.DEFAULT_NONE else pool_timeout
        try:
            async with asyncio.timeout(wait):
                await self._slots.acquire()
        except TimeoutError:
            raise TimedOut("Pool timeout: all connections to the Bot API are busy") from None
        try:
            return await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        finally:
            self._slots.release()
