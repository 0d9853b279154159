from typing import Any

import pytest

from tests.integration.iam import template_resources


@pytest.fixture(scope="session")
def resources() -> dict[str, Any]:
    """template.yaml's resources after the SAM transform (each function's role expanded)."""
    return template_resources()
