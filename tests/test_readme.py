"""The README's shell blocks run as written, in order, against a fresh `make run` (the same
`python -m devtools.run`, on a free port, over a new database with the demo data).

Every ```sh block runs (new ones are picked up by themselves) unless the line before its fence
is a ``<!-- not-run: why -->`` comment. Each block runs in its own ``bash`` with ``set -eo
pipefail`` and must exit 0. A command's expected answer can be written as a comment at the end of
its last line or on the line after it, and is then checked:

    # 401 session_revoked                  the answer is the error envelope with that code
    # {"success":false,"error":{...}}      the answer is exactly this JSON

Other comments are prose. The README's ``http://127.0.0.1:3000`` becomes the test server's URL.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

pytestmark = [pytest.mark.readme, pytest.mark.integration]

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_URL = "http://127.0.0.1:3000"
FENCE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
ERROR = re.compile(r"^(\d{3}) ([a-z_]+)$")


@dataclass
class Statement:
    text: str
    expect: str | None = None


@dataclass
class Block:
    line: int
    code: str


def blocks(readme: str) -> list[Block]:
    found = []
    for match in FENCE.finditer(readme):
        before = readme[: match.start()].rstrip("\n").splitlines()
        if before and before[-1].strip().startswith("<!-- not-run"):
            continue
        found.append(Block(readme.count("\n", 0, match.start()) + 1, match.group(1)))
    return found


def _split_comment(line: str, quote: str | None) -> tuple[str, str | None, str | None]:
    """(code, comment, the quote still open at the end of the line) for one line of shell."""
    i = 0
    while i < len(line):
        char = line[i]
        if quote == "'":
            quote = None if char == "'" else quote
        elif char == "\\":
            i += 1
        elif quote == '"':
            quote = None if char == '"' else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], line[i + 1 :].strip(), None
        i += 1
    return line, None, quote


def _expectation(comment: str | None) -> str | None:
    if comment and (ERROR.match(comment) or comment.startswith("{")):
        return comment
    return None


def statements(code: str) -> list[Statement]:
    """The block's commands (continuation lines and multi-line quotes joined), with expectations."""
    found: list[Statement] = []
    current: list[str] = []
    quote: str | None = None
    for line in code.splitlines():
        text, comment, quote = _split_comment(line, quote) if quote is None else (*_in_quote(line, quote),)
        if not current and not text.strip():
            expect = _expectation(comment)
            if expect and found and found[-1].expect is None:
                found[-1].expect = expect
            continue
        current.append(text)
        if quote is None and not text.rstrip().endswith("\\"):
            found.append(Statement("\n".join(current), _expectation(comment)))
            current = []
    assert not current, f"unfinished command: {current}"
    return found


def _in_quote(line: str, quote: str) -> tuple[str, str | None, str | None]:
    """A line that starts inside a multi-line quote: find where it closes, then read on."""
    end = line.find(quote)
    if end < 0:
        return line, None, quote
    text, comment, still = _split_comment(line[end + 1 :], None)
    return line[: end + 1] + text, comment, still


def script(block: Block, base_url: str) -> tuple[str, list[Statement]]:
    parts = ["set -eo pipefail"]
    stmts = statements(block.code.replace(README_URL, base_url))
    for n, stmt in enumerate(stmts):
        if stmt.expect:
            parts += [f"printf '\\n@@begin {n}\\n'", stmt.text, f"printf '\\n@@end {n}\\n'"]
        else:
            parts.append(stmt.text)
    return "\n".join(parts) + "\n", stmts


def check(stmt: Statement, output: str) -> None:
    answer = json.loads(output.strip())
    assert stmt.expect is not None
    if error := ERROR.match(stmt.expect):
        assert answer.get("success") is False and answer["error"]["code"] == error.group(2), answer
    else:
        assert answer == json.loads(stmt.expect)


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


@pytest.fixture
def fresh_run(server_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """`make run` on a free port over a new database; yields its URL, the environment, its log."""
    name = f"bcrm_readme_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS", "TELEGRAM_", "FCM_"))}
    env.update(DATABASE_URL=make_conninfo(server_url, dbname=name), HOST="127.0.0.1", PORT=str(_free_port()))
    env["PYTHONPATH"] = str(ROOT)
    log = tmp_path / "make-run.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "devtools.run"], cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while "serving on" not in log.read_text():
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        yield f"http://127.0.0.1:{env['PORT']}", env, log
    finally:
        server.terminate()
        server.wait(timeout=30)
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_readme_blocks_run_as_written_in_order(fresh_run: tuple[str, dict[str, str], Path]) -> None:
    base_url, env, log = fresh_run
    runnable = blocks(README.read_text())
    assert len(runnable) >= 4  # the walk-through, sessions, admin tool and appeals at least
    for block in runnable:
        code, stmts = script(block, base_url)
        result = subprocess.run(
            ["bash", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        where = f"README.md block at line {block.line}"
        assert result.returncode == 0, f"{where} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        for n, stmt in enumerate(stmts):
            if stmt.expect:
                found = re.search(rf"@@begin {n}\n(.*?)\n@@end {n}\n", result.stdout, re.S)
                assert found, f"{where}: no output for\n{stmt.text}"
                try:
                    check(stmt, found.group(1))
                except (AssertionError, ValueError, KeyError) as exc:
                    raise AssertionError(
                        f"{where}:\n{stmt.text}\nexpected {stmt.expect}, got {found.group(1)}"
                    ) from exc
    assert "Traceback" not in log.read_text()


def test_statements_join_continuations_and_quotes_and_read_expectations() -> None:
    code = (
        "A=1\n"
        "curl -s -X POST $API/x \\\n"
        '  -d \'{"a": 1,\n'
        '       "b": "# not a comment"}\'\n'
        "curl -s $API/y   # 401 session_revoked\n"
        "curl -s $API/z\n"
        '# {"success":false}\n'
        "# prose, not an expectation\n"
        "echo done  # the end\n"
    )
    assert statements(code) == [
        Statement("A=1"),
        Statement('curl -s -X POST $API/x \\\n  -d \'{"a": 1,\n       "b": "# not a comment"}\''),
        Statement("curl -s $API/y   ", "401 session_revoked"),
        Statement("curl -s $API/z", '{"success":false}'),
        Statement("echo done  "),
    ]


def test_not_run_blocks_are_skipped() -> None:
    page = "x\n<!-- not-run: needs AWS -->\n```sh\nmake deploy\n```\n\n```sh\necho hi\n```\n"
    assert [b.code for b in blocks(page)] == ["echo hi\n"]
