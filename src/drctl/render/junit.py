"""JUnit XML for CI test reporters (Jenkins, GitLab, GitHub): one testsuite per drill,
one testcase per check or measurement; failures say observed vs expected.

The file is valid under both JUnit schemas reporters are written against: the Jenkins
xunit plugin's ``junit-10.xsd`` and the strict community schema of Ant's JUnit output
(windyroad's ``JUnit.xsd``). The strict one sets the shape:

* ``testsuites`` carries no attributes (totals are the suites' sums, which readers add up);
* each ``testsuite`` has ``id`` (0, 1, ...), ``package``, ``name``, ``timestamp`` (the
  drill's own start, UTC, no zone), ``hostname``, the counts and ``time``, then in this
  order ``properties``, its testcases, ``system-out`` and ``system-err`` (always present);
* a ``testcase`` holds at most one ``failure``, ``error`` or ``skipped`` and nothing else,
  so what a passing or warning check has to say goes to its suite's ``system-out``, one
  line per check, prefixed with the check's name.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drctl.drills.result import Case, DrillResult


def _message(case: Case) -> str:
    parts = [case.detail] if case.detail else []
    if case.observed is not None or case.expected is not None:
        parts.append(f"observed {case.observed}, expected {case.expected}")
    return "; ".join(parts) or case.status


def _stamp(moment: datetime) -> str:
    """JUnit's timestamp: an xs:dateTime in UTC without a zone or fraction (both schemas)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _hostname() -> str:
    """Where the drills ran; ``localhost`` when the host has no name (the schema's rule)."""
    return socket.gethostname().strip() or "localhost"


def _testcase(parent: ET.Element, app: str, drill: DrillResult, case: Case) -> str | None:
    """The case's element; returns its line for the suite's system-out, if it has one."""
    element = ET.SubElement(
        parent,
        "testcase",
        name=case.name,
        classname=f"drctl.{app}.{drill.name}",
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
        return f"{case.name}: " + ("warning: " if case.status == "warn" else "") + case.detail
    return None


def _suite(
    parent: ET.Element, index: int, app: str, drill: DrillResult, started: datetime, host: str
) -> None:
    cases = list(drill.cases)
    if drill.status in ("error", "skipped", "refused") and not cases:
        # A refused drill (a safety gate held) did not run: reported as skipped, saying why.
        status = "skipped" if drill.status == "refused" else drill.status
        detail = f"refused: {drill.detail}" if drill.status == "refused" else drill.detail
        cases = [Case(name=drill.name, status=status, detail=detail)]
    suite = ET.SubElement(
        parent,
        "testsuite",
        id=str(index),
        package=f"drctl.{app}",
        name=drill.name,
        timestamp=_stamp(drill.started_at or started),  # each drill's own start
        hostname=host,
        tests=str(len(cases)),
        failures=str(sum(c.status == "fail" for c in cases)),
        errors=str(sum(c.status == "error" for c in cases)),
        skipped=str(sum(c.status == "skipped" for c in cases)),
        time=f"{drill.duration_seconds:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (("type", drill.type), ("run_id", drill.run_id or "")):
        ET.SubElement(props, "property", name=name, value=value)
    for key, amount in sorted(drill.measured.items()):
        ET.SubElement(props, "property", name=f"measured.{key}", value=str(amount))
    lines = [line for case in cases if (line := _testcase(suite, app, drill, case))]
    ET.SubElement(suite, "system-out").text = "\n".join(lines)
    ET.SubElement(suite, "system-err")


def junit_xml(report: Any, started: datetime) -> bytes:
    """``report`` is a :class:`drctl.drills.runner.TestReport`; ``started`` (when
    ``drctl test`` began) stands in for a drill that has no start time of its own."""
    root = ET.Element("testsuites")
    host = _hostname()
    for index, drill in enumerate(report.drills):
        _suite(root, index, report.app, drill, started, host)
    for element in root.iter():
        if element.text:
            element.text = _xml_safe(element.text)
        for name, value in element.attrib.items():
            element.attrib[name] = _xml_safe(value)
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


# Characters XML 1.0 cannot hold at all, escaped or not: an AWS error or a command's output
# quoted in a check's message may carry them (terminal colours, NULs).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """``text`` with what XML 1.0 cannot hold written as ``\\xNN`` (readable, and the file
    still parses)."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def write_junit(path: Path, report: Any, started: datetime) -> None:
    from drctl.errors import UsageError

    try:
        path.write_bytes(junit_xml(report, started))
    except OSError as exc:
        raise UsageError(f"cannot write the JUnit report {path}: {exc}") from None
