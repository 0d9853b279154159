"""The console's poll for changed appeals."""

from uuid import UUID

from shared.core.models import Success


class ChangesResponse(Success):
    appeal_ids: list[UUID]
    cursor: str
