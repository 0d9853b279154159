"""`make run` serves the API's documentation: /docs (Swagger UI, vendored: nothing from a CDN),
/openapi.json (with this gateway as its first server) and / (a redirect to /docs)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devtools.gateway import Gateway

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "devtools" / "docs_ui" / "swagger-ui-dist"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    url, stop = Gateway(ROOT / "template.yaml").start_background(host="127.0.0.1", port=0, workers=2)
    yield url
    stop()


def test_the_root_leads_to_the_docs(base_url: str) -> None:
    reply = httpx.get(base_url + "/")
    assert reply.status_code == 302
    assert reply.headers["location"] == "/docs"
    page = httpx.get(base_url + "/", follow_redirects=True)
    assert page.status_code == 200 and '<div id="swagger-ui"></div>' in page.text


def test_the_docs_page_loads_only_local_assets(base_url: str) -> None:
    page = httpx.get(base_url + "/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/docs/swagger-ui-bundle.js" in assets and "/docs/swagger-ui.css" in assets
    for asset in assets:
        assert asset.startswith("/docs/"), f"{asset}: no CDN, everything is served from here"
        reply = httpx.get(base_url + asset)
        assert reply.status_code == 200, asset
        assert len(reply.content) > 0
    init = httpx.get(base_url + "/docs/init.js").text
    assert 'url: "/openapi.json"' in init
    assert "https://" not in init


def test_the_spec_names_this_gateway_first_and_the_deployed_stack_next(base_url: str) -> None:
    reply = httpx.get(base_url + "/openapi.json")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json; charset=utf-8"
    spec = reply.json()
    checked_in = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert spec["paths"] == checked_in["paths"]
    assert spec["servers"][0]["url"] == base_url
    assert spec["servers"][1]["url"] == "https://{api_id}.execute-api.{region}.amazonaws.com"


def test_the_spec_follows_the_host_the_browser_used(base_url: str) -> None:
    port = base_url.rsplit(":", 1)[1]
    spec = httpx.get(base_url + "/openapi.json", headers={"host": f"192.168.1.20:{port}"}).json()
    assert spec["servers"][0]["url"] == f"http://192.168.1.20:{port}"


def test_only_the_listed_files_are_served(base_url: str) -> None:
    for path in ("/docs/../template.yaml", "/docs/VENDORED.md", "/docs/swagger-ui-dist/LICENSE", "/docs/x.js"):
        assert httpx.get(base_url + path).status_code == 404, path
    assert httpx.post(base_url + "/openapi.json").status_code == 404


def test_the_checked_in_spec_has_examples_for_every_request_body() -> None:
    spec = json.loads((ROOT / "docs" / "openapi.json").read_text())
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body:
                assert "example" in body["content"]["application/json"], f"{method} {path}"
            errors = operation["responses"]["default"]["content"]["application/json"]
            assert "service_unavailable" in errors["examples"], f"{method} {path}"


def test_the_vendored_swagger_ui_is_the_published_one() -> None:
    listed = dict(re.findall(r"^\| (\S+) \| ([0-9a-f]{64}) \|$", (VENDORED / "VENDORED.md").read_text(), re.M))
    present = {p.name for p in VENDORED.iterdir() if p.name != "VENDORED.md"}
    assert set(listed) == present
    for name, digest in listed.items():
        assert hashlib.sha256((VENDORED / name).read_bytes()).hexdigest() == digest, name
    assert "Apache License" in (VENDORED / "LICENSE").read_text()
