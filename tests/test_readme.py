"""The shell blocks of README.md and docs/tutorial.md run as written, in order, against a fresh
`make run` (the same `python -m devtools.run`, on a free port, over a new database with the demo
data; one per page).

Every ```sh block runs (new ones are picked up by themselves) unless the line before its fence
is a ``<!-- not-run: why -->`` comment. Each block runs in its own ``bash`` with ``set -eo
pipefail`` and must exit 0. A command's expected answer can be written as a comment at the end of
its last line or on the line after it, and is then checked:

    # 401 session_revoked                  the answer is the error envelope with that code
    # {"success":false,"error":{...}}      the answer is this JSON
    # 200, an ETag, {"success": true}      the status (the command shows it: curl -i), then, comma
                                           separated: a header it has ("a"/"an" and its name), a
                                           header's value ("Retry-After: 30"), "no body", or the JSON

In expected JSON, ``"..."`` stands for any value and ``"<words>"`` for any string. Other comments
are prose. The pages' ``http://127.0.0.1:3000`` becomes the test server's URL.
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
PAGES = {"README.md": 1, "docs/tutorial.md": 6}  # each page, and the fewest runnable blocks it has
PAGE_URL = "http://127.0.0.1:3000"
FENCE = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
ERROR = re.compile(r"^(\d{3}) ([a-z_]+)$")
STATUS = re.compile(r"^(\d{3})(?:, |$)")
HEADER = re.compile(r"^([A-Za-z][\w-]*): (.+)$")


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
    if comment and (ERROR.match(comment) or STATUS.match(comment) or comment.startswith("{")):
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
    stmts = statements(block.code.replace(PAGE_URL, base_url))
    for n, stmt in enumerate(stmts):
        if stmt.expect:
            parts += [f"printf '\\n@@begin {n}\\n'", stmt.text, f"printf '\\n@@end {n}\\n'"]
        else:
            parts.append(stmt.text)
    return "\n".join(parts) + "\n", stmts


def matches(expected: object, actual: object) -> bool:
    """``actual`` is ``expected``, where ``"..."`` stands for any value and ``"<words>"`` for any string."""
    if expected == "...":
        return True
    if isinstance(expected, str) and expected.startswith("<") and expected.endswith(">"):
        return isinstance(actual, str)
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(matches(value, actual[key]) for key, value in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return expected == actual


def response(output: str) -> tuple[int | None, dict[str, str], str]:
    """(status, headers by lower-case name, body) of a command's output: the status and headers
    when it shows them (``curl -i``), else None, {} and the whole output."""
    if not output.startswith("HTTP/"):
        return None, {}, output.strip()
    head, _, body = output.replace("\r\n", "\n").partition("\n\n")
    status_line, *lines = head.splitlines()
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body.strip()


def check(stmt: Statement, output: str) -> None:
    assert stmt.expect is not None
    status, headers, body = response(output)
    if error := ERROR.match(stmt.expect):
        answer = json.loads(body)
        assert answer.get("success") is False and answer["error"]["code"] == error.group(2), answer
        assert status in (None, int(error.group(1))), f"status {status}"
    elif found := STATUS.match(stmt.expect):
        assert status == int(found.group(1)), f"status {status} (a status needs its answer shown with curl -i)"
        check_parts(stmt.expect[found.end() :], headers, body)
    else:
        assert matches(json.loads(stmt.expect), json.loads(body)), body


def check_parts(rest: str, headers: dict[str, str], body: str) -> None:
    """The comma-separated parts after an expected status: headers, "no body", the JSON at the end."""
    json_at = rest.find("{")
    parts = [part.strip() for part in (rest[:json_at] if json_at >= 0 else rest).split(",") if part.strip()]
    for part in parts:
        article, _, name = part.partition(" ")
        if part == "no body":
            assert body == "", f"a body: {body}"
        elif article in ("a", "an") and name and " " not in name:
            assert name.lower() in headers, f"no {name} header in {sorted(headers)}"
        elif header := HEADER.match(part):
            assert headers.get(header.group(1).lower()) == header.group(2), f"{part}: {headers}"
        else:
            raise AssertionError(f"an expectation the test cannot read: {part!r}")
    if json_at >= 0:
        assert matches(json.loads(rest[json_at:]), json.loads(body)), body


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


@pytest.mark.parametrize("page", PAGES)
def test_the_shell_blocks_run_as_written_in_order(page: str, fresh_run: tuple[str, dict[str, str], Path]) -> None:
    base_url, env, log = fresh_run
    runnable = blocks((ROOT / page).read_text())
    assert len(runnable) >= PAGES[page]
    for block in runnable:
        code, stmts = script(block, base_url)
        result = subprocess.run(
            ["bash", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        where = f"{page} block at line {block.line}"
        assert result.returncode == 0, f"{where} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        for n, stmt in enumerate(stmts):
            if stmt.expect:
                found = re.search(rf"@@begin {n}\n(.*?)\n@@end {n}\n", result.stdout, re.S)
                assert found, f"{where}: no output for\n{stmt.text}"
                try:
                    check(stmt, found.group(1))
                except (AssertionError, ValueError, KeyError) as exc:
                    raise AssertionError(
                        f"{where}:\n{stmt.text}\nexpected {stmt.expect}, got {found.group(1)}\n({exc})"
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


def test_expected_statuses_headers_and_json_with_wildcards_are_compared() -> None:
    shown = 'HTTP/1.1 200 OK\r\nETag: "abc"\r\nRetry-After: 30\r\n\r\n{"success": true, "ids": ["x"], "cursor": "c1"}'
    good = [
        '200, an ETag, {"success": true, "ids": ["<an id>"], "cursor": "..."}',
        "200, Retry-After: 30",
        '{"success": true, "ids": ["x"], "cursor": "..."}',
    ]
    for expect in good:
        check(Statement("curl -si x", expect), shown)
    bad = [
        '200, an ETag, {"success": true, "ids": [], "cursor": "..."}',  # the `[]` of a reused update_id
        "304, no body",
        "200, a Location",
        "200, Retry-After: 31",
        "200, something else",
        '{"success": true}',
    ]
    for expect in bad:
        with pytest.raises(AssertionError):
            check(Statement("curl -si x", expect), shown)
    check(Statement("curl -si x", "304, no body"), 'HTTP/1.1 304 Not Modified\r\nETag: "abc"\r\n\r\n')
    with pytest.raises(AssertionError):  # a status cannot be checked when the command does not show it
        check(Statement("curl -s x", "200"), '{"success": true}')
    envelope = 'HTTP/1.1 409 Conflict\r\n\r\n{"success": false, "error": {"code": "appeal_closed", "message": "m"}}'
    check(Statement("curl -si x", "409 appeal_closed"), envelope)
    with pytest.raises(AssertionError):
        check(Statement("curl -si x", "400 appeal_closed"), envelope)


def test_not_run_blocks_are_skipped() -> None:
    page = "x\n<!-- not-run: needs AWS -->\n```sh\nmake deploy\n```\n\n```sh\necho hi\n```\n"
    assert [b.code for b in blocks(page)] == ["echo hi\n"]
