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
    "interrupted": "yellow", "waiting": "magenta bold", "refused": "magenta",
}  # fmt: skip

STATUS_ICON = {
    "pass": "✔", "succeeded": "✔", "warn": "!", "skipped": "↷", "pending": "·",
    "running": "…", "fail": "✘", "failed": "✘", "error": "✘", "aborted": "■",
    "interrupted": "■", "dry-run": "?", "waiting": "⏸", "refused": "⛔",
}  # fmt: skip


# Output that is not a terminal (a CI log, a file, a pipe) is never hard-wrapped: a printed
# AWS CLI command must stay on one line to be copied and run. Tables keep their natural width.
UNWRAPPED_WIDTH = 10_000


@cache
def out() -> Console:
    return _console(stderr=False)


@cache
def err() -> Console:
    return _console(stderr=True)


def _console(*, stderr: bool) -> Console:
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console = Console(stderr=stderr, highlight=False, soft_wrap=True, width=UNWRAPPED_WIDTH)
    return console


def heading(title: str) -> None:
    """A section heading: a rule across a terminal, one plain line anywhere else."""
    console = out()
    if console.is_terminal:
        console.rule(title)
    else:
        console.print(f"== {title} ==")


def styled(status: str) -> str:
    style = STATUS_STYLE.get(status, "")
    icon = STATUS_ICON.get(status, "")
    text = f"{icon} {status}".strip()
    return f"[{style}]{text}[/]" if style else text
