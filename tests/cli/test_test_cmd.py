"""`drctl test`: drills in order, JSON of cli.md, JUnit XML CI reporters accept, and
each drill kept as a run so `runs list --type drill` shows the trend."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.cli.junit_schema import assert_valid_junit
from tests.conftest import DEMO_PLAN

DRILLS = """
drills:
  - name: readiness
    type: checks
"""


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.yaml"
    path.write_text(DEMO_PLAN.read_text() + DRILLS)
    return path


def test_checks_drill_passes_with_json_junit_and_a_run(
    built_now: Any, plan_file: Path, drctl: Any, tmp_path: Path, junit_schemas: Any
) -> None:
    junit = tmp_path / "report.xml"
    result = drctl("-o", "json", "test", "--plan", str(plan_file), "--junit", str(junit))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["app"] == "shop" and doc["ok"] is True
    [drill] = doc["drills"]
    assert drill["name"] == "readiness" and drill["type"] == "checks"
    assert drill["status"] == "pass" and drill["duration_seconds"] >= 0
    names = {c["name"] for c in drill["checks"]}
    assert {"orders-db.replica-lag", "assets.replication", "api.health-check"} <= names

    assert_valid_junit(junit_schemas, junit)
    root = ET.parse(junit).getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "readiness"
    assert int(suite.get("tests", "0")) == len(drill["checks"])
    assert suite.get("failures") == "0"
    # Real durations and start time: each check timed, the suite stamped when the drill began.
    times = [float(case.get("time", "0")) for case in suite.iter("testcase")]
    assert sum(times) > 0 and all(t >= 0 for t in times)
    started = datetime.strptime(suite.get("timestamp", ""), "%Y-%m-%dT%H:%M:%S")
    runs_started = json.loads(drctl("-o", "json", "runs", "show", drill["run_id"]).stdout)
    journaled = datetime.strptime(runs_started["started_at"][:19], "%Y-%m-%dT%H:%M:%S")
    assert abs((started - journaled).total_seconds()) <= 1
    # And a standard JUnit reader (junitparser) reads the same numbers back.
    from junitparser import JUnitXml

    [parsed] = list(JUnitXml.fromfile(str(junit)))
    assert parsed.name == "readiness" and parsed.tests == len(drill["checks"])
    assert round(sum(case.time for case in parsed), 3) == round(sum(times), 3)

    runs = json.loads(drctl("-o", "json", "runs", "list", "--type", "drill").stdout)["runs"]
    assert [r["run_id"] for r in runs] == [drill["run_id"]]
    assert runs[0]["drill"] == "readiness" and runs[0]["status"] == "succeeded"
    table = drctl("runs", "list", "--app", "shop", "--type", "drill")
    assert "readiness" in table.stdout and "succeeded" in table.stdout
    # A filter that leaves nothing says so, and what there is: not "no runs".
    none = drctl("runs", "list", "--type", "failover")
    assert none.exit_code == 0
    assert "no runs match --type failover in " in none.stdout
    assert "(apps: shop; types: drill)" in none.stdout


def test_failing_check_fails_the_drill_with_observed_vs_expected(
    built_now: Any, plan_file: Path, drctl: Any, tmp_path: Path, junit_schemas: Any
) -> None:
    boto3.client("s3", region_name="us-west-2").put_bucket_versioning(
        Bucket="shop-assets-usw2", VersioningConfiguration={"Status": "Suspended"}
    )
    junit = tmp_path / "report.xml"
    result = drctl("test", "--plan", str(plan_file), "--junit", str(junit))
    assert result.exit_code == 1
    assert "readiness" in result.stdout and "assets.versioning" in result.stdout
    assert_valid_junit(junit_schemas, junit)
    root = ET.parse(junit).getroot()
    failures = root.findall(".//failure")
    assert failures and any("shop-assets-usw2" in (f.get("message") or "") for f in failures)


def test_unknown_drill_and_plan_without_drills_are_bad_input(
    aws: None, plan_file: Path, drctl: Any
) -> None:
    unknown = drctl("test", "--plan", str(plan_file), "--drill", "nope")
    assert unknown.exit_code == 2 and "unknown drill 'nope'" in unknown.stderr
    none = drctl("test", "--plan", str(DEMO_PLAN))
    assert none.exit_code == 2 and "no drills" in none.stderr


def test_the_jenkins_schema_refuses_what_jenkins_would(junit_schemas: Any) -> None:
    """The validator is not a rubber stamp: a testcase without a name, a suite without its
    failure count, or a suite time that is not a Surefire time (at most three decimals) is
    invalid under junit-10.xsd."""
    jenkins = junit_schemas["jenkins"]
    good = (
        '<testsuites><testsuite name="s" tests="1" failures="0" errors="0" time="0.5">'
        '<testcase name="c" time="0.5"/></testsuite></testsuites>'
    )
    assert jenkins.is_valid(good)
    assert not jenkins.is_valid(good.replace(' name="c"', ""))
    assert not jenkins.is_valid(good.replace('time="0.5"', 'time="0.5000"'))
    assert not jenkins.is_valid(good.replace(' failures="0"', ""))


STRICT_GOOD = (
    '<testsuites><testsuite id="0" package="drctl.shop" name="s" timestamp="2026-11-30T12:00:00"'
    ' hostname="ci.example.invalid" tests="1" failures="0" errors="0" skipped="0" time="0.5">'
    '<properties/><testcase name="c" classname="drctl.shop.s" time="0.5"/>'
    "<system-out/><system-err/></testsuite></testsuites>"
)


@pytest.mark.parametrize(
    ("why", "old", "new"),
    [
        ("no hostname", ' hostname="ci.example.invalid"', ""),
        ("no id inside testsuites", ' id="0"', ""),
        ("no package inside testsuites", ' package="drctl.shop"', ""),
        ("a timestamp with a zone", 'timestamp="2026-11-30T12:00:00"',
         'timestamp="2026-11-30T12:00:00Z"'),
        ("attributes on testsuites", "<testsuites>", '<testsuites tests="1">'),
        ("no properties", "<properties/>", ""),
        ("no system-err", "<system-err/>", ""),
        ("system-out inside a testcase", 'time="0.5"/>',
         'time="0.5"><system-out>x</system-out></testcase>'),
        ("a failure without its type", 'time="0.5"/>',
         'time="0.5"><failure message="m">m</failure></testcase>'),
        ("a testcase without its time", ' time="0.5"/>', "/>"),
    ],
)  # fmt: skip
def test_the_strict_schema_refuses_what_jenkins_lets_through(
    junit_schemas: Any, why: str, old: str, new: str
) -> None:
    """The strict community schema is stricter than Jenkins's: each of these documents is
    refused by it (which is why drctl writes every one of those parts)."""
    strict = junit_schemas["strict"]
    assert strict.is_valid(STRICT_GOOD)
    assert junit_schemas["jenkins"].is_valid(STRICT_GOOD)
    broken = STRICT_GOOD.replace(old, new, 1)
    assert broken != STRICT_GOOD
    assert not strict.is_valid(broken), why
