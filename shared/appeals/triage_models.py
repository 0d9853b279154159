"""Models of take, reject and normalize (``shared.appeals.triage``)."""

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from shared.core.models import Model, Request, Success


class RejectRequest(Request):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


Field200 = Annotated[str, StringConstraints(max_length=200)]


class NormalizeRequest(Request):
    """Any of the fields; a field sent as null (or blank) is cleared, a field not sent is left as it is."""

    client_name: Field200 | None = None
    phone: Annotated[str, StringConstraints(max_length=64)] | None = None
    car_model: Field200 | None = None
    battery_model: Field200 | None = None
    summary: Annotated[str, StringConstraints(max_length=2000)] | None = None


class Normalized(Model):
    model_config = ConfigDict(extra="allow")

    client_name: str | None = None
    phone: str | None = Field(None, description="E.164")
    car_model: str | None = None
    battery_model: str | None = None
    summary: str | None = None


class NormalizeResponse(Success):
    normalized: Normalized
