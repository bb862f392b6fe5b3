"""The web console treats every request as hostile: only its own page opens a console, the number of
consoles is capped, its pages carry a security policy, and its static folder is not listed.

The server runs in this process on a free port; each "console" is a small process that waits for
textual-serve's quit message, so no real console starts (the browser test drives the real one).
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys

import aiohttp
import pytest
from aiohttp import web

from callcenter import serve
from callcenter.serve import ServeConfig, allowed_origin, build_server
from tests.dbutil import free_port

STAND_IN_CONSOLE = shlex.join(
    [
        sys.executable,
        "-c",
        "import sys\nfor chunk in iter(lambda: sys.stdin.buffer.read1(4096), b''):\n    if b'quit' in chunk: break",
    ]
)


@contextlib.asynccontextmanager
async def running(config: ServeConfig):
    server = build_server(config, command=STAND_IN_CONSOLE)
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    try:
        yield f"http://{config.host}:{config.port}"
    finally:
        await runner.cleanup()


async def test_the_page_carries_a_security_policy_and_the_static_folder_is_not_listed():
    config = ServeConfig(port=free_port())
    async with running(config) as url, aiohttp.ClientSession() as client:
        async with client.get(url + "/") as page:
            assert page.status == 200
            policy = page.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
            assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
            assert page.headers["X-Frame-Options"] == "DENY"
            assert page.headers["X-Content-Type-Options"] == "nosniff"
            assert page.headers["Referrer-Policy"] == "no-referrer"
        async with client.get(url + "/static/") as listing:
            assert listing.status in (403, 404)
            assert "textual.js" not in await listing.text()
        async with client.get(url + "/static/js/textual.js") as script:
            assert script.status == 200
            assert script.headers["X-Content-Type-Options"] == "nosniff"


async def test_only_the_consoles_own_page_may_open_a_console():
    config = ServeConfig(port=free_port())
    async with running(config) as url, aiohttp.ClientSession() as client:
        for foreign in ("http://evil.example", "null", f"http://127.0.0.1:{config.port + 1}"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(url + "/ws", headers={"Origin": foreign})
            assert refused.value.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as no_origin:
            await client.ws_connect(url + "/ws")
        assert no_origin.value.status == 403
        socket = await client.ws_connect(url + "/ws", headers={"Origin": url})
        await socket.close()


FREED_WITHIN_SECONDS = 30


async def test_consoles_are_capped_per_address_and_in_all(monkeypatch):
    config = ServeConfig(port=free_port())
    async with running(config) as url, aiohttp.ClientSession() as client:
        opened = [
            await client.ws_connect(url + "/ws", headers={"Origin": url}) for _ in range(serve.MAX_SESSIONS_PER_ADDRESS)
        ]
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(url + "/ws", headers={"Origin": url})
        assert refused.value.status == 429
        await opened.pop().close()
        # A closed tab frees its place, once the server has finished closing it (its console process
        # ends first: seconds on a loaded machine).
        deadline = asyncio.get_running_loop().time() + FREED_WITHIN_SECONDS
        while True:
            try:
                opened.append(await client.ws_connect(url + "/ws", headers={"Origin": url}))
                break
            except aiohttp.WSServerHandshakeError:
                if asyncio.get_running_loop().time() > deadline:
                    pytest.fail(f"a closed console did not free its place within {FREED_WITHIN_SECONDS} s")
                await asyncio.sleep(0.2)
        for socket in opened:
            await socket.close()

    monkeypatch.setattr(serve, "MAX_SESSIONS", 1)
    config = ServeConfig(port=free_port())
    async with running(config) as url, aiohttp.ClientSession() as client:
        first = await client.ws_connect(url + "/ws", headers={"Origin": url})
        with pytest.raises(aiohttp.WSServerHandshakeError) as full:
            await client.ws_connect(url + "/ws", headers={"Origin": f"http://localhost:{config.port}"})
        assert full.value.status == 429
        await first.close()


@pytest.mark.parametrize(
    ("config", "origin", "allowed"),
    [
        (ServeConfig(port=8000), "http://127.0.0.1:8000", True),
        (ServeConfig(port=8000), "http://localhost:8000/", True),
        (ServeConfig(port=8000), "http://localhost:8001", False),
        (ServeConfig(port=8000), "https://127.0.0.1:8000", False),
        (ServeConfig(port=8000, public_url="https://console.example.org"), "https://console.example.org", True),
        (ServeConfig(port=8000, public_url="https://console.example.org"), "http://127.0.0.1:8000", False),
        (ServeConfig(port=8000, public_url="https://console.example.org"), "https://console.example.org.evil", False),
        (ServeConfig(port=8000), None, False),
    ],
)
def test_which_origins_are_the_consoles_own(config, origin, allowed):
    assert allowed_origin(config, origin) is allowed


async def test_each_console_is_told_the_address_its_page_was_opened_from(tmp_path):
    """Its sign-in audit entry then says where the sign-in came from (tests/store/test_agents.py)."""
    import asyncio

    seen = tmp_path / "client"
    command = (
        shlex.join(["sh", "-c", f'printf %s "$CALLCENTER_CLIENT_ADDRESS" > {seen}; exec "$0" "$@"'])
        + " "
        + (STAND_IN_CONSOLE)
    )
    config = ServeConfig(port=free_port())
    server = build_server(config, command=command)
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    await web.TCPSite(runner, config.host, config.port).start()
    url = f"http://{config.host}:{config.port}"
    try:
        async with aiohttp.ClientSession() as client:
            socket = await client.ws_connect(url + "/ws", headers={"Origin": url})
            for _ in range(100):
                if seen.exists() and seen.read_text():
                    break
                await asyncio.sleep(0.05)
            await socket.close()
    finally:
        await runner.cleanup()
    assert seen.read_text() == "127.0.0.1"
    assert server.command == command  # outside a session's request: the plain command
