"""AWS FIS: experiment templates built from the plan, experiments started, followed, stopped.

Templates are found again by tags (``drctl:app``, ``drctl:experiment``), so a
plan's experiment maps to one template that drctl creates once and updates when
the plan changes, instead of piling up templates on every run.
"""

from __future__ import annotations

import uuid
from typing import Any

TERMINAL = {"completed", "stopped", "failed", "cancelled"}
APP_TAG = "drctl:app"
EXPERIMENT_TAG = "drctl:experiment"


def alarm_arn(cloudwatch: Any, name: str) -> str | None:
    """The ARN of a CloudWatch alarm (FIS stop conditions need ARNs; plans name alarms)."""
    alarms = cloudwatch.describe_alarms(AlarmNames=[name]).get("MetricAlarms", [])
    return str(alarms[0]["AlarmArn"]) if alarms else None


def role(iam: Any, name: str) -> dict[str, Any] | None:
    """The IAM role an experiment template names (FIS assumes it to act), or None."""
    try:
        return dict(iam.get_role(RoleName=name)["Role"])
    except iam.exceptions.NoSuchEntityException:
        return None


def template_body(experiment: Any, stop_condition_arns: list[str]) -> dict[str, Any]:
    """The CreateExperimentTemplate fields (less clientToken and tags) for a plan experiment."""
    targets = {}
    for name, t in experiment.targets.items():
        target: dict[str, Any] = {
            "resourceType": t.resource_type,
            "selectionMode": t.selection_mode,
        }
        if t.resource_arns:
            target["resourceArns"] = list(t.resource_arns)
        if t.resource_tags:
            target["resourceTags"] = dict(t.resource_tags)
        if t.filters:
            target["filters"] = list(t.filters)
        targets[name] = target
    actions = {}
    for name, a in experiment.actions.items():
        action: dict[str, Any] = {"actionId": a.action_id}
        if a.description:
            action["description"] = a.description
        if a.parameters:
            action["parameters"] = dict(a.parameters)
        if a.targets:
            action["targets"] = dict(a.targets)
        if a.start_after:
            action["startAfter"] = list(a.start_after)
        actions[name] = action
    stops = [{"source": "aws:cloudwatch:alarm", "value": arn} for arn in stop_condition_arns]
    return {
        "description": (experiment.description or f"drctl experiment {experiment.name}")[:512],
        "stopConditions": stops or [{"source": "none"}],
        "targets": targets,
        "actions": actions,
        "roleArn": experiment.role_arn,
    }


def find_template(fis: Any, app: str, name: str) -> dict[str, Any] | None:
    paginator = fis.get_paginator("list_experiment_templates")
    for page in paginator.paginate():
        for template in page.get("experimentTemplates", []):
            tags = template.get("tags", {})
            if tags.get(APP_TAG) == app and tags.get(EXPERIMENT_TAG) == name:
                return dict(template)
    return None


def ensure_template(fis: Any, app: str, experiment: Any, stop_arns: list[str]) -> str:
    """Create the template, or update it to match the plan; returns its id."""
    body = template_body(experiment, stop_arns)
    existing = find_template(fis, app, experiment.name)
    if existing is None:
        created = fis.create_experiment_template(
            clientToken=str(uuid.uuid4()),
            tags={APP_TAG: app, EXPERIMENT_TAG: experiment.name},
            **body,
        )
        return str(created["experimentTemplate"]["id"])
    fis.update_experiment_template(id=existing["id"], **body)
    return str(existing["id"])


def start(fis: Any, template_id: str, tags: dict[str, str]) -> dict[str, Any]:
    response = fis.start_experiment(
        clientToken=str(uuid.uuid4()), experimentTemplateId=template_id, tags=tags
    )
    return dict(response["experiment"])


def get(fis: Any, experiment_id: str) -> dict[str, Any]:
    return dict(fis.get_experiment(id=experiment_id)["experiment"])


def stop(fis: Any, experiment_id: str) -> dict[str, Any]:
    return dict(fis.stop_experiment(id=experiment_id)["experiment"])


def running_experiments(fis: Any, template_id: str) -> list[dict[str, Any]]:
    found = []
    paginator = fis.get_paginator("list_experiments")
    for page in paginator.paginate(experimentTemplateId=template_id):
        for exp in page.get("experiments", []):
            if exp.get("state", {}).get("status") not in TERMINAL:
                found.append(dict(exp))
    return found


def status_of(experiment: dict[str, Any]) -> str:
    return str(experiment.get("state", {}).get("status", "unknown"))
