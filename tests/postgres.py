"""A throw-away PostgreSQL cluster for the tests: initdb + pg_ctl from Debian's `postgresql` package.

Started once per test session on a free port of 127.0.0.1 with trust authentication, in a temp
directory, and stopped at the end. PostgreSQL refuses to run as root, so under root (as CI runs)
the server runs as the `postgres` system user the package creates. Each test gets its own database.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

BIN_DIRS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14)]
USER = "summit"


def server_bin() -> Path | None:
    """The folder with initdb and pg_ctl, or None when PostgreSQL is not installed."""
    for folder in BIN_DIRS:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and (Path(found).parent / "initdb").is_file() else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    root: Path
    port: int
    run_as: list[str]
    bin: Path
    _names = itertools.count(1)

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run([*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60, check=False)


@contextlib.contextmanager
def cluster(root: Path) -> Iterator[Cluster]:
    """Start a cluster under `root` (which must be empty) and stop it afterwards."""
    folder = server_bin()
    if folder is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    run_as: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        root.chmod(0o700)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, sockets = root / "data", root / "sockets"
    subprocess.run([*run_as, "mkdir", "-p", str(sockets)], check=True, timeout=30)
    subprocess.run([*run_as, str(folder / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                    "--no-sync", "--locale=C.UTF-8"], check=True, capture_output=True, timeout=120)
    port = _free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    started = subprocess.run([*run_as, str(folder / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                              str(root / "server.log"), "-w", "-t", "60", "start"],
                             capture_output=True, text=True, timeout=90, check=False)
    if started.returncode != 0:
        log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {started.stderr}\n{log[-2000:]}")
    server = Cluster(root, port, run_as, folder)
    try:
        yield server
    finally:
        server.stop()
