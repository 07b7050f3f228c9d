"""The documentation builds (mkdocs --strict) and every command has its page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from drctl.cli.main import cli
from tests.conftest import REPO


def test_mkdocs_builds_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is in the dev extra")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    """Every command and subcommand; the top-level group loads its commands lazily, so they
    are listed and fetched through click's own interface, not ``group.commands``."""
    ctx = click.Context(group)
    names = []
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        assert command is not None, f"drctl {prefix}{name} is listed but cannot be loaded"
        names.append(f"{prefix}{name}")
        if isinstance(command, click.Group):
            names.extend(_commands(command, f"{prefix}{name} "))
    return names


COMMANDS = _commands(cli)


def test_the_command_tree_is_all_there() -> None:
    assert {"plan", "check", "failover", "failback", "test", "sandbox", "demo"} <= set(COMMANDS)
    assert "plan validate" in COMMANDS and "sandbox up" in COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_page(command: str) -> None:
    page = REPO / "docs" / "commands" / f"{command.split()[0]}.md"
    assert page.is_file(), f"no docs page for drctl {command}"
    assert f"drctl {command}" in page.read_text()
