"""The report answers (API.md "Reports - the owner's view")."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.core.models import Model, Success

ReportChannel = Literal["telegram", "vk", "max"]
CHANNELS: tuple[ReportChannel, ...] = ("telegram", "vk", "max")


class Period(Model):
    from_: date = Field(alias="from", description="first day, in the tenant's time zone")
    to: date = Field(description="last day (inclusive)")
    time_zone: str = Field(description="the tenant's IANA time zone")
    first_response_target_s: int


class FirstResponse(Model):
    median_s: float | None = Field(description="over the answered openings of the period; null without any")
    p90_s: float | None
    within_target_pct: float | None = Field(description="answered openings answered within the target, in %")
    business_median_s: float | None = Field(description="the same in business time (working hours only)")
    business_p90_s: float | None
    business_within_target_pct: float | None
    answered: int = Field(description="openings of the period with an answer before its end")
    unanswered: int = Field(description="openings still open at the period's end without an answer")


class Reply(Model):
    median_s: float | None = Field(description="first client message of a run to the next answer")
    p90_s: float | None
    count: int = Field(description="runs of client messages started in the period and answered")


class WaitingAppeal(Model):
    id: UUID
    client_name: str | None
    channel: str
    waiting_since: datetime
    wait_s: int


class WaitingNow(Model):
    count: int
    oldest_wait_s: int | None
    appeals: list[WaitingAppeal] = Field(description="the 20 waiting longest, longest first")


class DayCount(Model):
    date: date
    count: int


class Volume(Model):
    by_day: list[DayCount] = Field(description="openings per day of the period (tenant's zone)")
    heatmap: list[list[int]] = Field(description="openings per weekday (7 rows, Monday first) x hour (24)")
    by_channel: dict[ReportChannel, int]


class OperatorFigures(Model):
    operator_id: UUID
    name: str
    taken: int = Field(description="takes and transfers in")
    answered: int = Field(description="responses and promos sent (messages)")
    transferred_out: int
    closed: int
    rejected: int
    first_response_median_s: float | None = Field(description="over the openings they answered first")


class ReportSummary(Success):
    period: Period
    first_response: FirstResponse
    reply: Reply
    waiting_now: WaitingNow
    lost: int = Field(description="openings of the period that ended (closed or rejected) with no answer")
    volume: Volume
    operators: list[OperatorFigures]
