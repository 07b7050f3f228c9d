"""The ``actionlint`` fixture: the GitHub Actions workflow linter (see tests.docs.actionlint)."""

from __future__ import annotations

from tests.docs.actionlint import actionlint  # noqa: F401  (a fixture)
