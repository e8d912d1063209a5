"""A real PostgreSQL server (Debian's `postgresql`) in a temp dir, on a free port of 127.0.0.1.

The owner store's tests run against it as well as against SQLite, because what they check is how accords
behaves with the real server: its types, its locks, its transactions (never a mock). `initdb` makes a
throw-away cluster with trust authentication (only 127.0.0.1 and a unix socket inside the cluster's
folder listen), fsync off (nothing here needs to survive a crash), and `postgres` runs as a child of
this process.

PostgreSQL refuses to run as root, and CI runs as root: then the cluster belongs to the `postgres`
account Debian's package creates, and both commands run under it (`subprocess`'s `user=`/`group=`). Its
folder is made with `tempfile.mkdtemp` under the system temp dir (world-traversable), not under pytest's
root-only tmp dirs, and removed by `stop`.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

from harness.ports import HOST, free_port
from harness.server_process import wait_until_ready

SEARCHED = ("/usr/lib/postgresql/*/bin", "/usr/local/bin", "/usr/bin")
SUPERUSER = "accords"
ROOT_RUNS_AS = "postgres"


def postgres_bin() -> Path | None:
    """The folder holding `initdb` and `postgres` (Debian keeps them off the PATH), newest version first."""
    for pattern in SEARCHED:
        for folder in sorted(Path("/").glob(pattern.lstrip("/")), reverse=True):
            if (folder / "initdb").is_file() and (folder / "postgres").is_file():
                return folder
    return None


class PostgresServer:
    """One cluster, started by `start`, ended (and its folder removed) by `stop`."""

    def __init__(self, port: int | None = None) -> None:
        folder = postgres_bin()
        if folder is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = folder
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="accords-pg-"))
        self.data, self.sockets, self.log = (
            self.root / "data",
            self.root / "sockets",
            self.root / "server.log",
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.account: tuple[int, int] | None = None
        if os.geteuid() == 0:
            user = pwd.getpwnam(ROOT_RUNS_AS)
            self.account = (user.pw_uid, grp.getgrgid(user.pw_gid).gr_gid)

    def start(self, timeout: float = 60.0) -> float:
        """initdb, then `postgres`, waiting until it accepts connections; returns the seconds that took."""
        began = time.monotonic()
        self.sockets.mkdir()
        if self.account is not None:
            for path in (self.root, self.sockets):
                os.chown(path, *self.account)
        initdb = [
            str(self.bin / "initdb"),
            f"--pgdata={self.data}",
            f"--username={SUPERUSER}",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ]
        done = self._run(initdb)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{done.stderr.decode(errors='replace')}")
        command = [
            str(self.bin / "postgres"),
            "-D", str(self.data),
            "-h", HOST,
            "-p", str(self.port),
            "-k", str(self.sockets),
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
        ]  # fmt: skip
        with self.log.open("ab") as sink:
            self.process = self._spawn(command, sink)
        return wait_until_ready(
            self.process,
            self.ready,
            name="postgres",
            silence="did not accept connections",
            began=began,
            timeout=timeout,
            interval=0.05,
            give_up=self.stop,
            tail=self.log_tail,
        )

    def _run(self, command: list[str]) -> subprocess.CompletedProcess[bytes]:
        user, group = self.account or (None, None)
        groups: list[int] | None = None if self.account is None else []
        return subprocess.run(
            command, capture_output=True, check=False, user=user, group=group, extra_groups=groups
        )

    def _spawn(self, command: list[str], sink: IO[bytes]) -> subprocess.Popen[bytes]:
        user, group = self.account or (None, None)
        groups: list[int] | None = None if self.account is None else []
        return subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, user=user, group=group, extra_groups=groups
        )

    def ready(self) -> bool:
        done = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", HOST, "-p", str(self.port), "-U", SUPERUSER, "-t", "1"],
            capture_output=True,
            check=False,
        )
        return done.returncode == 0

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database of this server (psycopg 3)."""
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        with psycopg.connect(host=HOST, port=self.port, user=SUPERUSER, dbname="postgres") as connection:
            connection.autocommit = True
            connection.execute(f'CREATE DATABASE "{name}"')  # a test's own name
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown (SIGINT: open sessions are ended), SIGKILL if that hangs; the folder is removed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""
