"""The embedded PostgreSQL starts, stops and starts again with its data, and says why it cannot start."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from devtools import embedded_pg


def test_start_stop_start_keeps_the_data(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "pg", embedded_pg.free_port()
    url = embedded_pg.ensure_running(data_dir=data_dir, port=port)
    try:
        assert url == f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            assert "PostgreSQL 18" in str(conn.execute("SELECT version()").fetchone())
            conn.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
        assert embedded_pg.ensure_running(data_dir=data_dir, port=port) == url  # already running: no-op
        assert embedded_pg.is_running(data_dir) and embedded_pg.running_port(data_dir) == port

        with pytest.raises(RuntimeError, match="did not start") as failed:  # the port is taken
            embedded_pg.ensure_running(data_dir=tmp_path / "other" / "pg", port=port)
        assert "could not create any TCP/IP sockets" in str(failed.value)  # the tail of its log

        embedded_pg.stop(data_dir=data_dir)
        assert not embedded_pg.is_running(data_dir)
        embedded_pg.stop(data_dir=data_dir)  # stopping a stopped server is fine
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=2)

        assert embedded_pg.ensure_running(data_dir=data_dir, port=port) == url
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT v FROM kept").fetchone() == ("still here",)
    finally:
        embedded_pg.stop(data_dir=data_dir)


def test_a_taken_default_port_is_sidestepped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the default port held by something else (another checkout's server, say)
    import socket

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        monkeypatch.setenv("EMBEDDED_PG_PORT", str(taken))
        # When a server is started without asking for a port, it starts on another one
        data_dir = tmp_path / "pg"
        url = embedded_pg.ensure_running(data_dir=data_dir)
        try:
            assert f":{taken}/" not in url
            with psycopg.connect(url) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
        finally:
            embedded_pg.stop(data_dir=data_dir)


def test_stop_then_start_comes_back_on_the_same_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a server that had to sidestep a taken default port
    import socket

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        monkeypatch.setenv("EMBEDDED_PG_PORT", str(squatter.getsockname()[1]))
        data_dir = tmp_path / "pg"
        first = embedded_pg.ensure_running(data_dir=data_dir)
        try:
            # When it is stopped and started again (the default port still taken)
            embedded_pg.stop(data_dir=data_dir)
            again = embedded_pg.ensure_running(data_dir=data_dir)
            # Then it is back on the same port, so clients holding the URL reconnect
            assert again == first
            assert embedded_pg.remembered_port(data_dir) == embedded_pg.running_port(data_dir.resolve())
            with psycopg.connect(first) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
        finally:
            embedded_pg.stop(data_dir=data_dir)
