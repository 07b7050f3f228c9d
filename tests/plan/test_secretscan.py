"""Text that looks like a credential, anywhere in a plan, is a warning naming its line.

Every key below is fake: AWS's documented examples (AKIAIOSFODNN7EXAMPLE and
wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY) or made-up strings of the same shape.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drctl.plan.loader import load_plan, load_plan_text
from drctl.plan.secretscan import MAX_FINDINGS, secret_findings
from tests.cli.conftest import invoke
from tests.conftest import DEMO_PLAN, EXAMPLES

ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
TEMP_KEY_ID = "ASIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ADVICE = "plans are shared and committed; keep credentials out (drctl uses profiles and roles)"

PLAN = f"""\
version: 1
app: shop
tier: gold
strategy: warm-standby
regions: {{primary: us-east-1, dr: us-west-2}}
# rotated last week: {ACCESS_KEY_ID}
resources:
  - kind: manual
    name: a
    instructions: "export AWS_SECRET_ACCESS_KEY={SECRET_KEY}"
  - kind: manual
    name: b
    instructions: |
      -----BEGIN OPENSSH PRIVATE KEY-----
      b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ
      -----END OPENSSH PRIVATE KEY-----
  - kind: manual
    name: c
    instructions: "session {TEMP_KEY_ID} from sts"
"""


def test_each_credential_shape_is_a_warning_at_its_line_and_column() -> None:
    loaded = load_plan_text(PLAN, "p.yaml")
    assert [str(w) for w in loaded.warnings] == [
        f"p.yaml:6:22: warning: this looks like an AWS access key id (AKIA...); {ADVICE}",
        f"p.yaml:10:49: warning: this looks like a secret access key (wJal...); {ADVICE}",
        f"p.yaml:14:7: warning: this is a PEM private key block; {ADVICE}",
        f"p.yaml:19:28: warning: this looks like an AWS access key id (ASIA...); {ADVICE}",
    ]
    assert all(w.severity == "warning" for w in loaded.warnings)
    # The plan is still valid: a warning must never stop a failover.
    assert [r.name for r in loaded.plan.resources] == ["a", "b", "c"]


def test_warnings_never_repeat_the_secret() -> None:
    text = "\n".join(str(w) for w in load_plan_text(PLAN, "p.yaml").warnings)
    assert ACCESS_KEY_ID not in text and SECRET_KEY not in text and TEMP_KEY_ID not in text
    assert "EXAMPLE" not in text


@pytest.mark.parametrize(
    "line",
    [
        f"aws_secret_access_key: {SECRET_KEY}",
        f'password = "{SECRET_KEY}"',
        f"db-token:{SECRET_KEY}",
        f"  ApiKey: '{SECRET_KEY}'",
        f"    command: [aws, configure, set, aws_secret_access_key, {SECRET_KEY}]",
        f'    command: ["aws", "configure", "set", "aws_secret_access_key", "{SECRET_KEY}"]',
        f"    run: aws sts ... --secret-access-key {SECRET_KEY} --region us-east-1",
    ],
    ids=["mapping", "assignment", "colon", "quoted", "flow-list", "quoted-list", "flag"],
)
def test_secret_shaped_values_next_to_secret_shaped_keys(line: str) -> None:
    findings = secret_findings(f"x: 1\n{line}\n")
    assert len(findings) == 1
    row, col, message = findings[0]
    assert (row, col) == (2, line.index(SECRET_KEY) + 1)
    assert message.startswith("this looks like a secret access key (wJal...)")


@pytest.mark.parametrize(
    "text",
    [
        f"checksum: {SECRET_KEY}\n",  # the shape alone, under an innocent key
        f"token: {SECRET_KEY}X\n",  # 41 characters: not the shape
        f"id: X{ACCESS_KEY_ID}\n",  # part of a longer word
        f"id: {ACCESS_KEY_ID}9\n",
        "id: AKIA1234\n",  # too short
        "-----BEGIN PUBLIC KEY-----\n",
        "-----BEGIN CERTIFICATE-----\n",
    ],
    ids=["innocent-key", "41-chars", "prefixed", "suffixed", "short", "public", "cert"],
)
def test_lookalikes_are_not_reported(text: str) -> None:
    assert secret_findings(text) == []


def test_example_and_demo_plans_have_no_findings() -> None:
    for path in [DEMO_PLAN, *sorted(EXAMPLES.glob("*.yaml"))]:
        assert secret_findings(path.read_text()) == [], path


def test_a_file_of_keys_is_summarised_not_listed() -> None:
    text = "".join(f"k{i}: AKIA{i:016d}\n" for i in range(100))
    findings = secret_findings(text)
    assert len(findings) == MAX_FINDINGS + 1
    assert findings[MAX_FINDINGS] == (21, 6, "and 80 more that look like credentials")


def test_pathological_text_is_scanned_in_linear_time() -> None:
    # Bounded quantifiers: a 2 MB run of keyword-like text must not backtrack forever
    # (pytest-timeout would stop a quadratic scan long before it ended).
    assert secret_findings("secret" * 350_000 + ": " + "a" * 39) == []
    assert secret_findings("a.b-" * 500_000) == []


def test_plan_validate_prints_the_warnings_and_json_lists_them(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PLAN)
    result = invoke("plan", "validate", str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == f"{path}:6:22: warning: this looks like an AWS access key id (AKIA...); {ADVICE}"
    )
    assert (
        lines[-1] == f"{path}: valid -- app shop, 3 resources, 0 experiments, 0 drills, 4 warnings"
    )
    result = invoke("-o", "json", "plan", "validate", str(path))
    doc = json.loads(result.stdout)
    assert [(w["line"], w["col"], w["severity"]) for w in doc["warnings"]] == [
        (6, 22, "warning"),
        (10, 49, "warning"),
        (14, 7, "warning"),
        (19, 28, "warning"),
    ]
    assert load_plan(path).warnings[0].line == 6
