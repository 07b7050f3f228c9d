"""Small helpers shared by the benchmark scripts (stdlib only)."""

from __future__ import annotations

import compileall
import json
import os
import statistics
import sys
from collections.abc import Sequence
from typing import Any


def summary(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p95": p95, "min": ordered[0], "n": len(ordered)}


def report(title: str, rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        json.dump({"benchmark": title, "rows": rows}, sys.stdout, indent=2)
        print()
        return
    print(title)
    if not rows:
        return
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(_fmt(r[k])) for r in rows)) for k in keys}
    print("  " + "  ".join(k.ljust(widths[k]) for k in keys))
    for r in rows:
        print("  " + "  ".join(_fmt(r[k]).ljust(widths[k]) for k in keys))


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def as_installed() -> dict[str, str]:
    """The environment of a subprocess that runs drctl as a wheel install would: its
    modules compiled to bytecode once (pip does it at install), and Python allowed to use
    it. With ``PYTHONDONTWRITEBYTECODE`` set (some CI images and this sandbox set it) an
    editable checkout would otherwise compile drctl's modules from source on every run,
    which no installed user pays."""
    import drctl

    compileall.compile_dir(os.path.dirname(drctl.__file__), quiet=1)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env
