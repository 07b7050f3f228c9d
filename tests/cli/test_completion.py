"""Shell completion: drctl's own values (plan files, run ids, drill and experiment names),
from the callbacks directly, through click's completion protocol (COMP_WORDS), and from the
installed console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.shell_completion import shell_complete

from drctl.cli import completion
from drctl.cli.main import cli
from tests.conftest import EXAMPLES

RUN_ID = "20261130T010000Z-shop-failover-abcd"
OLDER = "20261129T010000Z-shop-failback-0001"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with two plans, a non-plan, a sub-directory and a state directory."""
    (tmp_path / "shop.yaml").write_text((EXAMPLES / "full.yaml").read_text())
    (tmp_path / "startup.yml").write_text("not even a plan\n")
    (tmp_path / "notes.txt").write_text("x\n")
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "api.yaml").write_text("x\n")
    runs = tmp_path / ".drctl" / "runs"
    runs.mkdir(parents=True)
    for run in (RUN_ID, OLDER):
        (runs / f"{run}.jsonl").write_text("{}\n")
    (runs / "stray.lock").write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DRCTL_STATE_DIR", raising=False)
    return tmp_path


def values(items: list[click.shell_completion.CompletionItem]) -> list[str]:
    return [i.value for i in items]


def _ctx(**params: object) -> click.Context:
    ctx = click.Context(click.Command("x"))
    ctx.params = dict(params)
    return ctx


# ------------------------------------------------------------------ the callbacks directly


def test_plan_files_offers_yaml_and_directories(workdir: Path) -> None:
    param = click.Option(["--plan"])
    assert values(completion.plan_files(_ctx(), param, "")) == [
        "plans/",
        "shop.yaml",
        "startup.yml",
    ]
    assert values(completion.plan_files(_ctx(), param, "s")) == ["shop.yaml", "startup.yml"]
    assert values(completion.plan_files(_ctx(), param, "plans/")) == ["plans/api.yaml"]
    assert values(completion.plan_files(_ctx(), param, ".")) == [".drctl/"]  # asked for
    assert values(completion.plan_files(_ctx(), param, "nowhere/x")) == []


def test_run_ids_come_from_the_state_directory(workdir: Path, tmp_path: Path) -> None:
    param = click.Argument(["run_id"])
    assert values(completion.run_ids(_ctx(), param, "")) == [RUN_ID, OLDER]  # newest first
    assert values(completion.run_ids(_ctx(), param, "20261129")) == [OLDER]
    root = _ctx(state_dir=str(tmp_path / "elsewhere"))
    assert values(completion.run_ids(root, param, "")) == []


def test_drill_and_experiment_names_come_from_the_plan(workdir: Path) -> None:
    param = click.Argument(["name"])
    ctx = _ctx(plan_path="shop.yaml")
    assert values(completion.drill_names(ctx, param, "")) == [
        "readiness",
        "orders-restore",
        "web-chaos",
    ]
    drills = completion.drill_names(ctx, param, "o")
    assert values(drills) == ["orders-restore"] and drills[0].help == "restore drill"
    assert values(completion.experiment_names(ctx, param, "")) == ["stop-half-web"]
    # No plan yet, an invalid plan, a missing one: nothing, and no error.
    for plan in (None, "startup.yml", "missing.yaml"):
        assert completion.drill_names(_ctx(plan_path=plan), param, "") == []
        assert completion.experiment_names(_ctx(plan_path=plan), param, "") == []


# ------------------------------------------------------------------ click's protocol


def complete(
    words: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """What bash is told for the command line ``words`` (the cursor at its end)."""
    parts = words.split(" ")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(parts) - 1))
    capsys.readouterr()
    code = shell_complete(cli, {}, "drctl", "_DRCTL_COMPLETE", "bash_complete")
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    return [line.split(",", 1)[1] for line in lines]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("drctl check --plan sh", ["shop.yaml"]),
        ("drctl runbook --plan pl", ["plans/"]),
        ("drctl plan validate s", ["shop.yaml", "startup.yml"]),
        ("drctl plan show --plan shop", ["shop.yaml"]),
        ("drctl runs show 2026113", [RUN_ID]),
        ("drctl failover --plan shop.yaml --resume ", [RUN_ID, OLDER]),
        ("drctl failback --plan shop.yaml --from-run 20261129", [OLDER]),
        ("drctl test --plan shop.yaml --drill ", ["readiness", "orders-restore", "web-chaos"]),
        ("drctl chaos run --plan shop.yaml ", ["stop-half-web"]),
        ("drctl chaos stop --plan shop.yaml st", ["stop-half-web"]),
        ("drctl ru", ["runs", "runbook"]),
    ],
)
def test_completion_through_click(
    words: str,
    expected: list[str],
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert complete(words, capsys, monkeypatch) == expected


def test_the_global_state_dir_is_honoured(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    other = workdir / "other"
    (other / "runs").mkdir(parents=True)
    (other / "runs" / "20250101T000000Z-x-failover-beef.jsonl").write_text("{}\n")
    got = complete(f"drctl --state-dir {other} runs show ", capsys, monkeypatch)
    assert got == ["20250101T000000Z-x-failover-beef"]
    monkeypatch.setenv("DRCTL_STATE_DIR", str(other))
    assert complete("drctl runs show ", capsys, monkeypatch) == ["20250101T000000Z-x-failover-beef"]


def test_the_console_script_completes_and_prints_the_shell_scripts(workdir: Path) -> None:
    """The real entry point (``main()``), as a shell would call it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("_DRCTL", "COMP_"))}
    run = [sys.executable, "-m", "drctl"]
    done = subprocess.run(
        run,
        env={**env, "_DRCTL_COMPLETE": "bash_complete", "COMP_WORDS": "drctl test --plan "
             "shop.yaml --drill w", "COMP_CWORD": "5"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["plain,web-chaos"]
    markers = {
        "bash": "complete -o nosort -F _drctl_completion drctl",
        "zsh": "#compdef drctl",
        "fish": "complete --no-files --command drctl",
    }
    for shell, marker in markers.items():
        script = subprocess.run(
            run, env={**env, "_DRCTL_COMPLETE": f"{shell}_source"},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert script.returncode == 0 and marker in script.stdout, (shell, script.stdout[:200])
