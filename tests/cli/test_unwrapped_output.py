"""Output that is not a terminal is never hard-wrapped, however narrow COLUMNS says it is.

A CI log or a file piped to ``grep`` is read by a program or pasted into a shell: a plan path,
a resource row or an AWS CLI command cut over two lines breaks both. drctl runs here as a
subprocess with its output piped and ``COLUMNS=40``, from a plan at a long path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import DEMO_PLAN
from tests.support import subprocess_env


def _drctl(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**subprocess_env(tmp_path), "COLUMNS": "40", "LINES": "10"}
    return subprocess.run(
        [sys.executable, "-m", "drctl", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def test_a_narrow_columns_does_not_wrap_piped_output(tmp_path: Path) -> None:
    deep = tmp_path / ("plans-of-the-storefront-team-" * 3) / "production-and-staging"
    deep.mkdir(parents=True)
    plan = deep / "shop-production-disaster-recovery-plan.yaml"
    plan.write_text(DEMO_PLAN.read_text())
    assert len(str(plan)) > 120

    shown = _drctl(tmp_path, "plan", "show", str(plan))
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert f"shop ({plan})" in lines  # the title, path and all, on one line
    [row] = [line for line in lines if "primary=shop-assets-use1" in line]
    assert "dr=shop-assets-usw2" in row  # a table row keeps its cells on one line

    runbook = _drctl(tmp_path, "runbook", "--plan", str(plan))
    assert runbook.returncode == 0, runbook.stderr
    command = "aws s3api get-bucket-versioning --bucket shop-assets-use1 --query Status"
    assert any(line.startswith(command) for line in runbook.stdout.splitlines())
