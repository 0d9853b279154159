"""The demo data's photo, voice message and contact are shown ready, with working links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from devtools import seed_media
from tests.helpers import Api, Factory

pytestmark = pytest.mark.integration


def test_the_demo_media_appeal_shows_a_photo_a_voice_message_and_a_contact(
    http_api: Api, factory: Factory, database_url: str, configure: Any, tmp_path: Path, http_base_url: str
) -> None:
    configure(media_local_dir=str(tmp_path / "media"), media_local_base_url=http_base_url)
    tenant = factory.tenant()
    with psycopg.connect(database_url, autocommit=True) as conn:
        seed_media.load(conn, tenant.id)
    token = http_api.login(factory.operator(tenant))
    [appeal] = http_api.get("/webhook/api/operator/appeals", token=token).body["appeals"]
    detail = http_api.get(f"/webhook/api/operator/appeals/{appeal['id']}", token=token).body["appeal"]
    photo, voice, contact = detail["messages"]
    assert (photo["kind"], voice["kind"], contact["kind"]) == ("photo", "voice", "contact")
    assert contact["contact"] == {"phone": "+79161234567", "name": "Pavel", "own": True}
    for message, mime, magic in ((photo, "image/png", b"\x89PNG"), (voice, "audio/wav", b"RIFF")):
        [attachment] = message["attachments"]
        assert attachment["status"] == "ready"
        response = httpx.get(attachment["url"])
        assert response.headers["content-type"] == mime and response.content.startswith(magic)
        assert len(response.content) == attachment["size"]
