"""``drctl runbook``: the Markdown an on-call engineer follows without drctl.

Every AWS CLI command it prints, for every example plan, parses with the real AWS CLI's
argument parser and validates against the botocore model (tests/cli/awscli_parse.py); its
steps are the dry-run's steps, in the dry-run's order, offline and against the sandbox.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drctl.engine.settings import default_settings, make_context
from drctl.errors import UsageError
from drctl.kinds.registry import registry
from drctl.plan.loader import load_plan
from drctl.render import runbook as runbook_model
from drctl.render.runbook_md import markdown
from tests.cli.awscli_parse import AwsCli, AwsCliError, aws_commands
from tests.conftest import DEMO_PLAN, EXAMPLES
from tests.support import build_sandbox, invoke, single_plans

PLANS = [*single_plans(), DEMO_PLAN]  # a plan of plans: each plan it includes


def _ids(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def awscli() -> AwsCli:
    return AwsCli()


def runbook_json(*args: str) -> dict[str, Any]:
    result = invoke("runbook", *args, "--output", "json")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def command_lines(doc: dict[str, Any]) -> Iterator[str]:
    """Every command line of a runbook document: pre-checks, steps, verifications."""
    for pre in doc["prechecks"]:
        yield pre["cli"]
    for section in ("failover", "failback"):
        for step in doc[section]["steps"]:
            yield from step["cli"]
            for check in step["verify"]:
                yield check["cli"]


def markdown_commands(text: str) -> list[str]:
    """The lines of the Markdown's ``bash`` blocks."""
    found, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = line == "```bash"
        elif inside:
            found.append(line)
    return found


# ------------------------------------------------------------------ the AWS CLI checker itself


def test_the_checker_parses_real_commands_and_their_substitutions(awscli: AwsCli) -> None:
    line = (
        "aws rds switchover-global-cluster --global-cluster-identifier g "
        '--target-db-cluster-identifier "$(aws rds describe-global-clusters '
        '--global-cluster-identifier g --query "GlobalClusters[0].GlobalClusterMembers[?contains('
        "DBClusterArn, ':us-west-2:')].DBClusterArn | [0]\" --output text --region us-west-2)\" "
        "--region us-west-2"
    )
    assert [argv[:2] for argv in aws_commands(line)] == [
        ["rds", "switchover-global-cluster"],
        ["rds", "describe-global-clusters"],
    ]
    parsed = awscli.parse(line)
    assert [(p.service, p.operation) for p in parsed] == [
        ("rds", "SwitchoverGlobalCluster"),
        ("rds", "DescribeGlobalClusters"),
    ]
    assert parsed[0].params["GlobalClusterIdentifier"] == "g"
    shorthand = awscli.parse(
        "aws rds modify-db-parameter-group --db-parameter-group-name p --parameters "
        '"ParameterName=read_only,ParameterValue=1,ApplyMethod=immediate"'
    )
    assert shorthand[0].params["Parameters"] == [
        {"ParameterName": "read_only", "ParameterValue": "1", "ApplyMethod": "immediate"}
    ]
    waiter = awscli.parse("aws rds wait db-instance-available --db-instance-identifier x")
    assert waiter[0].operation == "DescribeDBInstances"
    assert awscli.parse("# a comment only: aws nothing") == []


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("aws rds describe-db-instances --db-instance-identifierr x", "Unknown options"),
        ("aws rds promote-read-replicas --db-instance-identifier x", "Invalid choice"),
        ("aws rds promote-read-replica --region us-east-1", "required"),
        ("aws autoscaling update-auto-scaling-group --auto-scaling-group-name a --min-size x",
         "invalid literal"),
        ("aws s3api get-bucket-versioning --bucket 'unclosed", "not a shell command"),
    ],
)  # fmt: skip
def test_the_checker_refuses_a_wrong_command(awscli: AwsCli, line: str, why: str) -> None:
    with pytest.raises(AwsCliError, match=why):
        awscli.parse(line)


# ------------------------------------------------------------------ every example, offline


# A JMESPath literal the AWS CLI accepts only as deprecated syntax (an unquoted string in
# backticks) is refused here, as a later CLI may.
@pytest.mark.filterwarnings("error::PendingDeprecationWarning")
@pytest.mark.parametrize("path", PLANS, ids=_ids)
@pytest.mark.parametrize("mode", ["planned", "unplanned"])
def test_every_aws_command_of_the_runbook_parses_with_the_aws_cli(
    path: Path, mode: str, awscli: AwsCli, tmp_path: Path
) -> None:
    out = tmp_path / "runbook.md"
    doc = runbook_json("--plan", str(path), "--mode", mode, "-o", str(out))
    lines = [line for line in command_lines(doc) if line]
    parsed = [p for line in lines for p in awscli.parse(line)]
    assert len(parsed) >= len(doc["failover"]["steps"])  # every step has a command
    # The Markdown shows those commands (and the notification / role ones); the drctl
    # lines of manual steps are said in prose, for whoever runs the failover with drctl.
    shown = markdown_commands(out.read_text())
    assert {line for line in lines if not line.startswith("drctl ")} - set(shown) == set()
    for line in shown:
        awscli.parse(line)


@pytest.mark.parametrize("path", PLANS, ids=_ids)
def test_runbook_steps_are_plan_shows_steps_in_order(path: Path) -> None:
    doc = runbook_json("--plan", str(path))
    shown = invoke("plan", "show", str(path), "--output", "json")
    assert shown.exit_code == 0, shown.output
    assert [s["id"] for s in doc["failover"]["steps"]] == [
        s["id"] for s in json.loads(shown.stdout)["steps"]
    ]


# ------------------------------------------------------------------ against the sandbox


@pytest.mark.parametrize("path", PLANS, ids=_ids)
def test_runbook_order_is_the_dry_run_order_in_the_sandbox(
    path: Path, aws: None, tmp_path: Path, awscli: AwsCli
) -> None:
    loaded = load_plan(path)
    build_sandbox(loaded.plan, default_settings(state_dir=tmp_path))
    state = ("--state-dir", str(tmp_path))
    dry = invoke(*state, "failover", "--plan", str(path), "--dry-run", "--output", "json")
    assert dry.exit_code == 0, dry.output
    dry_ids = [s["id"] for s in json.loads(dry.stdout)["steps"]]
    offline = runbook_json("--plan", str(path))
    resolved = runbook_json("--plan", str(path), "--resolve")
    assert [s["id"] for s in offline["failover"]["steps"]] == dry_ids
    assert [s["id"] for s in resolved["failover"]["steps"]] == dry_ids
    assert resolved["resolved"] is True and offline["resolved"] is False
    for line in command_lines(resolved):
        if line:
            awscli.parse(line)


def test_resolve_fills_in_what_only_aws_knows(built_now: Any, tmp_path: Path) -> None:
    """Offline the health check id is a placeholder; resolved, it is the sandbox's id."""
    import boto3

    offline = runbook_json("--plan", str(DEMO_PLAN))
    resolved = runbook_json("--plan", str(DEMO_PLAN), "--resolve")

    def traffic(doc: dict[str, Any]) -> str:
        step = next(s for s in doc["failover"]["steps"] if s["id"] == "api.shift-traffic")
        return " ".join(step["cli"])

    assert "<primary-health-check-id>" in traffic(offline)
    ids = [h["Id"] for h in boto3.client("route53").list_health_checks()["HealthChecks"]]
    assert any(i in traffic(resolved) for i in ids)


# ------------------------------------------------------------------ what the Markdown says


def test_markdown_has_every_part_in_order(tmp_path: Path) -> None:
    result = invoke("runbook", "--plan", str(EXAMPLES / "full.yaml"))
    assert result.exit_code == 0, result.output
    text = result.stdout
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Objectives",
        "## Contacts",
        "## 1. Pre-checks",
        "## 2. Failover (planned)",
        "## 3. Manual steps",
        "## 4. Failback",
    ]
    assert "| RTO | 15m (from objectives) |" in text
    assert "| RPO | 5m (from objectives) |" in text
    # The first group is the fence alone; the data and compute steps after it run together.
    assert "### Group 1 (fence): 1 step" in text
    assert "### Group 2 (data/compute): 5 steps, in parallel" in text
    numbers = [int(line.split()[2].rstrip(":")) for line in text.splitlines()
               if line.startswith("#### Step ")]  # fmt: skip
    failover_steps = numbers[: numbers.index(1, 1)]
    assert failover_steps == list(range(1, len(failover_steps) + 1))
    assert "Call the payments partner on-call" in text.split("## 3. Manual steps")[1]
    assert "drctl check: replica-lag" in text
    assert "Good answer:" in text


def test_contacts_come_from_the_plan(tmp_path: Path) -> None:
    plan = tmp_path / "shop.yaml"
    plan.write_text(
        DEMO_PLAN.read_text() + "contacts:\n  - name: Dana Ops\n    role: incident commander\n"
        "    phone: +1-555-0100\n    email: dana@example.com\n  - name: DBA on-call\n"
    )
    result = invoke("runbook", "--plan", str(plan))
    assert result.exit_code == 0, result.output
    contacts = result.stdout.split("## Contacts")[1].split("## 1.")[0]
    assert "- **Dana Ops** -- incident commander: +1-555-0100, dana@example.com" in contacts
    assert "- **DBA on-call**" in contacts
    doc = runbook_json("--plan", str(plan))
    assert doc["contacts"][0] == {
        "name": "Dana Ops",
        "role": "incident commander",
        "phone": "+1-555-0100",
        "email": "dana@example.com",
    }


class NoWayHome:
    """The registry, except that every failback is refused (as drctl refuses to guess a way
    home it does not know) -- and, when asked, every failover too."""

    def __init__(self, refuse: tuple[str, ...] = ("failback",)) -> None:
        self.refuse = refuse

    def checks(self, res: Any, ctx: Any) -> Any:
        return registry().checks(res, ctx)

    def steps(self, action: str, res: Any, ctx: Any) -> Any:
        if action in self.refuse:
            raise UsageError(f"{res.name}: goes home by migration", hint="do it by hand")
        return registry().steps(action, res, ctx)

    def lag_reader(self, res: Any, ctx: Any) -> Any:
        return None


def test_a_failback_drctl_does_not_lay_out_is_said_not_failed() -> None:
    loaded = load_plan(DEMO_PLAN)
    ctx = make_context(loaded.plan, default_settings(dry_run=True), offline=True)
    book = runbook_model.build(loaded.plan, "shop.yaml", ctx, NoWayHome())
    assert book.failback.steps == []
    assert book.failback.refused == "assets: goes home by migration (do it by hand)"
    assert [s.step.id for s in book.failover.steps][:1] == ["orders-db.fence"]
    failback = markdown(book).split("## 4. Failback")[1]
    assert "drctl lays out no steps for this: assets: goes home by migration" in failback
    # A failover that cannot be laid out is the error it is, not a section.
    with pytest.raises(UsageError, match="goes home by migration"):
        runbook_model.build(loaded.plan, "shop.yaml", ctx, NoWayHome(("failover", "failback")))


def test_writes_the_file_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "RUNBOOK.md"
    result = invoke("runbook", "--plan", str(DEMO_PLAN), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr
    assert out.read_text().startswith("# DR runbook: shop\n")
    again = invoke("runbook", "--plan", str(DEMO_PLAN))
    assert again.stdout == out.read_text()  # no timestamp: the same plan, the same text


def test_an_invalid_plan_is_bad_input(tmp_path: Path) -> None:
    plan = tmp_path / "bad.yaml"
    plan.write_text("version: 1\napp: shop\n")
    result = invoke("runbook", "--plan", str(plan))
    assert result.exit_code == 2
    assert "bad.yaml:" in result.stderr and "Traceback" not in result.output


def test_an_unwritable_file_is_bad_input(tmp_path: Path) -> None:
    result = invoke("runbook", "--plan", str(DEMO_PLAN), "-o", str(tmp_path / "no" / "x.md"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def test_resolve_without_credentials_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    result = invoke("runbook", "--plan", str(DEMO_PLAN), "--resolve")
    assert result.exit_code != 0
    assert "credentials" in result.stderr.lower() and "Traceback" not in result.output


def test_a_plan_of_plans_is_one_runbook_in_run_order() -> None:
    """Each included plan's runbook, in the order a run takes them, after a table of that
    order; headings one level down, shell comments in code blocks untouched."""
    path = EXAMPLES / "organisation.yaml"
    result = invoke("runbook", "--plan", str(path))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("# DR runbook: organisation (a plan of plans)")
    assert "| 1 | platform | - |" in text and "| 2 | storefront | platform |" in text
    assert text.index("## DR runbook: platform") < text.index("## DR runbook: storefront")
    prose, fenced = [], False
    for line in text.splitlines():
        fenced = not fenced if line.startswith("```") else fenced
        prose += [] if fenced else [line]
    assert [line for line in prose if line.startswith("# ")] == [
        "# DR runbook: organisation (a plan of plans)"
    ]
    assert any(line.startswith("# then put-item") for line in text.splitlines())  # in code
    # Every step each included plan's own runbook lists is here, in the same words.
    for part in ("platform", "storefront"):
        own = invoke("runbook", "--plan", str(EXAMPLES / "organisation" / f"{part}.yaml"))
        steps = [line for line in own.stdout.splitlines() if line.startswith("#### Step")]
        assert steps and all(f"#{line}" in text for line in steps)
    doc = json.loads(invoke("-o", "json", "runbook", "--plan", str(path)).stdout)
    assert [(p["order"], p["app"], p["waits_for"]) for p in doc["plans"]] == [
        (1, "platform", []),
        (2, "storefront", ["platform"]),
    ]
