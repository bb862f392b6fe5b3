"""`callcenter serve`: the console as a web page, for reps without a terminal.

textual-serve answers each browser tab with a fresh `callcenter run` process, whose screen it
relays over a websocket to xterm.js in the page. Every session opens the same database.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import ipaddress
import os
import re
import shlex
import sys
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TITLE = "Access line console"
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}
# Each browser tab is a console process (~70 MiB): a cap keeps a flood of tabs from taking the machine.
MAX_SESSIONS = 40
MAX_SESSIONS_PER_ADDRESS = 4


class ServeSettingError(ValueError):
    """An option `serve` cannot use; the message says what would work."""

    @property
    def message(self) -> str:
        return str(self)


@dataclass(frozen=True)
class ServeConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    public_url: str | None = None
    wallboard: bool = False  # each browser tab shows the wallboard instead of a console

    @property
    def url(self) -> str:
        """The address browsers open; the page's websocket address is built from it too."""
        if self.public_url:
            return self.public_url
        # An IPv6 literal needs brackets in a URL.
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def loopback_only(self) -> bool:
        return is_loopback(self.host)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST}, this machine only)"
    )
    parser.add_argument("--port", default=str(DEFAULT_PORT), help=f"port to listen on (default: {DEFAULT_PORT})")
    parser.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="the address browsers use when it is not http://HOST:PORT, e.g. "
        "https://console.example.org behind a TLS proxy",
    )
    parser.add_argument(
        "--wallboard",
        action="store_true",
        help="serve the wallboard (a supervisor signs each screen in) instead of the console",
    )


def config_from_args(args: argparse.Namespace) -> ServeConfig:
    """Check the options; a bad one raises ServeSettingError saying how to fix it."""
    host = (args.host or "").strip().removeprefix("[").removesuffix("]")  # [::1] as written in URLs
    text = str(args.port).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ServeSettingError(f"--port wants a whole number from 1 to 65535, e.g. 8000 (got {args.port!r}).")
    public_url = (args.public_url or "").strip().rstrip("/") or None
    if public_url is not None:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ServeSettingError(
                f"--public-url wants a full address starting with https:// or http://, "
                f"e.g. https://console.example.org (got {args.public_url!r})."
            )
    elif host in WILDCARD_HOSTS:
        # The page tells the browser where its websocket is; 0.0.0.0 is no address a browser can reach.
        raise ServeSettingError(
            f"--host {host or '(empty)'} listens on every address: add --public-url with the address browsers "
            "will use, e.g. --public-url http://console.example.org:8000."
        )
    return ServeConfig(
        host=host or DEFAULT_HOST,
        port=int(text),
        public_url=public_url,
        wallboard=bool(getattr(args, "wallboard", False)),
    )


def is_loopback(host: str) -> bool:
    if host.strip().lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:  # a host name: it could be reachable from anywhere
        return False


def exposure_warning(config: ServeConfig) -> str | None:
    """Words for the operator when the page is reachable from other machines."""
    if config.loopback_only:
        return None
    if config.url.startswith("https://"):
        return (
            f"callcenter: warning: listening on {config.host}, reachable from other machines; make sure "
            f"only the TLS proxy for {config.url} can reach port {config.port}."
        )
    return (
        f"callcenter: warning: listening on {config.host}, reachable from other machines over plain HTTP: "
        "callers' and children's details would cross the network unencrypted. Put a TLS proxy in front "
        "(see the README) or keep the default --host 127.0.0.1."
    )


# Our copy of textual-serve's page template: the same page without third-party requests.
PAGE_TEMPLATES = Path(__file__).resolve().parent / "web_templates"


def console_command(python: str | None = None, wallboard: bool = False) -> str:
    """The shell command textual-serve runs for each browser session."""
    return shlex.join([python or sys.executable, "-m", "callcenter", "wallboard" if wallboard else "run"])


def command_for(config: ServeConfig) -> str:
    return console_command(wallboard=config.wallboard)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origin(config: ServeConfig, origin: str | None) -> bool:
    """Only the console's own page may open a console: a page on another site must not drive one
    with the rep's browser. On this machine only, any loopback name for the same port is its own page."""
    if not origin:
        return False
    origin = origin.strip().rstrip("/").lower()
    if origin == origin_of(config.url):
        return True
    parts = urlsplit(origin)
    return (
        config.loopback_only
        and config.public_url is None
        and parts.scheme == "http"
        and parts.port == config.port
        and is_loopback(parts.hostname or "")
    )


def inline_script_hashes(page: str) -> list[str]:
    """CSP hashes of the page's inline scripts: they may run, nothing injected may."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii") + "'"
        for body in re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    ]


def security_headers(config: ServeConfig) -> dict[str, str]:
    page = (PAGE_TEMPLATES / "app_index.html").read_text(encoding="utf-8")
    websocket = origin_of(config.url).replace("http", "ws", 1)
    policy = [
        "default-src 'self'",
        "script-src 'self' " + " ".join(inline_script_hashes(page)),
        "style-src 'self' 'unsafe-inline'",  # xterm.js styles the terminal's rows as it draws them
        "img-src 'self' data:",
        "font-src 'self' data:",
        f"connect-src 'self' {websocket}",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
    ]
    return {
        "Content-Security-Policy": "; ".join(policy),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def build_server(config: ServeConfig, command: str | None = None):
    import aiohttp_jinja2
    import jinja2
    from aiohttp import web
    from textual_serve.server import Server

    from callcenter.config import CLIENT_ADDRESS_ENV

    headers = security_headers(config)
    sessions: Counter[str] = Counter()  # open consoles per client address
    session_address: ContextVar[str] = ContextVar("session_address", default="")

    @web.middleware
    async def with_headers(request: web.Request, handler):
        response = await handler(request)
        if not response.prepared:  # a websocket is already under way: its handshake had them
            response.headers.update(headers)
        return response

    class ConsoleServer(Server):
        """textual-serve's server, hardened (see above); each tab's console learns the address it was
        opened from through its environment (a shell assignment before the command)."""

        @property
        def command(self) -> str:
            address = session_address.get()
            base = self._base_command
            return f"{CLIENT_ADDRESS_ENV}={shlex.quote(address)} {base}" if address else base

        @command.setter
        def command(self, value: str) -> None:
            self._base_command = value

        async def on_startup(self, app) -> None:
            """No banner: textual-serve's would print the command line; `serve` prints the address."""

        async def _make_app(self) -> web.Application:
            """textual-serve's routes, with the headers above and no listing of the static folder."""
            app = web.Application(middlewares=[with_headers])
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes(
                [
                    web.get("/", self.handle_index, name="index"),
                    web.get("/ws", self.handle_websocket, name="websocket"),
                    web.get("/download/{key}", self.handle_download, name="download"),
                    web.static("/static", self.statics_path, show_index=False, name="static"),
                ]
            )
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            return app

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            if not allowed_origin(config, request.headers.get("Origin")):
                raise web.HTTPForbidden(text="This console opens only from its own page.")
            address = request.remote or "unknown"
            if sum(sessions.values()) >= MAX_SESSIONS or sessions[address] >= MAX_SESSIONS_PER_ADDRESS:
                raise web.HTTPTooManyRequests(text="Too many consoles are open: close a tab and try again.")
            sessions[address] += 1
            session_address.set(address)  # this request's task only: read as the console is started
            try:
                return await super().handle_websocket(request)
            finally:
                sessions[address] -= 1

    return ConsoleServer(
        command or console_command(),
        host=config.host,
        port=config.port,
        title=TITLE,
        public_url=config.url,
        templates_path=PAGE_TEMPLATES,
    )


def serve(config: ServeConfig, database_url: str, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Serve until Ctrl+C (or SIGTERM). `database_url` is already resolved."""
    from callcenter.config import DATABASE_URL_ENV

    out = out or sys.stdout
    err = err or sys.stderr
    # Sessions inherit the environment: the URL reaches them without showing in `ps` (it may hold a password).
    os.environ[DATABASE_URL_ENV] = database_url
    warning = exposure_warning(config)
    if warning:
        print(warning, file=err, flush=True)
    what = "the wallboard" if config.wallboard else "the console"
    print(f"callcenter: {what} is at {config.url} (Ctrl+C to stop)", file=out, flush=True)
    server = build_server(config, command_for(config))
    try:
        server.serve()
    except OSError as error:
        print(
            f"callcenter: cannot listen on {config.host} port {config.port}: "
            f"{error.strerror or error}. Pick another --port, or stop what is using it.",
            file=err,
        )
        return 1
    return 0
