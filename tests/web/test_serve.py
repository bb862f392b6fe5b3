"""`callcenter serve`: its options, what it refuses, and where it listens by default."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys

import pytest

from callcenter import serve
from callcenter.cli import build_parser, main


def config(*args: str) -> serve.ServeConfig:
    return serve.config_from_args(build_parser().parse_args(["serve", *args]))


def test_help_shows_the_options_and_the_local_default():
    result = subprocess.run(
        [sys.executable, "-m", "callcenter", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    for option in ("--host", "--port", "--public-url"):
        assert option in result.stdout
    assert "default: 127.0.0.1" in result.stdout


def test_by_default_only_this_machine_can_reach_it():
    chosen = config()
    assert (chosen.host, chosen.port) == ("127.0.0.1", 8000)
    assert chosen.url == "http://127.0.0.1:8000"
    assert chosen.loopback_only
    assert serve.exposure_warning(chosen) is None


def test_the_server_gets_the_address_and_runs_the_console_per_session():
    chosen = config("--port", "8123")
    server = serve.build_server(chosen)
    assert (server.host, server.port, server.public_url) == ("127.0.0.1", 8123, "http://127.0.0.1:8123")
    assert shlex.split(server.command) == [sys.executable, "-m", "callcenter", "run"]
    assert server.title == serve.TITLE


def test_serve_wallboard_runs_the_wallboard_per_session():
    chosen = config("--wallboard")
    assert chosen.wallboard
    server = serve.build_server(chosen, serve.command_for(chosen))
    assert shlex.split(server.command) == [sys.executable, "-m", "callcenter", "wallboard"]
    assert shlex.split(serve.command_for(config()))[-1] == "run"


@pytest.mark.parametrize("host", ["localhost", "127.0.0.2", "::1", "[::1]"])
def test_loopback_hosts(host):
    assert serve.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "192.168.0.7", "console.example.org"])
def test_other_hosts_are_not_loopback(host):
    assert not serve.is_loopback(host)


def test_an_ipv6_address_is_bracketed_in_the_url_only():
    assert config("--host", "::1").url == "http://[::1]:8000"
    assert config("--host", "[::1]").host == "::1"


def test_plain_http_beyond_this_machine_is_warned_about():
    warning = serve.exposure_warning(config("--host", "10.1.2.3"))
    assert warning is not None and "plain HTTP" in warning and "TLS proxy" in warning


def test_behind_a_tls_proxy_the_page_uses_the_public_address():
    chosen = config("--host", "0.0.0.0", "--public-url", "https://console.example.org/")
    assert chosen.url == "https://console.example.org"
    warning = serve.exposure_warning(chosen)
    assert warning is not None and "plain HTTP" not in warning and "https://console.example.org" in warning
    assert serve.build_server(chosen).public_url == "https://console.example.org"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--port", "eighty"], "--port wants a whole number from 1 to 65535"),
        (["--port", "0"], "--port wants a whole number from 1 to 65535"),
        (["--port", "70000"], "--port wants a whole number from 1 to 65535"),
        (["--public-url", "console.example.org"], "--public-url wants a full address"),
        (["--public-url", "ftp://console.example.org"], "--public-url wants a full address"),
        (["--host", "0.0.0.0"], "add --public-url"),
    ],
)
def test_bad_options_say_what_would_work(args, message):
    with pytest.raises(serve.ServeSettingError, match=message):
        config(*args)


def test_bad_options_stop_the_command_with_one_line(capsys):
    assert main(["serve", "--port", "eighty"]) == 2
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and "--port wants a whole number" in err


def test_serve_signs_nobody_in(capsys):
    assert main(["--agent", "alex", "serve"]) == 2
    assert "Leave out --agent" in capsys.readouterr().err


@pytest.mark.slow
def test_a_port_in_use_is_a_one_line_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "callcenter",
                "--database-url",
                f"sqlite:///{tmp_path / 'serve.db'}",
                "serve",
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr
    assert "Traceback" not in result.stderr
