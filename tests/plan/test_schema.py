"""The plan's JSON Schema (for editors) agrees with the loader, and the allowed-keys hints."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from drctl.plan import models as m
from drctl.plan.schema import SCHEMA_ID, allowed_keys_at, plan_json_schema
from tests.conftest import DEMO_PLAN, EXAMPLES

CONTRACT = Path("/work/shared/design/plan-v1.yaml")
PLANS = [CONTRACT, DEMO_PLAN, *sorted(EXAMPLES.glob("*.yaml"))]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = plan_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def messages(validator: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    return sorted(e.message for e in validator.iter_errors(data))


def test_schema_header() -> None:
    schema = plan_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] == "drctl DR plan (format version 1)"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == ["app", "regions", "strategy", "version"]
    # resources, unless the plan includes others
    assert schema["anyOf"] == [{"required": ["resources"]}, {"required": ["include"]}]
    json.dumps(schema)  # plain JSON all the way down


def test_resources_are_discriminated_by_kind() -> None:
    items = plan_json_schema()["properties"]["resources"]["items"]
    assert items["discriminator"]["propertyName"] == "kind"
    assert set(items["discriminator"]["mapping"]) == set(m.RESOURCE_MODELS)
    assert len(items["oneOf"]) == len(m.RESOURCE_MODELS)


def test_every_section_forbids_unknown_keys() -> None:
    defs = plan_json_schema()["$defs"]
    objects = {name: d for name, d in defs.items() if d.get("type") == "object"}
    assert "Regions" in objects and "S3Bucket" in objects
    assert {name: d.get("additionalProperties") for name, d in objects.items()} == {
        name: False for name in objects
    }


def test_durations_are_patterned_strings() -> None:
    objectives = plan_json_schema()["$defs"]["Objectives"]["properties"]
    rto = next(s for s in objectives["rto"]["anyOf"] if s.get("type") == "string")
    assert rto["pattern"] == r"^[0-9]+[smhd]$"


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_plans_validate_against_the_schema(
    path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    assert messages(validator, yaml.safe_load(path.read_text())) == []


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ((), "Additional properties are not allowed ('bogus' was unexpected)"),
        (("regions",), "Additional properties are not allowed ('bogus' was unexpected)"),
        (("drills", 0), "Additional properties are not allowed ('bogus' was unexpected)"),
    ],
)
def test_an_unknown_key_fails(
    where: tuple[Any, ...], expected: str, validator: jsonschema.Draft202012Validator
) -> None:
    data = yaml.safe_load(CONTRACT.read_text())
    node = data
    for part in where:
        node = node[part]
    node["bogus"] = 1
    assert messages(validator, data) == [expected]


def test_an_unknown_key_in_a_resource_fails(validator: jsonschema.Draft202012Validator) -> None:
    data = yaml.safe_load(CONTRACT.read_text())
    data["resources"][0]["bogus"] = 1
    assert list(validator.iter_errors(data))  # oneOf finds no kind that takes it


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("version", 2),
        ("strategy", "yolo"),
        ("tier", "diamond"),
        ("app", "Shop"),
    ],
)
def test_bad_values_fail(
    change: str, value: Any, validator: jsonschema.Draft202012Validator
) -> None:
    data = copy.deepcopy(yaml.safe_load(CONTRACT.read_text()))
    data[change] = value
    assert len(messages(validator, data)) == 1


def test_bad_duration_fails(validator: jsonschema.Draft202012Validator) -> None:
    data = yaml.safe_load(CONTRACT.read_text())
    data["objectives"]["rto"] = "1h30m"
    assert len(messages(validator, data)) == 1


# --------------------------------------------------------------------------- allowed keys


@pytest.mark.parametrize(
    ("path", "node", "expected"),
    [
        (
            (),
            {},
            [
                "version",
                "app",
                "description",
                "tier",
                "strategy",
                "objectives",
                "regions",
                "accounts",
                "notifications",
                "contacts",
                "state",
                "resources",
                "experiments",
                "drills",
                "include",
            ],
        ),
        (("objectives",), {}, ["rto", "rpo"]),
        (("regions",), {}, ["primary", "dr"]),
        (("accounts",), {}, ["primary", "dr"]),
        (("accounts", "primary"), {}, ["role_arn", "external_id"]),
        (("accounts", "dr"), {}, ["role_arn", "external_id"]),
        (("notifications",), {}, ["sns_topic_arn"]),
        (("contacts", 0), {}, ["name", "role", "phone", "email"]),
        (("state",), {}, ["backend", "bucket", "lock_table"]),
        (
            ("resources", 3),
            {"kind": "rds-instance"},
            [
                "kind",
                "name",
                "depends_on",
                "primary",
                "dr",
                "recovery",
                "dr_subnet_group",
                "dr_security_groups",
            ],
        ),
        (
            ("resources", 0),
            {"kind": "manual"},
            ["kind", "name", "depends_on", "instructions", "failback_instructions"],
        ),
        (("resources", 0), {"kind": "nope"}, []),
        (("resources", 0), {}, []),
        (("resources", 0), "not a mapping", []),
        (
            ("experiments", 2),
            {},
            [
                "name",
                "description",
                "region",
                "actions",
                "targets",
                "stop_conditions",
                "role_arn",
            ],
        ),
        (
            ("experiments", 0, "actions", "stop"),
            {},
            ["action_id", "description", "parameters", "targets", "start_after"],
        ),
        (
            ("experiments", 0, "actions", "manual"),  # an action named like a kind
            {},
            ["action_id", "description", "parameters", "targets", "start_after"],
        ),
        (
            ("experiments", 0, "targets", "web"),
            {},
            ["resource_type", "resource_tags", "resource_arns", "filters", "selection_mode"],
        ),
        (("experiments", 0, "stop_conditions", 1), {}, ["alarm"]),
        (
            ("drills", 1),
            {},
            ["name", "type", "resource", "experiment", "timeout", "allow_without_stop_condition"],
        ),
        (("nowhere",), {}, []),
        (("experiments", 0, "actions", "stop", "parameters"), {}, []),
    ],
)
def test_allowed_keys_at(path: tuple[Any, ...], node: Any, expected: list[str]) -> None:
    assert allowed_keys_at(path, node) == expected


def test_allowed_keys_cover_every_model_field() -> None:
    for kind, model in m.RESOURCE_MODELS.items():
        assert allowed_keys_at(("resources", 0), {"kind": kind}) == list(model.model_fields)
