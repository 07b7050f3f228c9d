"""Consoles for people: results on stdout, diagnostics and progress notes on stderr."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

STATUS_STYLE = {
    "pass": "green", "succeeded": "green", "ok": "green",
    "warn": "yellow", "skipped": "cyan", "pending": "dim", "running": "blue",
    "dry-run": "cyan",
    "fail": "red", "failed": "red", "error": "red bold", "aborted": "yellow",
    "interrupted": "yellow", "waiting": "magenta bold",
}  # fmt: skip

STATUS_ICON = {
    "pass": "✔", "succeeded": "✔", "warn": "!", "skipped": "↷", "pending": "·",
    "running": "…", "fail": "✘", "failed": "✘", "error": "✘", "aborted": "■",
    "interrupted": "■", "dry-run": "?", "waiting": "⏸",
}  # fmt: skip


@cache
def out() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


@cache
def err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def styled(status: str) -> str:
    style = STATUS_STYLE.get(status, "")
    icon = STATUS_ICON.get(status, "")
    text = f"{icon} {status}".strip()
    return f"[{style}]{text}[/]" if style else text
