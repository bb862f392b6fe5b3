"""A real PgBouncer in transaction pooling mode, started for a test run (or a bench) and stopped after.

It listens on 127.0.0.1 at a port the kernel picks (so parallel runs never share one), keeps its
configuration, socket, pid file and log in a folder of its own, and passes every database through to
the PostgreSQL server the tests use (`* = host=... port=...`). Authentication is `trust` against a
generated user list naming the logins that may come through, as the server itself trusts them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sqlalchemy.engine import make_url

# Debian installs it under /usr/sbin, which is not on every user's PATH.
CANDIDATES = ("pgbouncer", "/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer")


def find_binary() -> str | None:
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgBouncer:
    """One pgbouncer process. `users`: the logins let through (trust: no password is checked)."""

    def __init__(
        self,
        server_url: str,
        users: list[str],
        *,
        default_pool_size: int = 10,
        max_client_conn: int = 500,
        max_db_connections: int = 0,
    ) -> None:
        binary = find_binary()
        if binary is None:
            raise FileNotFoundError("pgbouncer is not installed (apt-get install pgbouncer)")
        self.binary = binary
        server = make_url(server_url)
        self.server_host = server.host or "127.0.0.1"
        self.server_port = server.port or 5432
        self.users = sorted(set(users))
        self.settings = {
            "pool_mode": "transaction",
            "default_pool_size": str(default_pool_size),
            "max_client_conn": str(max_client_conn),
            "max_db_connections": str(max_db_connections),
        }
        self.folder = Path(tempfile.mkdtemp(prefix="cct_pgbouncer_"))
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> str:
        try:
            return (self.folder / "pgbouncer.log").read_text(errors="replace")
        except OSError:
            return ""

    def url(self, server_url: str, *, flag: bool = True) -> str:
        """`server_url` (a database on the PostgreSQL server) through this pgbouncer, with ?pgbouncer=on."""
        url = make_url(server_url).set(host="127.0.0.1", port=self.port)
        if flag:
            url = url.update_query_dict({"pgbouncer": "on"})
        return url.render_as_string(hide_password=False)

    def _write_config(self) -> Path:
        userlist = self.folder / "userlist.txt"
        userlist.write_text("".join(f'"{user}" ""\n' for user in self.users))
        settings = {
            "listen_addr": "127.0.0.1",
            "listen_port": str(self.port),
            "unix_socket_dir": str(self.folder),
            "auth_type": "trust",
            "auth_file": str(userlist),
            "logfile": str(self.folder / "pgbouncer.log"),
            "pidfile": str(self.folder / "pgbouncer.pid"),
            "admin_users": "postgres",
            "stats_users": "postgres",
            # Transaction pooling never resets a server connection between clients: nothing may rely on it.
            "server_reset_query": "",
            "ignore_startup_parameters": "extra_float_digits",
            **self.settings,
        }
        config = self.folder / "pgbouncer.ini"
        config.write_text(
            f"[databases]\n* = host={self.server_host} port={self.server_port}\n\n[pgbouncer]\n"
            + "".join(f"{key} = {value}\n" for key, value in settings.items())
        )
        return config

    def start(self, timeout: float = 15.0) -> None:
        command_user: list[str] = []
        if os.geteuid() == 0:
            # PgBouncer refuses to run as root; it switches to the server's account, which owns the folder.
            import pwd

            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            command_user = ["-u", "postgres"]
        for _attempt in range(5):  # another process may take the kernel's free port before pgbouncer binds it
            self.port = _free_port()
            config = self._write_config()
            if command_user:
                import pwd

                account = pwd.getpwnam("postgres")
                for path in self.folder.iterdir():
                    os.chown(path, account.pw_uid, account.pw_gid)
            self.process = subprocess.Popen(
                [self.binary, *command_user, str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl+C in the test run's terminal is the run's, not pgbouncer's
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                        return
                except OSError:
                    time.sleep(0.05)
            if self.process.poll() is None:
                self.stop()
                raise RuntimeError(f"pgbouncer did not listen within {timeout:.0f} s:\n{self.log[-2000:]}")
            if "Address already in use" not in self.log:
                raise RuntimeError(f"pgbouncer exited with {self.process.returncode}:\n{self.log[-2000:]}")
        raise RuntimeError("pgbouncer found no free port in five tries")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # SIGINT: close every connection now and exit
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
