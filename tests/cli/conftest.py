"""The ``drctl`` fixture: the CLI invoked in-process through ``main()`` (see tests.support)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.junit_schema import junit_schemas  # noqa: F401  (a fixture)
from tests.support import Invocation, invoke


@pytest.fixture
def drctl() -> Callable[..., Invocation]:
    return invoke
