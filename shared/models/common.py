"""The bases every API model builds on: ``Model`` (deferred build), ``Request`` (unknown keys
ignored, strings bounded), ``Success`` (``{"success": true, ...}``) and ``NonBlank`` text."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints


class Model(BaseModel):
    """The base of every API model: pydantic builds its validator and serializer on first use
    rather than at import, so a function's cold start pays only for the models its path uses."""

    model_config = ConfigDict(defer_build=True)


NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Request(Model):
    model_config = ConfigDict(extra="ignore", str_max_length=8192)


class Success(Model):
    success: Literal[True] = True
