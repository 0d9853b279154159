"""The console's files as the API serves them (functions/console): content types, caching, the
Content-Security-Policy that lets only the import map run inline, and nothing outside console/."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from devtools.gateway import Gateway
from tests.conftest import load_function
from tests.helpers import LambdaContext

ROOT = Path(__file__).resolve().parent.parent


def get(path: str, headers: dict[str, str] | None = None, method: str = "GET") -> dict[str, Any]:
    event = {"rawPath": path, "headers": headers or {}, "requestContext": {"http": {"method": method}}}
    result: dict[str, Any] = load_function("console").lambda_handler(event, LambdaContext("console"))
    return result


def test_the_console_is_routed_in_the_template() -> None:
    gateway = Gateway(ROOT / "template.yaml")
    for path in ("/console", "/console/", "/console/views/inbox.js", "/console/vendor/preact/preact.module.js"):
        matched = gateway.match("GET", path)
        assert matched is not None and matched[0].function_id == "ConsoleFunction", path


def test_index_html_with_a_csp_that_allows_exactly_the_import_map() -> None:
    answer = get("/console/")
    assert answer["statusCode"] == 200
    assert answer["headers"]["content-type"] == "text/html; charset=utf-8"
    html = answer["body"]
    import_map = re.search(r'<script type="importmap">(.*?)</script>', html, re.S)
    assert import_map is not None
    imports = json.loads(import_map.group(1))["imports"]
    assert set(imports) == {"preact", "preact/hooks", "htm"}
    for target in imports.values():  # vendored, never a CDN
        assert target.startswith("./vendor/") and (ROOT / "console" / target).is_file()
    digest = base64.b64encode(hashlib.sha256(import_map.group(1).encode()).digest()).decode()
    csp = answer["headers"]["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/console/main.js", "text/javascript; charset=utf-8"),
        ("/console/style.css", "text/css; charset=utf-8"),
        ("/console/vendor/htm/LICENSE", "text/plain; charset=utf-8"),
    ],
)
def test_files_have_their_content_type_and_revalidate_by_etag(path: str, content_type: str) -> None:
    answer = get(path)
    assert (answer["statusCode"], answer["headers"]["content-type"]) == (200, content_type)
    assert answer["headers"]["cache-control"] == "no-cache"
    assert answer["body"] == (ROOT / "console" / path.removeprefix("/console/")).read_text()
    again = get(path, {"if-none-match": answer["headers"]["etag"]})
    assert (again["statusCode"], again["body"]) == (304, "")


def test_without_the_slash_redirects_and_other_methods_are_405() -> None:
    assert get("/console")["statusCode"] == 301 and get("/console")["headers"]["location"] == "/console/"
    assert get("/console/", method="POST")["statusCode"] == 405


@pytest.mark.parametrize(
    "path",
    [
        "/console/nope.js",
        "/console/../template.yaml",
        "/console/views/../../README.md",
        "/console/.hidden",
        "/console/views",
    ],
)
def test_nothing_outside_the_console_folder_and_no_missing_file_is_served(path: str) -> None:
    assert get(path)["statusCode"] == 404


def test_every_vendored_file_keeps_its_licence() -> None:
    for package in ("preact", "htm"):
        assert (ROOT / "console" / "vendor" / package / "LICENSE").is_file()
