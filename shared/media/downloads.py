"""Media downloads as durable jobs (``media_jobs``, on the job machinery of ``shared.core.jobs``).

The webhook records a client's file as a ``pending`` attachment with one job, in the message's
transaction, and kicks this worker after commit. The worker claims due jobs with a lease, has the
file's channel fetch it (``Channel.download``: Telegram's ``getFile`` then the file; VK's and
MAX's URLs), puts it in the media store and marks the attachment ``ready``. Over the 20 MB limit
(the platform's stated size, or the bytes): ``too_large``. Any other failure (the platform, the
network, the store) is retried with backoff; after
``MEDIA_MAX_ATTEMPTS`` the attachment is ``failed`` and the job kept as dead with its reason.
A worker that dies mid-download leaves the job to be claimed again when its lease runs out.
The message itself is committed before any of this: it is never lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.channels import registry
from shared.channels.base import Account, FetchError, SendError
from shared.core import db, jobs, metrics
from shared.core import jobs_sql as queue
from shared.core.errors import ApiError
from shared.core.observability import logger
from shared.core.settings import Settings, get_settings
from shared.media import safety
from shared.media import sql as repo
from shared.media import store as media_store

TABLE = "media_jobs"


def kick() -> None:
    """Wake the media worker (after the commit that queued a download)."""
    jobs.kick("media")


def dispatch(remaining_ms: Callable[[], int] | None = None) -> dict[str, int]:
    """Run every due download, a batch at a time, until none is due (or Lambda time runs short)."""
    settings = get_settings()
    summary = {"claimed": 0, "ready": 0, "too_large": 0, "retried": 0, "failed": 0, "skipped": 0}
    abandoned = db.run(
        lambda c: queue.give_up_abandoned(c, TABLE, repo.MediaJobRow, max_attempts=settings.media_max_attempts)
    )
    for job in abandoned:
        attachment_id = job.attachment_id
        db.run(lambda c: repo.mark(c, attachment_id, "failed"))  # noqa: B023 - run at once
        metrics.media_job_failed(dead=True)
        summary["failed"] += 1
    while remaining_ms is None or remaining_ms() > settings.media_time_margin_ms:
        rows = db.run(
            lambda c: queue.claim_due(
                c,
                TABLE,
                repo.MediaJobRow,
                limit=settings.media_batch_size,
                lease_s=settings.media_lease_s,
                max_attempts=settings.media_max_attempts,
            )
        )
        if not rows:
            break
        summary["claimed"] += len(rows)
        for row in rows:
            summary[_run(row, settings)] += 1
    if any(summary.values()):
        logger.info("media jobs dispatched", extra=summary)
    return summary


def _run(job: repo.MediaJobRow, settings: Settings) -> str:
    """One download; returns the summary counter it ends in."""
    attachment = db.run(lambda c: repo.for_download(c, job.attachment_id))
    log = {"job_id": job.id, "attachment_id": str(job.attachment_id), "attempt": job.attempts}
    if attachment is None or attachment.status != "pending":  # nothing left to do for this job
        db.run(lambda c: queue.mark_sent(c, TABLE, [job.id]))
        return "skipped"
    if settings.telegram_dry_run:  # `make run` without a Bot API: there is nothing to fetch from
        _finish(job, attachment, "failed", None, "TELEGRAM_DRY_RUN: not fetched")
        logger.info("TELEGRAM_DRY_RUN: media not fetched", extra=log)
        return "failed"
    try:
        channel = registry.get(attachment.source)
        data = channel.download(_account(attachment), attachment.file_ref or "", settings.media_max_bytes)
        content_type = safety.clean_mime_type(attachment.mime_type)
        media_store.store().put(attachment.storage_key, data, content_type)
    except FetchError as exc:
        if exc.too_large:
            _finish(job, attachment, "too_large", None, exc.reason)
            logger.info("media too large", extra=log)
            return "too_large"
        return _retry_or_fail(job, attachment, exc.reason, settings, log)
    except media_store.StoreUnavailable as exc:
        return _retry_or_fail(job, attachment, f"store unavailable: {exc}", settings, log)
    except ApiError as exc:  # no token: retried (the tenant may configure one), then failed
        return _retry_or_fail(job, attachment, f"{attachment.source}: {exc.code}", settings, log)
    except SendError as exc:
        return _retry_or_fail(job, attachment, f"{attachment.source}: {exc}", settings, log)
    _finish(job, attachment, "ready", len(data), None)
    logger.info("media stored", extra={**log, "size": len(data)})
    return "ready"


def _account(attachment: repo.DownloadRow) -> Account:
    """The tenant's account on the channel the file came from (what the channel fetches it with)."""
    extra = {str(k): str(v) for k, v in (attachment.settings or {}).items()}
    channel = attachment.source
    return Account(attachment.tenant_id, attachment.slug, channel, None, attachment.token_ref, extra)  # type: ignore[arg-type]


def _finish(
    job: repo.MediaJobRow, attachment: repo.DownloadRow, status: str, size: int | None, error: str | None
) -> None:
    def work(conn: db.Connection) -> None:
        repo.mark(conn, attachment.id, status, size)
        if error is None:
            queue.mark_sent(conn, TABLE, [job.id])
        else:
            queue.mark_dead(conn, TABLE, [(job.id, error)])

    db.run(work, transaction=True)


def _retry_or_fail(
    job: repo.MediaJobRow, attachment: repo.DownloadRow, reason: str, settings: Settings, log: dict[str, Any]
) -> str:
    if job.attempts >= settings.media_max_attempts:
        _finish(job, attachment, "failed", None, reason)
        metrics.media_job_failed(dead=True)
        logger.error("media download failed for good", extra={**log, "reason": reason})
        return "failed"
    delay = jobs.backoff_s(job.attempts, settings.media_backoff_base_s, settings.media_backoff_max_s)
    db.run(lambda c: queue.mark_retry(c, TABLE, [(job.id, delay, reason)]))
    metrics.media_job_failed()
    logger.warning("media download will be retried", extra={**log, "reason": reason, "delay_s": round(delay, 1)})
    return "retried"
