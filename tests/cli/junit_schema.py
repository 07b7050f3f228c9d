"""The two JUnit schemas drctl's JUnit files must satisfy, vendored under tests/schemas/junit.

* ``jenkins``: the Jenkins xunit plugin's ``junit-10.xsd``, what Jenkins checks reports with;
* ``strict``: windyroad's ``JUnit.xsd``, the strict community schema of Ant's JUnit output
  (every suite with hostname, timestamp, properties, system-out and system-err).

A file valid under both suits Jenkins and the Ant-style readers. The schemas are files in the
repository (their README says where each came from), so validation needs no network and
never skips.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas" / "junit"
FILES = {"jenkins": "jenkins-junit-10.xsd", "strict": "JUnit.xsd"}


@pytest.fixture(scope="session")
def junit_schemas() -> dict[str, object]:
    """``xmlschema.XMLSchema`` of each vendored schema, by short name (see ``FILES``)."""
    import xmlschema

    return {name: xmlschema.XMLSchema(str(SCHEMAS / file)) for name, file in FILES.items()}


# The elements and attributes of the strict JUnit schema (tests/schemas/junit/JUnit.xsd),
# which the Jenkins schema also accepts: what drctl writes and nothing else.
JUNIT_ATTRS = {
    "testsuites": set(),
    "testsuite": {"id", "package", "name", "timestamp", "hostname", "tests", "failures",
                  "errors", "skipped", "time"},
    "testcase": {"name", "classname", "time"},
    "failure": {"message", "type"},
    "error": {"message", "type"},
    "skipped": {"message"},
    "properties": set(),
    "property": {"name", "value"},
    "system-out": set(),
    "system-err": set(),
}  # fmt: skip
JUNIT_CHILDREN = {
    "testsuites": {"testsuite"},
    "testsuite": {"properties", "testcase", "system-out", "system-err"},
    "properties": {"property"},
    "testcase": {"failure", "error", "skipped"},
}


def assert_junit_shape(root: ET.Element) -> None:
    """What the schemas cannot say: the counts agree with the cases, ids count up from 0."""
    assert root.tag == "testsuites" and not root.attrib
    for element in root.iter():
        assert element.tag in JUNIT_ATTRS, element.tag
        assert set(element.attrib) <= JUNIT_ATTRS[element.tag], (element.tag, element.attrib)
        for child in element:
            assert child.tag in JUNIT_CHILDREN.get(element.tag, set()), (element.tag, child.tag)
    suites = root.findall("testsuite")
    assert [s.get("id") for s in suites] == [str(i) for i in range(len(suites))]
    for suite in suites:
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(c.find("failure") is not None for c in cases)
        assert int(suite.get("errors", "-1")) == sum(c.find("error") is not None for c in cases)
        assert int(suite.get("skipped", "-1")) == sum(c.find("skipped") is not None for c in cases)
        assert suite.get("hostname") and suite.get("package")
        for case in cases:
            assert case.get("classname") == f"{suite.get('package')}.{suite.get('name')}"


def assert_valid_junit(schemas: dict[str, Any], path: Path) -> None:
    """Valid under the Jenkins xunit schema and the strict community schema alike."""
    for name, schema in schemas.items():
        errors = [str(e.reason) for e in schema.iter_errors(str(path))]
        assert not errors, (name, errors)
    assert_junit_shape(ET.parse(path).getroot())
