"""What the global options set, handed to every command (kept apart from the command tree so
commands never import ``drctl.cli.main``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click


@dataclass
class AppContext:
    """What the global options set, handed to every command."""

    profile: str | None = None
    endpoint_url: str | None = None
    output: str = "text"
    verbose: int = 0
    quiet: bool = False
    state_dir: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def json(self) -> bool:
        return self.output == "json"


pass_app = click.make_pass_decorator(AppContext, ensure=True)


pass_app = click.make_pass_decorator(AppContext, ensure=True)
