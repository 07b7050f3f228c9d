"""JSON Schema of the plan format, for editors (yaml-language-server) and for hints.

Editors point at it with a modeline::

    # yaml-language-server: $schema=./drctl-plan.schema.json
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from drctl.plan import models as m

SCHEMA_ID = "https://drctl.dev/schema/plan-v1.json"

# Section path (ints and free-form map keys as "*") -> the model that section holds.
_SECTIONS: dict[tuple[str, ...], type[BaseModel]] = {
    (): m.Plan,
    ("objectives",): m.Objectives,
    ("regions",): m.Regions,
    ("accounts",): m.Accounts,
    ("accounts", "primary"): m.AccountRole,
    ("accounts", "dr"): m.AccountRole,
    ("notifications",): m.Notifications,
    ("contacts", "*"): m.Contact,
    ("state",): m.State,
    ("experiments", "*"): m.Experiment,
    ("experiments", "*", "actions", "*"): m.ExperimentAction,
    ("experiments", "*", "targets", "*"): m.ExperimentTarget,
    ("experiments", "*", "stop_conditions", "*"): m.StopCondition,
    ("drills", "*"): m.Drill,
    ("include", "*"): m.Include,
}


def plan_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that pydantic derives from the plan models."""
    schema = m.Plan.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "drctl DR plan (format version 1)"
    # Resources of its own, or other plans included (a plan of plans): one of the two.
    schema["anyOf"] = [{"required": ["resources"]}, {"required": ["include"]}]
    return schema


def allowed_keys_at(path: tuple[str | int, ...], node: Any) -> list[str]:
    """Keys a plan may use at ``path`` (whose data is ``node``); [] when unknown."""
    model: type[BaseModel] | None
    if len(path) == 2 and path[0] == "resources":
        kind = node.get("kind") if isinstance(node, dict) else None
        model = m.RESOURCE_MODELS.get(kind) if isinstance(kind, str) else None
    else:
        key = tuple("*" if isinstance(p, int) or i in (1, 3) else p for i, p in enumerate(path))
        # Named sections (accounts.primary) first, then free-form ones (actions.<name>).
        model = _SECTIONS.get(tuple(str(p) for p in path)) or _SECTIONS.get(key)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]
