"""Bot API requests in flight are bounded (bot/channels/telegram/request.py, app._in_flight)."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import TimedOut

from bot.channels.telegram import app as app_module
from bot.channels.telegram.request import BoundedRequest


class _Probe(BoundedRequest):
    """Counts how many requests are past the bound at once; each takes `delay` seconds."""

    def __init__(self, connections: int, delay: float, pool_timeout: float | None) -> None:
        super().__init__(connections, pool_timeout=pool_timeout)
        self.delay = delay
        self.now = 0
        self.most = 0
        self.order: list[int] = []

    async def _inner(self, n: int) -> tuple[int, bytes]:
        self.now += 1
        self.most = max(self.most, self.now)
        self.order.append(n)
        await asyncio.sleep(self.delay)
        self.now -= 1
        return 200, b'{"ok": true, "result": true}'


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> type[_Probe]:
    async def inner(self: _Probe, url: str, method: str, *args: object) -> tuple[int, bytes]:
        return await self._inner(int(url))

    # the HTTP layer itself is replaced: only the bound in front of it is under test
    monkeypatch.setattr("telegram.request.HTTPXRequest.do_request", inner)
    return _Probe


async def test_no_more_than_the_bound_in_flight_and_in_arrival_order(
    probe: type[_Probe],
) -> None:
    req = probe(3, 0.01, pool_timeout=5)
    results = await asyncio.gather(*(req.do_request(str(i), "POST") for i in range(12)))
    assert all(code == 200 for code, _ in results)
    assert req.most == 3
    assert req.order == list(range(12))


async def test_waiting_longer_than_the_pool_timeout_is_a_timeout(probe: type[_Probe]) -> None:
    req = probe(1, 0.5, pool_timeout=0.05)
    first = asyncio.create_task(req.do_request("1", "POST"))
    await asyncio.sleep(0)
    with pytest.raises(TimedOut):
        await req.do_request("2", "POST")
    assert await first == (200, b'{"ok": true, "result": true}')
    # the slot taken by the timed-out request was never held: the next one goes through
    assert (await req.do_request("3", "POST"))[0] == 200


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8081/bot", app_module.IN_FLIGHT_LOCAL),
        ("http://localhost:8081/bot", app_module.IN_FLIGHT_LOCAL),
        ("http://[::1]:8081/bot", app_module.IN_FLIGHT_LOCAL),
        ("https://api.telegram.org/bot", app_module.IN_FLIGHT_REMOTE),
        ("http://10.0.0.5:8081/bot", app_module.IN_FLIGHT_REMOTE),
    ],
)
def test_fewer_requests_in_flight_for_a_bot_api_server_on_this_machine(
    url: str, expected: int
) -> None:
    assert app_module._in_flight(url) == expected
