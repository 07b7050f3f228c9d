"""JUnit XML for CI test reporters (Jenkins, GitLab, GitHub): one testsuite per drill,
one testcase per check or measurement; failures say observed vs expected.

The element and attribute set is the common subset those reporters read (the
Ant/Surefire JUnit schema): testsuites > testsuite(name, tests, failures,
errors, skipped, time, timestamp) > testcase(classname, name, time) with an
optional failure / error / skipped child and system-out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from drctl.drills.result import Case, DrillResult


def _message(case: Case) -> str:
    parts = [case.detail] if case.detail else []
    if case.observed is not None or case.expected is not None:
        parts.append(f"observed {case.observed}, expected {case.expected}")
    return "; ".join(parts) or case.status


def _testcase(parent: ET.Element, app: str, drill: DrillResult, case: Case) -> None:
    element = ET.SubElement(
        parent,
        "testcase",
        classname=f"drctl.{app}.{drill.name}",
        name=case.name,
        time=f"{case.seconds:.3f}",
    )
    if case.status == "fail":
        failure = ET.SubElement(element, "failure", message=_message(case), type="fail")
        failure.text = _message(case)
    elif case.status == "error":
        error = ET.SubElement(element, "error", message=_message(case), type="error")
        error.text = _message(case)
    elif case.status == "skipped":
        ET.SubElement(element, "skipped", message=_message(case))
    elif case.detail:
        out = ET.SubElement(element, "system-out")
        out.text = ("warning: " if case.status == "warn" else "") + case.detail


def _suite(parent: ET.Element, app: str, drill: DrillResult, timestamp: str) -> None:
    cases = list(drill.cases)
    if drill.status in ("error", "skipped", "refused") and not cases:
        # A refused drill (a safety gate held) did not run: reported as skipped, saying why.
        status = "skipped" if drill.status == "refused" else drill.status
        detail = f"refused: {drill.detail}" if drill.status == "refused" else drill.detail
        cases = [Case(name=drill.name, status=status, detail=detail)]
    suite = ET.SubElement(
        parent,
        "testsuite",
        name=drill.name,
        tests=str(len(cases)),
        failures=str(sum(c.status == "fail" for c in cases)),
        errors=str(sum(c.status == "error" for c in cases)),
        skipped=str(sum(c.status == "skipped" for c in cases)),
        time=f"{drill.duration_seconds:.3f}",
        # Each drill's own start (JUnit's xs:dateTime without a zone, in UTC).
        timestamp=drill.started_at.strftime("%Y-%m-%dT%H:%M:%S") if drill.started_at else timestamp,
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (("type", drill.type), ("run_id", drill.run_id or "")):
        ET.SubElement(props, "property", name=name, value=value)
    for key, amount in sorted(drill.measured.items()):
        ET.SubElement(props, "property", name=f"measured.{key}", value=str(amount))
    for case in cases:
        _testcase(suite, app, drill, case)


def junit_xml(report: Any, timestamp: str) -> bytes:
    """``report`` is a :class:`drctl.drills.runner.TestReport`."""
    root = ET.Element("testsuites", name=f"drctl drills: {report.app}")
    for drill in report.drills:
        _suite(root, report.app, drill, timestamp)
    root.set("tests", str(sum(int(s.get("tests", "0")) for s in root)))
    root.set("failures", str(sum(int(s.get("failures", "0")) for s in root)))
    root.set("errors", str(sum(int(s.get("errors", "0")) for s in root)))
    root.set("time", f"{sum(d.duration_seconds for d in report.drills):.3f}")
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def write_junit(path: Path, report: Any, timestamp: str) -> None:
    from drctl.errors import UsageError

    try:
        path.write_bytes(junit_xml(report, timestamp))
    except OSError as exc:
        raise UsageError(f"cannot write the JUnit report {path}: {exc}") from None
