"""Media downloads as durable jobs: getFile + download from (fake) Telegram into the media store,
ready / too_large / failed, retries with backoff, crash-and-lease; the stored file through its
signed URL (local store over the gateway's HTTP, and moto's S3)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.media import downloads as media
from shared.media import store as media_store
from tests.helpers import Api, Factory, Tenant
from tests.integration.test_incoming_kinds import file, message, send

pytestmark = pytest.mark.integration

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
BOT_TOKEN = "123456:TEST-BOT-TOKEN"


@pytest.fixture
def local_media(local_media: Path, configure: Any) -> Path:
    """The local media store (tests/conftest.py), with retries a minute apart, three at the most."""
    configure(media_backoff_base_s=60, media_backoff_max_s=60, media_max_attempts=3)
    return local_media


def shop(api: Api, factory: Factory) -> tuple[Tenant, str]:
    tenant = factory.tenant()
    factory.telegram_bot(tenant, f"plain:{BOT_TOKEN}")
    return tenant, api.login(factory.operator(tenant))


def attachment(api: Api, token: str) -> dict[str, Any]:
    [appeal] = api.get("/webhook/api/operator/appeals", token=token).body["appeals"]
    detail = api.get(f"/webhook/api/operator/appeals/{appeal['id']}", token=token).body["appeal"]
    [found] = detail["messages"][-1]["attachments"]
    return dict(found)


def due_now(factory: Factory, tenant: Tenant) -> None:
    factory.execute("UPDATE media_jobs SET next_attempt_at = now() WHERE tenant_id = %s", tenant.id)


def test_a_photo_is_fetched_stored_and_served_by_its_signed_url(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    tenant, token = shop(api, factory)
    fake_telegram.add_file("photo-1", PNG)
    send(api, tenant, message(800_001, photo=[file("photo-1", len(PNG), width=10, height=10)], caption="label"))
    assert attachment(api, token)["status"] == "pending"
    # When the worker runs (kicked after commit in AWS and under make run)
    summary = media.dispatch()
    # Then the attachment is ready, with a link that needs no session and serves the original bytes
    assert summary["ready"] == 1
    ready = attachment(api, token)
    assert (ready["status"], ready["size"]) == ("ready", len(PNG))
    response = httpx.get(ready["url"])
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["content-type"] == "image/jpeg"
    assert [c.method for c in fake_telegram.calls] == ["getFile"] and fake_telegram.downloads == ["photo-1"]


def test_a_tampered_or_expired_media_url_is_refused(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, token = shop(api, factory)
    fake_telegram.add_file("doc-2", b"%PDF-1.4 test")
    send(api, tenant, message(800_002, document=file("doc-2", 13, mime_type="application/pdf", file_name="a.pdf")))
    media.dispatch()
    url = attachment(api, token)["url"]
    assert httpx.get(url).status_code == 200
    assert httpx.get(url.replace("sig=", "sig=0")).status_code == 403
    assert httpx.get(url.replace("method=GET", "method=PUT")).status_code == 403
    assert httpx.put(url, content=b"overwrite", headers={"content-type": "application/pdf"}).status_code == 405
    # A URL signed 16 minutes ago has expired
    key = factory.one("SELECT storage_key FROM attachments WHERE tenant_id = %s", tenant.id)["storage_key"]
    past = time.time() - 960
    monkeypatch.setattr("shared.media.store.time.time", lambda: past)
    old = media_store.store().signed_get_url(key)
    monkeypatch.undo()
    assert httpx.get(old).status_code == 403


def test_too_large_per_getfile_is_not_downloaded(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    tenant, token = shop(api, factory)
    fake_telegram.add_file("big", b"x")
    fake_telegram.file_mode = "too_big"
    send(api, tenant, message(800_003, video=file("big", None)))
    assert media.dispatch()["too_large"] == 1
    assert attachment(api, token)["status"] == "too_large" and fake_telegram.downloads == []


def test_a_download_larger_than_the_limit_is_too_large(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any, configure: Any
) -> None:
    tenant, token = shop(api, factory)
    configure(media_max_bytes=100)
    fake_telegram.add_file("bigger", b"y" * 50)
    send(api, tenant, message(800_004, document={"file_id": "bigger"}))  # no file_size told
    fake_telegram.files["bigger"] = b"y" * 101  # getFile says 101 > 100
    assert media.dispatch()["too_large"] == 1
    assert attachment(api, token)["status"] == "too_large"


def test_failures_retry_with_backoff_then_fail_logged_without_token_or_url(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any, captured_logs: Any
) -> None:
    tenant, token = shop(api, factory)
    fake_telegram.add_file("flaky", PNG)
    fake_telegram.file_mode = "download_error"
    send(api, tenant, message(800_005, photo=[file("flaky", len(PNG))]))
    assert media.dispatch()["retried"] == 1
    assert attachment(api, token)["status"] == "pending"
    job = factory.one(
        "SELECT attempts, status, next_attempt_at > now() AS later FROM media_jobs WHERE tenant_id = %s", tenant.id
    )
    assert job == {"attempts": 1, "status": "pending", "later": True}
    for _ in range(2):
        due_now(factory, tenant)
        media.dispatch()
    assert attachment(api, token)["status"] == "failed"
    dead = factory.one("SELECT status, last_error FROM media_jobs WHERE tenant_id = %s", tenant.id)
    assert dead["status"] == "dead" and dead["last_error"] == "download: HTTP 502"
    logs = captured_logs()
    assert "media download failed for good" in logs
    assert BOT_TOKEN not in logs and "/file/bot" not in logs and "TEST-BOT-TOKEN" not in logs


def test_a_transient_failure_then_success_is_ready(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    tenant, token = shop(api, factory)
    fake_telegram.add_file("later", PNG)
    fake_telegram.file_mode = "getfile_error"
    send(api, tenant, message(800_006, voice=file("later", len(PNG))))
    assert media.dispatch()["retried"] == 1
    fake_telegram.file_mode = "ok"
    due_now(factory, tenant)
    assert media.dispatch()["ready"] == 1
    assert httpx.get(attachment(api, token)["url"]).content == PNG


def test_store_unavailable_retries_and_the_message_is_kept(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    tenant, token = shop(api, factory)
    local_media.parent.mkdir(parents=True, exist_ok=True)
    local_media.write_text("a file where the folder should be")  # the store cannot write
    fake_telegram.add_file("kept", PNG)
    send(api, tenant, message(800_007, photo=[file("kept", len(PNG))], caption="still here"))
    assert media.dispatch()["retried"] == 1
    assert attachment(api, token)["status"] == "pending"
    error = factory.one("SELECT last_error FROM media_jobs WHERE tenant_id = %s", tenant.id)["last_error"]
    assert error.startswith("store unavailable")
    local_media.unlink()  # the store is back
    due_now(factory, tenant)
    assert media.dispatch()["ready"] == 1
    [appeal] = api.get("/webhook/api/operator/appeals", token=token).body["appeals"]
    assert appeal["preview"] == "still here"


def test_a_worker_that_dies_mid_job_leaves_it_to_the_lease(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, token = shop(api, factory)
    fake_telegram.add_file("crash", PNG)
    send(api, tenant, message(800_008, photo=[file("crash", len(PNG))]))

    def die(*args: Any) -> None:
        raise SystemExit("worker killed")

    monkeypatch.setattr(media_store.LocalStore, "put", die)
    with pytest.raises(SystemExit):
        media.dispatch()
    monkeypatch.undo()
    # The job is leased: another worker does not take it now...
    assert media.dispatch()["claimed"] == 0
    # ...but when the lease runs out it is done again, once
    due_now(factory, tenant)
    assert media.dispatch() == {"claimed": 1, "ready": 1, "too_large": 0, "retried": 0, "failed": 0, "skipped": 0}
    assert attachment(api, token)["status"] == "ready"


def test_a_job_whose_last_attempt_never_finished_fails_the_attachment(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    tenant, token = shop(api, factory)
    send(api, tenant, message(800_009, document=file("lost", 10)))
    factory.execute("UPDATE media_jobs SET attempts = 3 WHERE tenant_id = %s", tenant.id)
    assert media.dispatch()["failed"] == 1
    assert attachment(api, token)["status"] == "failed"


# --- S3 (moto) ---------------------------------------------------------------------------------


def test_with_a_bucket_the_worker_stores_in_s3_and_the_url_is_presigned(
    api: Api, factory: Factory, fake_telegram: Any, s3: Any
) -> None:
    import requests  # moto intercepts requests (not httpx) inside mock_aws

    tenant, token = shop(api, factory)
    fake_telegram.add_file("s3-photo", PNG)
    send(api, tenant, message(800_010, photo=[file("s3-photo", len(PNG))]))
    assert media.dispatch()["ready"] == 1
    found = attachment(api, token)
    stored = s3.get_object(Bucket="bcrm-media", Key=f"{tenant.id}/{found['id']}")
    assert stored["Body"].read() == PNG and stored["ContentType"] == "image/jpeg"
    assert "X-Amz-Signature=" in found["url"] and "X-Amz-Expires=900" in found["url"]
    response = requests.get(found["url"], timeout=5)
    assert response.status_code == 200 and response.content == PNG


def test_s3_unavailable_is_retried(api: Api, factory: Factory, fake_telegram: Any, s3: Any) -> None:
    tenant, token = shop(api, factory)
    s3.delete_bucket(Bucket="bcrm-media")  # every put now fails
    fake_telegram.add_file("s3-later", PNG)
    send(api, tenant, message(800_011, photo=[file("s3-later", len(PNG))]))
    assert media.dispatch()["retried"] == 1
    assert attachment(api, token)["status"] == "pending"


def test_in_dry_run_nothing_is_fetched_and_the_attachment_says_failed(
    api: Api, factory: Factory, configure: Any, tmp_path: Path
) -> None:
    configure(telegram_dry_run="true", media_local_dir=str(tmp_path))
    tenant, token = shop(api, factory)
    send(api, tenant, message(800_012, photo=[file("dry", 10)]))
    assert media.dispatch()["failed"] == 1
    assert attachment(api, token)["status"] == "failed"


def test_the_cleanup_trims_old_finished_jobs_never_pending_ones(
    api: Api, factory: Factory, local_media: Path, fake_telegram: Any
) -> None:
    from shared import cleanup

    tenant, _ = shop(api, factory)
    fake_telegram.add_file("old", PNG)
    send(api, tenant, message(800_013, photo=[file("old", len(PNG))]))
    send(api, tenant, message(800_013, photo=[file("waiting", 10)]))
    factory.execute("UPDATE media_jobs SET created_at = now() - interval '30 days' WHERE tenant_id = %s", tenant.id)
    factory.execute(
        "UPDATE media_jobs SET next_attempt_at = now() + interval '1 hour' WHERE attachment_id = "
        "(SELECT id FROM attachments WHERE file_ref = 'waiting' AND tenant_id = %s)",
        tenant.id,
    )
    assert media.dispatch()["ready"] == 1
    assert cleanup.run()["media_jobs_trimmed"] >= 1
    left = factory.query("SELECT status FROM media_jobs WHERE tenant_id = %s", tenant.id)
    assert left == [{"status": "pending"}]


@pytest.mark.parametrize(
    "path", ["/media/../../etc/passwd", "/media/a/..%2F..%2Fetc%2Fpasswd", "/media/", "/media/a/b?method=GET"]
)
def test_the_local_media_route_refuses_paths_outside_the_store(
    local_media: Path, http_base_url: str, path: str
) -> None:
    response = httpx.get(http_base_url + path)
    assert response.status_code in (403, 404) and b"root:" not in response.content


def test_over_http_a_photo_follow_up_reaches_the_phone_and_the_file_arrives(
    http_api: Api, factory: Factory, local_media: Path, fake_telegram: Any, fake_fcm: Any
) -> None:
    # Given make run's two background workers (pushes and media), a shop with a phone, and an open appeal
    from devtools.push_worker import LocalDispatcher

    workers = [LocalDispatcher().start(), LocalDispatcher("media", media.dispatch).start()]
    try:
        tenant, _ = shop(http_api, factory)
        op = factory.operator(tenant)
        token = http_api.login(op)
        assert http_api.post("/webhook/android-register-fcm", {"fcm_token": "fcm-e2e-media"}, token=token).status == 200
        send(http_api, tenant, message(800_014, text="Hello"))
        fake_telegram.add_file("e2e-photo", PNG)
        # When the client sends a photo
        send(http_api, tenant, message(800_014, photo=[file("e2e-photo", len(PNG))], caption="the label"))
        # Then the phone hears appeal_message, and the file becomes ready without anyone asking
        assert fake_fcm.wait_until(lambda: "fcm-e2e-media" in fake_fcm.tokens("appeal_message"))
        data = fake_fcm.messages_to("fcm-e2e-media")[-1]["data"]
        assert data["type"] == "appeal_message" and data["preview"] == "the label"
        deadline = time.monotonic() + 10
        while attachment(http_api, token)["status"] == "pending" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert httpx.get(attachment(http_api, token)["url"]).content == PNG
    finally:
        for worker in workers:
            worker.stop()
