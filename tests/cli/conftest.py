"""Run drctl in-process the way the console script does: through ``main()``.

``CliRunner.invoke(cli)`` would bypass the error mapping in ``drctl.cli.main.main``
(exit codes, one-line messages, the JSON error document), which is exactly what
these tests are about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from click.testing import CliRunner


@dataclass
class Invocation:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(*args: str, input: str | None = None) -> Invocation:
    from drctl.cli.main import main

    runner = CliRunner()
    with runner.isolation(input=input) as streams:
        out, err = streams[0], streams[1]
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return Invocation(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture
def drctl() -> Callable[..., Invocation]:
    return invoke
