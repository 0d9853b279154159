"""`make run`'s start: HOST, and a taken port said in one line."""

from __future__ import annotations

import os
import socket

from devtools import run
from tests.helpers import run_module


def test_a_taken_port_is_one_line_suggesting_another() -> None:
    with socket.create_server(("127.0.0.1", 0)) as squatter:
        port = squatter.getsockname()[1]
        result = run_module("devtools.run", env={**os.environ, "PORT": str(port), "HOST": "127.0.0.1"})
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: port {port} is taken (another `make run`?): choose another with PORT={port + 1} make run"
    ]


def test_a_free_port_is_no_problem() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    assert run.port_problem("127.0.0.1", port) is None


def test_a_host_that_is_not_ours_is_one_line() -> None:
    problem = run.port_problem("198.51.100.1", 3000)  # TEST-NET-2: documentation only, not assigned here
    assert problem is not None and "check HOST and PORT" in problem


def test_all_interfaces_banner_gives_the_lan_base_url_for_a_phone() -> None:
    lan = run.lan_address()
    socket.inet_aton(lan)  # an IPv4 address
    text = run.banner(3000, host="0.0.0.0")  # noqa: S104
    assert f"BatteryCRM operator API at http://{lan}:3000" in text
    assert f"a phone on the same Wi-Fi uses the base URL http://{lan}:3000/" in text
    local = run.banner(3000)
    assert "BatteryCRM operator API at http://127.0.0.1:3000" in local and "Wi-Fi" not in local
