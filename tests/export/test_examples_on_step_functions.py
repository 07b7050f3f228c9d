"""Every example plan on both engines: where the export succeeds, a Step Functions failover in
moto leaves the AWS state a CLI failover leaves (compared resource by resource), and a rerun
of the execution changes nothing; where it refuses, it names the steps only the CLI runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from drctl.engine.settings import default_settings
from drctl.errors import DrctlError
from tests.conftest import REPO
from tests.export import sfn_support
from tests.export.end_state import end_state
from tests.support import run_action

EXAMPLES = REPO / "examples"

# (example, mode) -> what the export refuses, in its own words.
REFUSED = {
    ("ecommerce-warm-standby-arc", "planned"): "api.route-to-dr has no declarative form",
    ("ecommerce-warm-standby-arc", "unplanned"): "api.route-to-dr has no declarative form",
    ("hipaa-healthcare", "planned"): "plan has no notifications.sns_topic_arn",
    ("hipaa-healthcare", "unplanned"): "plan has no notifications.sns_topic_arn",
    ("startup-backup-restore", "planned"): "app-db.restore has no declarative form",
    ("startup-backup-restore", "unplanned"): "app-db.restore has no declarative form",
    ("organisation", "planned"): "has no failover steps to export",  # export each include
    ("organisation", "unplanned"): "has no failover steps to export",
    ("payments-custom-steps", "planned"): "payment-flags.run, settlement-queue.run, "
    "tell-on-call.run have no declarative form",
    ("payments-custom-steps", "unplanned"): "payment-flags.run, settlement-queue.run, "
    "tell-on-call.run have no declarative form",
    ("serverless-warm-standby", "planned"): "api-credentials.replica-in-sync, "
    "order-files.await-sync, order-worker.set-concurrency",
    ("serverless-warm-standby", "unplanned"): "api-credentials.promote-dr, "
    "order-worker.set-concurrency",
}
RUNS = [
    ("ecommerce-warm-standby", "planned"),
    ("ecommerce-warm-standby", "unplanned"),
    ("full", "planned"),
    ("full", "unplanned"),
    ("global-active-active", "planned"),
    ("global-active-active", "unplanned"),
]


def test_every_example_and_mode_is_covered() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.yaml")}
    assert {(n, m) for n in names for m in ("planned", "unplanned")} == set(REFUSED) | set(RUNS)


@pytest.mark.parametrize(("example", "mode"), sorted(REFUSED))
def test_the_export_names_what_only_the_cli_runs(example: str, mode: str) -> None:
    with (
        sfn_support.sandbox(EXAMPLES / f"{example}.yaml") as loaded,
        pytest.raises(DrctlError) as caught,
    ):
        sfn_support.export(loaded, mode=mode)
    assert caught.value.exit_code == 2
    assert REFUSED[(example, mode)] in caught.value.message


@pytest.mark.parametrize(("example", "mode"), RUNS)
def test_both_engines_leave_the_same_aws_state(example: str, mode: str, tmp_path: Path) -> None:
    path = EXAMPLES / f"{example}.yaml"
    with sfn_support.sandbox(path) as loaded:
        before = end_state(loaded.plan)
        manual = [r.name for r in loaded.plan.resources if r.kind == "manual"]
        settings = default_settings(state_dir=tmp_path / "state")
        record = run_action(loaded, settings, "failover", mode=mode, approve=manual)
        assert record.status == "succeeded"
        by_cli = end_state(loaded.plan)
    with sfn_support.sandbox(path) as loaded:
        first = sfn_support.run_approving(loaded, mode=mode, name="run-1")
        assert first.status == "SUCCEEDED", first.error
        by_sfn = end_state(loaded.plan)
        second = sfn_support.run_approving(loaded, mode=mode, name="run-2")
        assert second.status == "SUCCEEDED", second.error
        assert end_state(loaded.plan) == by_sfn
    assert by_sfn == by_cli
    assert by_sfn != before  # the failover did something
    # The rerun found every step done (no call) except those that always act: a manual
    # step asks again, a writability probe writes again.
    always = {f"{name}." for name in manual} | {
        f"{r.name}." for r in loaded.plan.resources if r.kind == "dynamodb-table"
    }
    acted = [
        n for n in second.entered
        if ": call " in n and not any(n.startswith(p) for p in always)
    ]  # fmt: skip
    assert acted == []
