"""One JSON document on stdout, nothing else (cli.md: ``--output json``)."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")
    sys.stdout.flush()


def check_document(
    app: str, results: list[tuple[Any, Any]], summary: dict[str, int]
) -> dict[str, Any]:
    """The ``check`` shape of cli.md."""
    return {
        "app": app,
        "ok": summary.get("fail", 0) == 0 and summary.get("error", 0) == 0,
        "checks": [
            {
                "resource": check.resource,
                "kind": check.kind,
                "check": check.name,
                "status": result.status.value,
                "detail": result.detail,
                "observed": result.observed,
                "threshold": result.threshold,
            }
            for check, result in results
        ],
        "summary": summary,
    }
