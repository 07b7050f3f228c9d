"""AWS Config managed rules that evaluate, the way AWS Config does, for the rules drctl deploys.

moto (5.2.5) stores config rules and nothing more: a managed rule never evaluates,
``GetComplianceDetailsByConfigRule`` and ``DescribeComplianceByConfigRule`` are not
implemented, and ``PutConfigRule`` accepts a managed rule in a Region without a
configuration recorder. ``drctl compliance status`` would have nothing to read.

What this module does, and from where:

- ``PutConfigRule`` of a managed rule (``Source.Owner`` AWS) in a Region with no
  configuration recorder fails with ``NoAvailableConfigurationRecorderException``, an error
  the API reference lists for the call ("There are no customer managed configuration
  recorders available to record your resources"; botocore ``config`` model).
- Evaluation (Config Developer Guide, "Adding AWS Config Rules"): a new or updated rule is
  "Evaluating..." until AWS Config finishes, and "AWS Config does not evaluate resources that
  are not in the resource inventory". So a rule has no results until a recorder records in
  its Region and :data:`EVALUATION_SECONDS` of AWS time (:data:`aws_time`) have passed since
  the rule was put or the recorder started, whichever is later. After that, the rule's
  verdict follows the resource's current configuration (the delay between a configuration
  change and its re-evaluation is not modelled: a change shows at the next read).
- Verdicts of the managed rules drctl deploys, per the managed-rule pages of the Config
  Developer Guide, read from moto's own RDS, DynamoDB and S3 backends:
  RDS_STORAGE_ENCRYPTED, DB_INSTANCE_BACKUP_ENABLED (``backupRetentionMinimum``),
  RDS_INSTANCE_DELETION_PROTECTION_ENABLED, RDS_MULTI_AZ_SUPPORT, RDS_CLUSTER_ENCRYPTED_AT_REST,
  RDS_CLUSTER_BACKUP_RETENTION_CHECK (``minimumBackupRetentionPeriod``, default 7),
  RDS_CLUSTER_DELETION_PROTECTION_ENABLED, RDS_CLUSTER_MULTI_AZ_ENABLED,
  DYNAMODB_PITR_ENABLED, S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED, S3_BUCKET_LOGGING_ENABLED,
  S3_BUCKET_VERSIONING_ENABLED, S3_BUCKET_REPLICATION_ENABLED. Other rules (and custom
  Lambda rules, whose functions the sandbox does not run) stay without results.
- Resources are found by the rule's ``Scope``: ``ComplianceResourceId`` is the Config
  resource id (an instance's ``DbiResourceId``, a cluster's ``DbClusterResourceId``, a
  table's or bucket's name). moto gives every DB instance the same ``DbiResourceId``; AWS
  gives each its own ("db-" and 26 characters, unchanged by a rename), so this module
  assigns one per instance when it is created.
- Response shapes (``EvaluationResult``, ``ComplianceByConfigRule``) and errors
  (``NoSuchConfigRuleException``) from the botocore ``config`` model.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from moto.core.exceptions import JsonRESTError

from drctl.kinds.sandboxing import PatchSet, aws_time

EVALUATION_SECONDS = 120.0  # "Evaluating..." this long after a rule is put (AWS time)

_patches = PatchSet()
_lock = threading.Lock()
_put_at: dict[tuple[str, str, str], datetime] = {}
_recording_since: dict[tuple[str, str], datetime] = {}

Verdict = tuple[str, str]  # (ComplianceType, annotation)


class NoAvailableConfigurationRecorder(JsonRESTError):
    code = 400

    def __init__(self) -> None:
        super().__init__(
            "NoAvailableConfigurationRecorderException",
            "There are no customer managed configuration recorders available to record your "
            "resources. Use the PutConfigurationRecorder operation to create the customer "
            "managed configuration recorder.",
        )


def dbi_resource_id(account: str, region: str, identifier: str) -> str:
    """A stable, per-instance ``db-`` id of AWS's shape (26 base32 characters)."""
    digest = hashlib.sha256(f"{account}/{region}/{identifier}".encode()).digest()
    return "db-" + base64.b32encode(digest).decode()[:26]


# ---------------------------------------------------------------- verdicts per managed rule


def _rds(account: str, region: str) -> Any:
    from moto.rds.models import rds_backends

    return rds_backends[account][region]


def _instance(account: str, region: str, resource_id: str) -> Any:
    for db in _rds(account, region).databases.values():
        if db.dbi_resource_id == resource_id:
            return db
    return None


def _cluster(account: str, region: str, resource_id: str) -> Any:
    for cluster in _rds(account, region).clusters.values():
        if cluster.db_cluster_resource_id == resource_id:
            return cluster
    return None


def _table(account: str, region: str, name: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[account][region].tables.get(name)


def _bucket(account: str, region: str, name: str) -> Any:
    from moto.s3.models import s3_backends

    bucket = s3_backends[account]["global"].buckets.get(name)
    return bucket if bucket is not None and bucket.region_name == region else None


def _flag(ok: bool, good: str, bad: str) -> Verdict:
    return ("COMPLIANT", good) if ok else ("NON_COMPLIANT", bad)


def _retention(days: int, minimum: int) -> Verdict:
    return _flag(
        days >= minimum and days > 0,
        f"backup retention {days} days",
        f"backup retention {days} days, under {minimum}",
    )


def _int(params: dict[str, Any], name: str, default: int) -> int:
    try:
        return int(params.get(name, default))
    except (TypeError, ValueError):
        return default


Evaluator = tuple[Callable[[str, str, str], Any], Callable[[Any, dict[str, Any]], Verdict]]


def _database(
    find: Callable[[str, str, str], Any],
    *,
    encrypted: str,
    backup: str,
    backup_parameter: tuple[str, int],
    deletion_protection: str,
    multi_az: str,
) -> dict[str, Evaluator]:
    """The four rules of an RDS instance or an Aurora cluster: moto's records of both carry
    the same attributes, so only the finder, the rule names and the backup rule's parameter
    (its name and default) differ."""
    param, default = backup_parameter
    return {
        encrypted: (
            find,
            lambda d, p: _flag(bool(d.storage_encrypted), "storage encrypted", "not encrypted"),
        ),
        backup: (
            find,
            lambda d, p: _retention(int(d.backup_retention_period or 0), _int(p, param, default)),
        ),
        deletion_protection: (
            find,
            lambda d, p: _flag(bool(d.deletion_protection), "protected", "deletion protection off"),
        ),
        multi_az: (find, lambda d, p: _flag(bool(d.multi_az), "Multi-AZ", "Single-AZ")),
    }


EVALUATORS: dict[str, Evaluator] = {
    **_database(
        _instance,
        encrypted="RDS_STORAGE_ENCRYPTED",
        backup="DB_INSTANCE_BACKUP_ENABLED",
        backup_parameter=("backupRetentionMinimum", 1),
        deletion_protection="RDS_INSTANCE_DELETION_PROTECTION_ENABLED",
        multi_az="RDS_MULTI_AZ_SUPPORT",
    ),
    **_database(
        _cluster,
        encrypted="RDS_CLUSTER_ENCRYPTED_AT_REST",
        backup="RDS_CLUSTER_BACKUP_RETENTION_CHECK",
        backup_parameter=("minimumBackupRetentionPeriod", 7),
        deletion_protection="RDS_CLUSTER_DELETION_PROTECTION_ENABLED",
        multi_az="RDS_CLUSTER_MULTI_AZ_ENABLED",
    ),
    "DYNAMODB_PITR_ENABLED": (
        _table,
        lambda t, p: _flag(
            t.continuous_backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
            == "ENABLED",
            "point-in-time recovery on",
            "point-in-time recovery off",
        ),
    ),
    "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED": (
        _bucket,
        lambda b, p: _flag(bool(b.encryption), "default encryption on", "no default encryption"),
    ),
    "S3_BUCKET_LOGGING_ENABLED": (
        _bucket,
        lambda b, p: _flag(bool(b.logging), "server access logging on", "logging off"),
    ),
    "S3_BUCKET_VERSIONING_ENABLED": (
        _bucket,
        lambda b, p: _flag(b.versioning_status == "Enabled", "versioning on", "versioning off"),
    ),
    "S3_BUCKET_REPLICATION_ENABLED": (
        _bucket,
        lambda b, p: _flag(
            bool(getattr(b, "replication", None)), "replication on", "no replication"
        ),
    ),
}


# ----------------------------------------------------------------------------- evaluation


def _recording(backend: Any) -> bool:
    return any(r.status.recording for r in backend.recorders.values())


def evaluate(backend: Any, rule: Any) -> list[dict[str, Any]]:
    """The ``EvaluationResult`` list of one rule as of now on the AWS clock."""
    account, region = backend.account_id, backend.region_name
    source = rule.source
    evaluator = EVALUATORS.get(source.source_identifier or "")
    scope = rule.scope
    if source.owner != "AWS" or evaluator is None or scope is None or not _recording(backend):
        return []
    resource_id = getattr(scope, "compliance_resource_id", None)
    types = getattr(scope, "compliance_resource_types", None) or []
    if not resource_id or len(types) != 1:
        return []  # drctl scopes each rule to one resource; wider scopes are not modelled
    now = aws_time.now()
    with _lock:
        put_at = _put_at.get((account, region, rule.config_rule_name), now)
        since = _recording_since.get((account, region), put_at)
    started = max(put_at, since)
    if now < started + timedelta(seconds=EVALUATION_SECONDS):
        return []
    find, judge = evaluator
    resource = find(account, region, resource_id)
    if resource is None:
        return []  # not in the inventory: Config does not evaluate it
    compliance, annotation = judge(resource, dict(rule.input_parameters_dict or {}))
    recorded = started + timedelta(seconds=EVALUATION_SECONDS)
    return [
        {
            "EvaluationResultIdentifier": {
                "EvaluationResultQualifier": {
                    "ConfigRuleName": rule.config_rule_name,
                    "ResourceType": types[0],
                    "ResourceId": resource_id,
                    "EvaluationMode": "DETECTIVE",
                },
                "OrderingTimestamp": started.timestamp(),
            },
            "ComplianceType": compliance,
            "ResultRecordedTime": recorded.timestamp(),
            "ConfigRuleInvokedTime": started.timestamp(),
            "Annotation": annotation,
        }
    ]


def _rule(backend: Any, name: str) -> Any:
    from moto.config.exceptions import NoSuchConfigRuleException

    rule = backend.config_rules.get(name)
    if rule is None:
        raise NoSuchConfigRuleException(name)
    return rule


def get_compliance_details_by_config_rule(
    self: Any, name: str, compliance_types: list[str] | None
) -> dict[str, Any]:
    results = evaluate(self, _rule(self, name))
    if compliance_types:
        results = [r for r in results if r["ComplianceType"] in compliance_types]
    return {"EvaluationResults": results}


def describe_compliance_by_config_rule(
    self: Any, names: list[str] | None, compliance_types: list[str] | None
) -> dict[str, Any]:
    found = []
    for name in names or sorted(self.config_rules):
        results = evaluate(self, _rule(self, name))
        non = sum(1 for r in results if r["ComplianceType"] == "NON_COMPLIANT")
        if not results:
            compliance: dict[str, Any] = {"ComplianceType": "INSUFFICIENT_DATA"}
        elif non:
            compliance = {
                "ComplianceType": "NON_COMPLIANT",
                "ComplianceContributorCount": {"CappedCount": non, "CapExceeded": False},
            }
        else:
            compliance = {"ComplianceType": "COMPLIANT"}
        if not compliance_types or compliance["ComplianceType"] in compliance_types:
            found.append({"ConfigRuleName": name, "Compliance": compliance})
    return {"ComplianceByConfigRules": found}


# ------------------------------------------------------------------------------- patching


def _response(method: str, names: str) -> Callable[[Any], str]:
    """The handler of a compliance read: the backend's ``method`` with the request's rule
    name(s) and compliance types, as JSON (both reads take the same two parameters)."""

    def handle(response: Any) -> str:
        call = getattr(response.config_backend, method)
        return json.dumps(call(response._get_param(names), response._get_param("ComplianceTypes")))

    return handle


def install() -> None:
    if _patches.active:
        return
    from moto.config.models import ConfigBackend
    from moto.config.responses import ConfigResponse
    from moto.rds.models import DBInstance

    original_put = ConfigBackend.put_config_rule
    original_start = ConfigBackend.start_configuration_recorder
    original_init = DBInstance.__init__

    def put_config_rule(
        self: Any, config_rule: dict[str, Any], tags: list[dict[str, str]] | None = None
    ) -> str:
        if (config_rule.get("Source") or {}).get("Owner") == "AWS" and not self.recorders:
            raise NoAvailableConfigurationRecorder()
        result: str = original_put(self, config_rule, tags)
        name = config_rule.get("ConfigRuleName")
        if name:
            with _lock:
                _put_at[(self.account_id, self.region_name, name)] = aws_time.now()
        return result

    def start_configuration_recorder(self: Any, recorder_name: str) -> None:
        original_start(self, recorder_name)
        with _lock:
            _recording_since[(self.account_id, self.region_name)] = aws_time.now()

    def db_instance_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.dbi_resource_id = dbi_resource_id(
            self.account_id, self.region, self.db_instance_identifier
        )

    _patches.replace(ConfigBackend, "put_config_rule", put_config_rule)
    _patches.replace(ConfigBackend, "start_configuration_recorder", start_configuration_recorder)
    _patches.replace(
        ConfigBackend,
        "get_compliance_details_by_config_rule",
        get_compliance_details_by_config_rule,
    )
    _patches.replace(
        ConfigBackend, "describe_compliance_by_config_rule", describe_compliance_by_config_rule
    )
    for method, names in (
        ("get_compliance_details_by_config_rule", "ConfigRuleName"),
        ("describe_compliance_by_config_rule", "ConfigRuleNames"),
    ):
        _patches.replace(ConfigResponse, method, _response(method, names))
    _patches.replace(DBInstance, "__init__", db_instance_init)


def uninstall() -> None:
    _patches.restore_all()
    with _lock:
        _put_at.clear()
        _recording_since.clear()


def is_installed() -> bool:
    return _patches.active
