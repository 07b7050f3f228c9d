"""``drctl bia`` and ``drctl plan init --from-bia``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drctl.plan.loader import load_plan
from tests.support import invoke


def test_bia_text() -> None:
    result = invoke("bia", "--revenue-per-hour", "1000000", "--criticality", "critical")
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert "RTO 15m, RPO 5m" in first and "platinum" in first and "warm-standby" in first
    assert "1,000,000 an hour: 250,000 for an outage as long as the RTO" in result.stdout


def test_bia_json() -> None:
    result = invoke(
        "bia", "--revenue-per-hour", "5000", "--criticality", "Standard",
        "--regulatory", "hipaa", "--output", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["inputs"] == {
        "revenue_per_hour": 5000.0, "criticality": "standard", "regulatory": ["hipaa"]
    }  # fmt: skip
    assert (doc["criticality"], doc["rto"], doc["rpo"]) == ("important", "4h", "1h")
    assert (doc["tier"], doc["strategy"], doc["strategy_cost"]) == (
        "silver", "backup-restore", "lowest"
    )  # fmt: skip
    assert doc["downtime_cost_at_rto"] == 20000.0
    assert [s["strategy"] for s in doc["strategies"] if s["meets"]] == [
        "backup-restore", "pilot-light", "warm-standby", "active-active"
    ]  # fmt: skip
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--revenue-per-hour", "-5", "--criticality", "critical"), "-5.0 is not in the range"),
        (("--revenue-per-hour", "lots", "--criticality", "critical"), "'lots' is not a valid"),
        (("--revenue-per-hour", "5", "--criticality", "vital"), "'vital' is not one of"),
        (("--revenue-per-hour", "5", "--criticality", "critical", "--regulatory", "gdpr"),
         "'gdpr' is not one of"),
        (("--criticality", "critical",), "Missing option '--revenue-per-hour'"),
    ],
)  # fmt: skip
def test_bia_bad_input_exits_2(args: tuple[str, ...], message: str) -> None:
    result = invoke("bia", *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


# ------------------------------------------------------------------ plan init --from-bia

INIT = ("plan", "init", "--from-bia", "--app", "shop", "--revenue-per-hour", "50000")


@pytest.mark.parametrize(
    ("revenue", "criticality", "strategy"),
    [("500", "standard", "backup-restore"), ("50000", "critical", "pilot-light"),
     ("1000000", "critical", "warm-standby")],
)  # fmt: skip
def test_init_writes_a_plan_that_validates(
    tmp_path: Path, revenue: str, criticality: str, strategy: str
) -> None:
    out = tmp_path / "shop.yaml"
    result = invoke(
        "plan", "init", "--from-bia", "--app", "shop", "--revenue-per-hour", revenue,
        "--criticality", criticality, "--primary-region", "eu-west-1", "--dr-region",
        "eu-central-1", "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    validated = invoke("plan", "validate", str(out))
    assert validated.exit_code == 0, validated.output
    assert "warnings" not in validated.stdout
    plan = load_plan(out).plan
    assert plan.app == "shop" and plan.strategy.value == strategy
    assert (plan.regions.primary, plan.regions.dr) == ("eu-west-1", "eu-central-1")
    bia = json.loads(invoke("bia", "--revenue-per-hour", revenue, "--criticality",
                            criticality, "-o", "json").stdout)  # fmt: skip
    obj = plan.effective_objectives()
    assert (obj.rto_seconds, obj.rpo_seconds) == (bia["rto_seconds"], bia["rpo_seconds"])
    assert plan.tier is not None and plan.tier.value == bia["tier"]
    assert "# guess" in out.read_text()
    # The runbook of the starter plan can be written at once.
    assert invoke("runbook", "--plan", str(out)).exit_code == 0


def test_init_prints_to_stdout_and_json() -> None:
    text = invoke(*INIT, "--criticality", "critical")
    assert text.exit_code == 0, text.output
    assert "strategy: pilot-light" in text.stdout
    doc = json.loads(invoke(*INIT, "--criticality", "critical", "--output", "json").stdout)
    assert doc["app"] == "shop" and doc["file"] is None
    assert doc["plan"] == text.stdout and doc["bia"]["strategy"] == "pilot-light"


def test_init_lists_regulatory_controls(tmp_path: Path) -> None:
    result = invoke(*INIT, "--criticality", "standard", "--regulatory", "pci")
    assert result.exit_code == 0, result.output
    assert "# Regulatory controls" in result.stdout and "PCI DSS 12.10" in result.stdout
    assert "rpo: 1h" in result.stdout  # pci raised standard data to important


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "shop.yaml"
    out.write_text("mine\n")
    refused = invoke(*INIT, "--criticality", "critical", "-o", str(out))
    assert refused.exit_code == 3
    assert "exists; not overwriting it" in refused.stderr and "--force" in refused.stderr
    assert out.read_text() == "mine\n"
    forced = invoke(*INIT, "--criticality", "critical", "-o", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert load_plan(out).plan.app == "shop"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "init"), "say where the plan starts from"),
        (("plan", "init", "--from-bia", "--app", "shop"),
         "--from-bia needs --revenue-per-hour, --criticality"),
        ((*INIT[:4], "Shop!", "--revenue-per-hour", "5", "--criticality", "critical"),
         "app name 'Shop!'"),
        ((*INIT, "--criticality", "critical", "--primary-region", "mars"),
         "primary Region 'mars'"),
        ((*INIT, "--criticality", "critical", "--dr-region", "us-east-1"),
         "both us-east-1"),
        ((*INIT, "--criticality", "vital"), "'vital' is not one of"),
    ],
)  # fmt: skip
def test_init_bad_input_exits_2(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = invoke(*args, "-o", str(tmp_path / "p.yaml"))
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "p.yaml").exists()
