"""Help is read in a terminal: no reStructuredText markup from the docstrings it comes from
(``x`` or :class:`X` print as they are written, backticks and all)."""

from __future__ import annotations

from collections.abc import Iterator

import click

from drctl.cli.main import COMMANDS, cli


def _commands() -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(cli, info_name="drctl")

    def walk(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
        yield path, command
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                yield from walk(sub, f"{path} {name}")

    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        yield from walk(command, name)


def test_no_command_help_shows_docstring_markup() -> None:
    found = []
    for path, command in _commands():
        texts = [command.help or "", command.short_help or ""]
        texts += [getattr(param, "help", None) or "" for param in command.params]
        found += [f"{path}: {t[:80]!r}" for t in texts if "``" in t or ":class:`" in t]
    assert found == []
