"""The benchmark scripts still run (tiny sizes, no timing asserted), and the cold-start
promise holds: `drctl --help` and `plan validate` import neither boto3, botocore nor moto."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import DEMO_PLAN, REPO

SCRIPTS = [
    "cold_start.py",
    "validate_large.py",
    "validate_vs_yaml.py",
    "hostile_plans.py",
    "failover_parallel.py",
    "check_throughput.py",
    "engines.py",
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_in_quick_mode(script: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--quick", "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '"rows"' in proc.stdout


@pytest.mark.parametrize("argv", [["--help"], ["plan", "validate", str(DEMO_PLAN)]])
def test_cold_start_imports_no_aws_sdk(argv: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "drctl", *argv],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert not {"boto3", "botocore", "moto", "rich.live"} & modules
