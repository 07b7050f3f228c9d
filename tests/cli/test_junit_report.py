"""drctl's JUnit writer on every outcome a drill can have: pass, warn, fail, error, skipped,
a refused drill and an erred drill without cases. Each report is valid under both vendored
JUnit schemas, reads back with junitparser, and keeps what each check said."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from junitparser import Error, Failure, JUnitXml, Skipped

from drctl.drills import runner
from drctl.drills.result import Case, DrillResult
from drctl.render.junit import write_junit
from tests.cli.junit_schema import FILES, SCHEMAS, assert_valid_junit

BEGAN = datetime(2026, 11, 30, 12, 0, 5, 250000, tzinfo=UTC)


def _report() -> runner.TestReport:
    readiness = DrillResult(
        "readiness", "checks", duration_seconds=1.25, run_id="run-1", started_at=BEGAN,
        cases=[
            Case("db.lag", "pass", detail="lag 2 s", seconds=0.25),
            Case("db.backup", "warn", detail="newest backup 20 h old", seconds=0.5),
            Case("assets.versioning", "fail", seconds=0.125, observed="Suspended",
                 expected="Enabled"),
            Case("api.health", "error", detail="AccessDenied", seconds=0.375),
            Case("dns.failover", "skipped", detail="no record"),
        ],
    ).settle()  # fmt: skip
    restore = DrillResult(
        "restore", "restore", duration_seconds=90.0, run_id="run-2",
        # a start in another zone: written as UTC, without the zone the strict schema forbids
        started_at=BEGAN.astimezone(timezone(timedelta(hours=2))) + timedelta(seconds=2),
        cases=[Case("orders-db.restore", "pass", seconds=89.5)],
        measured={"rto_seconds": 89.5},
    ).settle()  # fmt: skip
    refused = DrillResult("failover", "failover", "refused", detail="needs --allow-disruptive")
    erred = DrillResult("canary", "replication", "error", detail="bucket gone")
    return runner.TestReport("shop", [readiness, restore, refused, erred])


def test_every_outcome_is_valid_junit_under_both_schemas(
    tmp_path: Path, junit_schemas: Any
) -> None:
    path = tmp_path / "drills.xml"
    write_junit(path, _report(), BEGAN + timedelta(seconds=30))
    assert_valid_junit(junit_schemas, path)

    suites = {s.get("name"): s for s in ET.parse(path).getroot()}
    assert list(suites) == ["readiness", "restore", "failover", "canary"]
    readiness = suites["readiness"]
    assert readiness.get("timestamp") == "2026-11-30T12:00:05"
    assert suites["restore"].get("timestamp") == "2026-11-30T12:00:07"
    # A drill without its own start (it never began) gets the time `drctl test` began.
    assert suites["failover"].get("timestamp") == "2026-11-30T12:00:35"
    assert (readiness.get("tests"), readiness.get("failures")) == ("5", "1")
    assert (readiness.get("errors"), readiness.get("skipped")) == ("1", "1")
    # What passing and warning checks said is kept, in the suite's system-out.
    assert (readiness.findtext("system-out") or "").splitlines() == [
        "db.lag: lag 2 s",
        "db.backup: warning: newest backup 20 h old",
    ]
    props = {p.get("name"): p.get("value") for p in suites["restore"].iter("property")}
    assert props == {"type": "restore", "run_id": "run-2", "measured.rto_seconds": "89.5"}
    [refused] = suites["failover"].iter("testcase")
    skipped = refused.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "refused: needs --allow-disruptive"


def test_junitparser_reads_the_outcomes_and_durations_back(tmp_path: Path) -> None:
    path = tmp_path / "drills.xml"
    write_junit(path, _report(), BEGAN)
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(path))}
    cases = {case.name: case for case in suites["readiness"]}
    assert [cases[n].time for n in ("db.lag", "db.backup", "assets.versioning")] == [
        0.25, 0.5, 0.125,
    ]  # fmt: skip
    assert cases["db.lag"].is_passed and cases["db.backup"].is_passed
    [failure] = cases["assets.versioning"].result
    assert isinstance(failure, Failure)
    assert failure.message == "observed Suspended, expected Enabled"
    assert isinstance(cases["api.health"].result[0], Error)
    assert isinstance(cases["dns.failover"].result[0], Skipped)
    assert suites["restore"].time == 90.0 and suites["restore"].hostname
    assert suites["readiness"].timestamp == "2026-11-30T12:00:05"
    [erred] = suites["canary"]
    assert isinstance(erred.result[0], Error) and erred.result[0].message == "bucket gone"


def test_the_vendored_schemas_are_the_upstream_files() -> None:
    """tests/schemas/junit/README.md gives each file's source and SHA-256: they match."""
    readme = (SCHEMAS / "README.md").read_text()
    for file in FILES.values():
        digest = hashlib.sha256((SCHEMAS / file).read_bytes()).hexdigest()
        assert f"{digest}  {file}" in readme, file


def test_characters_xml_cannot_hold_are_escaped_and_the_file_still_parses(
    tmp_path: Path, junit_schemas: Any
) -> None:
    """An AWS error or a command's output in a check's message may carry terminal colours
    or a NUL: written as ``\\xNN``, the file stays valid and readable."""
    drill = DrillResult(
        "readiness", "checks", duration_seconds=1.0, run_id="run-1", started_at=BEGAN,
        cases=[Case("db.lag", "fail", detail="\x1b[31mlag\x00 unknown\x1b[0m", seconds=0.5)],
    ).settle()  # fmt: skip
    path = tmp_path / "drills.xml"
    write_junit(path, runner.TestReport("shop", [drill]), BEGAN)
    assert_valid_junit(junit_schemas, path)
    [failure] = ET.parse(path).getroot().iter("failure")
    assert failure.get("message") == "\\x1b[31mlag\\x00 unknown\\x1b[0m"
    assert [case.name for suite in JUnitXml.fromfile(str(path)) for case in suite] == ["db.lag"]
