"""The bases every API model builds on: ``Model`` (deferred build), ``Request`` (unknown keys
ignored, strings bounded), ``Success`` (``{"success": true, ...}``), ``NonBlank`` text and
``Text4096`` (a note's or a quick reply's text)."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints


class Model(BaseModel):
    """The base of every API model: pydantic builds its validator and serializer on first use
    rather than at import, so a function's cold start pays only for the models its path uses."""

    model_config = ConfigDict(defer_build=True)


NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Text4096 = Annotated[str, StringConstraints(min_length=1, max_length=4096), AfterValidator(_not_blank)]


class Request(Model):
    model_config = ConfigDict(extra="ignore", str_max_length=8192)


class Success(Model):
    success: Literal[True] = True
