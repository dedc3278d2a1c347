"""Find a real PostgreSQL server for the tests, or start a throwaway one. Never a mock.

Order: $CREDITLINE_TEST_POSTGRES_URL; the server at postgresql://postgres@127.0.0.1:5432/test
when it answers; a temporary cluster started with the installed initdb/pg_ctl (as the postgres
user when running as root); Debian's postgresql package is installed first if it is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
ENV = "CREDITLINE_TEST_POSTGRES_URL"


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _install() -> None:
    subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "postgresql"],
        check=True,
        capture_output=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_throwaway() -> tuple[str, Path]:
    """A PostgreSQL cluster of its own in a temp dir: its URL and its data dir."""
    bindir = _pg_bin()
    if bindir is None:
        _install()
        bindir = _pg_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed and could not be installed")
    root = Path(tempfile.mkdtemp(prefix="creditline-pg-"))
    data, port = root / "data", _free_port()
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(root, "postgres")
        root.chmod(0o700)
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(root / "log"),
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    for _ in range(50):
        if _answers(url):
            return url, data
        time.sleep(0.2)
    raise RuntimeError("the throwaway PostgreSQL did not start")


def _pg_ctl(data: Path, *args: str, check: bool, timeout: float | None = None) -> None:
    """``pg_ctl -D data ARGS`` as the cluster's owner."""
    bindir = _pg_bin()
    if bindir is None:
        return
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    cmd = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), *args]
    subprocess.run(cmd, check=check, capture_output=True, timeout=timeout)


def stop_throwaway(data: Path) -> None:
    _pg_ctl(data, "-m", "fast", "stop", check=False)


def restart_throwaway(data: Path) -> None:
    """``pg_ctl restart -m fast``: every connection is cut, the server is back when it returns
    (the log goes to a file: a server holding our pipes open would keep ``run`` waiting)."""
    assert _pg_bin() is not None
    log = str(data.parent / "log")
    _pg_ctl(data, "-l", log, "-m", "fast", "-w", "restart", check=True, timeout=120)


def find_postgres() -> tuple[str, Path | None]:
    """The URL of a PostgreSQL server that answers, and the data dir if we started it."""
    explicit = os.environ.get(ENV)
    if explicit:
        if not _answers(explicit):
            raise RuntimeError(f"{ENV}={explicit} does not answer")
        return explicit, None
    if _answers(DEFAULT_URL):
        return DEFAULT_URL, None
    return start_throwaway()
