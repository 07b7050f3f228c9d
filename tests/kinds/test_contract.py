"""The meta-test: every kind in the registry is complete.

Adding a kind means a folder under src/drctl/kinds/, its model in plan/models.py, a section
in docs/plan-format.md and tests/kinds/test_<kind>.py. Each test below is parametrised over
the registry and says exactly what a kind lacks, so a new kind that forgets one fails here
with a message naming it.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import botocore.session
import pytest

from drctl.aws.iam_names import iam_action
from drctl.kinds.contract import IAM_USES, Kind
from drctl.kinds.registry import kind_names, module_for, registry
from drctl.plan.models import RESOURCE_MODELS, Capability
from tests.conftest import REPO

KINDS = kind_names()
SRC = REPO / "src" / "drctl"

# S3's IAM actions are not named after its API operations.
S3_IAM = {
    "GetBucketReplication": "GetReplicationConfiguration",
    "PutBucketReplication": "PutReplicationConfiguration",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "HeadObject": "GetObject",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "CopyObject": "PutObject",
    "ListBuckets": "ListAllMyBuckets",
}
# A client variable's name in api.py -> the service it is a client of.
CLIENT_SERVICE = {
    "rds": "rds",
    "rds_dr": "rds",
    "docdb": "docdb",
    "s3": "s3",
    "s3_destination": "s3",
    "dynamodb": "dynamodb",
    "route53": "route53",
    "autoscaling": "autoscaling",
    "backup": "backup",
    "ecs": "ecs",
    "cw": "cloudwatch",
    "ga": "globalaccelerator",
    "appscaling": "application-autoscaling",
    "config": "route53-recovery-control-config",
    "cluster": "route53-recovery-cluster",
    "secretsmanager": "secretsmanager",
    "kms": "kms",
    "events": "events",
    "lambda_client": "lambda",
    "awslambda": "lambda",
    "ssm": "ssm",
    "efs": "efs",
    "elasticache": "elasticache",
}


def _kind(name: str) -> Kind:
    return registry().get(name)


def test_every_plan_kind_has_a_folder_and_every_folder_a_plan_kind() -> None:
    assert set(KINDS) == set(RESOURCE_MODELS), (
        f"plan kinds without a folder under src/drctl/kinds/: "
        f"{sorted(set(RESOURCE_MODELS) - set(KINDS))}; folders without a model in "
        f"plan/models.py: {sorted(set(KINDS) - set(RESOURCE_MODELS))}"
    )


@pytest.mark.parametrize("name", KINDS)
def test_kind_is_registered_with_its_model(name: str) -> None:
    kind = _kind(name)
    assert isinstance(kind, Kind), f"{module_for(name)}.KIND is not a Kind"
    assert kind.model is RESOURCE_MODELS.get(name), (
        f"{name}: Kind.model must be the plan model registered for '{name}' in plan/models.py"
    )


@pytest.mark.parametrize("name", KINDS)
def test_declared_capabilities_are_implemented(name: str) -> None:
    kind = _kind(name)
    declared = kind.model.capabilities
    offered = kind.offers()
    assert declared == offered, (
        f"{name}: the model declares {sorted(declared)} but the kind implements "
        f"{sorted(offered)}; declare each capability on the model and set it on the Kind"
    )


@pytest.mark.parametrize("name", KINDS)
def test_kind_has_a_sandbox_builder_and_a_moto_extension_list(name: str) -> None:
    kind = _kind(name)
    folder = SRC / "kinds" / name.replace("-", "_")
    assert "build_sandbox" in type(kind).__dict__, f"{name}: no build_sandbox"
    assert isinstance(kind.moto_extensions, tuple), f"{name}: moto_extensions must be a tuple"
    for ext in kind.moto_extensions:
        assert (folder / f"{ext}.py").is_file(), f"{name}: moto extension {ext}.py missing"
        module = importlib.import_module(f"{module_for(name)}.{ext}")
        assert callable(getattr(module, "install", None)), f"{ext}: no install()"
        assert callable(getattr(module, "uninstall", None)), f"{ext}: no uninstall()"
    on_disk = {p.stem for p in folder.glob("moto_*.py")}
    assert on_disk == set(kind.moto_extensions), (
        f"{name}: moto_*.py files {sorted(on_disk)} but moto_extensions lists "
        f"{sorted(kind.moto_extensions)}"
    )
    if name != "manual":  # a person, not a resource: nothing to build
        assert (folder / "sandbox.py").is_file(), f"{name}: no sandbox.py builder"


@pytest.mark.parametrize("name", KINDS)
def test_kind_has_a_docs_section(name: str) -> None:
    text = (REPO / "docs" / "plan-format.md").read_text()
    assert f"### `{name}`" in text, f"docs/plan-format.md has no section ### `{name}`"


@pytest.mark.parametrize("name", KINDS)
def test_kind_has_a_test_module(name: str) -> None:
    path = REPO / "tests" / "kinds" / f"test_{name.replace('-', '_')}.py"
    assert path.is_file(), f"no test module {path.relative_to(REPO)}"
    tree = ast.parse(path.read_text())
    tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    assert tests, f"{path.relative_to(REPO)} has no tests"


@pytest.mark.parametrize("name", KINDS)
def test_kind_declares_its_iam_actions(name: str) -> None:
    kind = _kind(name)
    unknown_uses = set(kind.iam_actions) - set(IAM_USES)
    assert not unknown_uses, f"{name}: iam_actions keyed by unknown uses {unknown_uses}"
    if name == "manual":
        assert kind.iam_actions == {}, "manual calls no AWS"
        return
    for use in ("check", "failover", "failback"):
        assert kind.iam_actions.get(use), f"{name}: no IAM actions declared for {use}"
    for cap, use in ((Capability.BACKUP, "backup"), (Capability.RESTORE, "restore")):
        if cap in kind.offers():
            assert kind.iam_actions.get(use), f"{name}: offers {cap} but declares no IAM for it"
    if Capability.CANARY in kind.offers():
        assert kind.iam_actions.get("canary"), f"{name}: offers a canary but no IAM for it"


def _api_calls(path: Path) -> set[tuple[str, str]]:
    """(service, Operation) of every boto3 client call in an api.py."""
    calls = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        target = node.func.value
        method = node.func.attr
        if isinstance(target, ast.Name) and target.id in CLIENT_SERVICE:
            if method == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                method = str(node.args[0].value)
            # Names shared with plain dicts held in variables of the same name (a health
            # check's ``config.get``) are not client calls.
            dict_methods = {"get", "items", "keys", "values", "setdefault", "pop", "update"}
            if re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", method) and method not in (
                {"latest_maximum"} | dict_methods
            ):
                operation = "".join(part.capitalize() for part in method.split("_"))
                calls.add((CLIENT_SERVICE[target.id], operation))
    return calls


def _iam(service: str, operation: str) -> str:
    if service == "s3":
        operation = S3_IAM.get(operation, operation)
    if service == "lambda":
        operation = {"Invoke": "InvokeFunction"}.get(operation, operation)
    fixed = {"ListObjectsV2": "ListBucket", "TestDnsAnswer": "TestDNSAnswer"}
    operation = fixed.get(operation, operation)
    operation = re.sub(r"Db(?=[A-Z])", "DB", operation)
    return f"{iam_action(service, operation).split(':')[0]}:{operation}"


@pytest.mark.parametrize("name", [n for n in KINDS if n != "manual"])
def test_every_call_in_api_py_is_an_operation_covered_by_the_iam_lists(name: str) -> None:
    api = SRC / "kinds" / name.replace("-", "_") / "api.py"
    assert api.is_file(), f"{name}: no api.py"
    calls = _api_calls(api)
    assert calls, f"{name}: found no boto3 calls in api.py"
    declared = {a for actions in _kind(name).iam_actions.values() for a in actions}
    loader = botocore.session.get_session()
    for service, operation in sorted(calls):
        model = loader.get_service_model(service)
        botocore_name = {"ListObjectsV2": "ListObjectsV2", "TestDnsAnswer": "TestDNSAnswer"}.get(
            operation, re.sub(r"Db(?=[A-Z])", "DB", operation)
        )
        names = {n.lower() for n in model.operation_names}
        assert botocore_name.lower() in names, f"{name}: {service}.{operation} is no operation"
        assert _iam(service, operation) in declared, (
            f"{name}: api.py calls {service}.{operation}, but {_iam(service, operation)} is "
            "in none of the kind's iam_actions"
        )


@pytest.mark.parametrize("name", KINDS)
def test_discovery_declares_its_iam_actions(name: str) -> None:
    """A kind that discovers (``plan init --discover``) lists what that calls, and only then."""
    kind = _kind(name)
    if kind.discover is None:
        assert "discover" not in kind.iam_actions, f"{name}: discover IAM but no discover"
    else:
        assert kind.iam_actions.get("discover"), f"{name}: discovers but declares no IAM for it"
