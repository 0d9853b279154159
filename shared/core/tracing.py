"""X-Ray tracing with Powertools Tracer, only where it shows something: a subsegment per database
unit of work, per Telegram Bot API call and per FCM batch (``with tracing.span("postgres"):``).

Cold start: the X-Ray SDK (~35 ms to import, more on a slow CPU) is imported on the first span of a
container, and only when tracing is on: in Lambda (``LAMBDA_TASK_ROOT``), with the stack's
``Tracing`` parameter leaving ``POWERTOOLS_TRACE_DISABLED`` unset. Locally and in tests every span
is a no-op that imports nothing. Modules are not auto-patched (that would import and wrap botocore,
requests... for ~200 ms); the spans below are the whole trace.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from shared.core.settings import get_settings

_tracer: Any = None


def enabled() -> bool:
    """The way Powertools Tracer decides: in Lambda, unless disabled, and never under ``sam local``."""
    settings = get_settings()
    return bool(settings.lambda_task_root) and not settings.powertools_trace_disabled and not settings.aws_sam_local


def _get_tracer() -> Any:
    global _tracer
    if _tracer is None:
        from aws_lambda_powertools import Tracer

        _tracer = Tracer(service="batterycrm", auto_patch=False)
    return _tracer


def span(name: str, **annotations: str | int | bool) -> AbstractContextManager[Any]:
    """A subsegment named ``name`` around the block (nothing at all when tracing is off).
    Annotations must never carry secrets: they are searchable in the X-Ray console."""
    if not enabled():
        return nullcontext()
    return _annotated(_get_tracer().provider.in_subsegment(name), annotations)


class _annotated(AbstractContextManager[Any]):
    def __init__(self, inner: AbstractContextManager[Any], annotations: dict[str, str | int | bool]) -> None:
        self._inner, self._annotations = inner, annotations

    def __enter__(self) -> Any:
        subsegment = self._inner.__enter__()
        for key, value in self._annotations.items():
            subsegment.put_annotation(key, value)
        return subsegment

    def __exit__(self, *exc: Any) -> bool | None:
        return self._inner.__exit__(*exc)
