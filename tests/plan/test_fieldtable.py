"""docs/plan-format.md's field tables are generated from the models and say what a plan author
writes (``primary``, ``string``, ``[]``), never a Python type or repr."""

from __future__ import annotations

import re

from drctl.plan import models
from drctl.plan.fieldtable import MARKER, render, table, type_text
from drctl.plan.models import RESOURCE_MODELS
from tests.conftest import REPO

DOC = REPO / "docs" / "plan-format.md"


def test_the_document_is_current() -> None:
    text = DOC.read_text()
    assert render(text) == text, "run: python -m drctl.plan.fieldtable docs/plan-format.md"


def test_every_kind_and_every_nested_mapping_has_its_table() -> None:
    marked = set(MARKER.findall(DOC.read_text()))
    wanted = {m.__name__ for m in RESOURCE_MODELS.values()} | {
        "Plan", "Regions", "Objectives", "Accounts", "AccountRole", "Notifications", "State",
        "Experiment", "ExperimentAction", "ExperimentTarget", "StopCondition", "Drill",
    }  # fmt: skip
    assert wanted <= marked, f"no table for {sorted(wanted - marked)}"


def test_no_python_reprs_in_the_tables() -> None:
    tables = "\n".join(table(getattr(models, name)) for name in MARKER.findall(DOC.read_text()))
    for python in ("Literal", "None", "drctl.", "Optional", "str ", "dict", "True", "False"):
        assert python not in tables, f"{python!r} in a generated field table"
    assert not re.search(r"<\w+\.\w+: ", tables), "an enum's repr in a field table"
    assert re.search(r"`primary` \\| `dr`", tables)  # an enum, as written in a plan


def test_types_read_as_a_plan_author_would() -> None:
    assert type_text(models.RdsInstance.model_fields["recovery"].annotation) == (
        "`replica` \\| `snapshot`"
    )
    assert type_text(models.AutoScalingGroup.model_fields["desired"].annotation) == "integer"
    assert "duration" in type_text(models.Objectives.model_fields["rto"].annotation)
