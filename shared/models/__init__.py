"""Request and response models (they also feed the OpenAPI spec), one module per domain."""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """The base of every API model: pydantic builds its validator and serializer on first use
    rather than at import, so a function's cold start pays only for the models its path uses."""

    model_config = ConfigDict(defer_build=True)
