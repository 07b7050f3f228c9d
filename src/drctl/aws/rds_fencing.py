"""Stop writes on an RDS instance without stopping it: a read-only parameter group.

MySQL and MariaDB honour ``read_only=1``; PostgreSQL ``default_transaction_read_only=on``.
Both parameters are dynamic, so applying the group takes effect without a reboot.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found

READ_ONLY_PARAMETERS = {
    "mysql": ("read_only", "1"),
    "mariadb": ("read_only", "1"),
    "postgres": ("default_transaction_read_only", "on"),
}


def read_only_parameter(engine: str) -> tuple[str, str] | None:
    return READ_ONLY_PARAMETERS.get(engine.split("-")[0])


def parameter_group(instance: dict[str, Any]) -> str | None:
    groups = instance.get("DBParameterGroups") or []
    return str(groups[0]["DBParameterGroupName"]) if groups else None


def family_of(rds: Any, group: str) -> str:
    found = rds.describe_db_parameter_groups(DBParameterGroupName=group)["DBParameterGroups"]
    return str(found[0]["DBParameterGroupFamily"])


def read_only_group_name(family: str) -> str:
    """``drctl-readonly-mysql8-0``: one shared group per engine family and region."""
    return "drctl-readonly-" + re.sub(r"[^a-zA-Z0-9-]", "-", family).strip("-").lower()


def ensure_read_only_group(rds: Any, family: str, parameter: tuple[str, str]) -> str:
    name = read_only_group_name(family)
    try:
        exists = bool(
            rds.describe_db_parameter_groups(DBParameterGroupName=name)["DBParameterGroups"]
        )
    except ClientError as exc:
        if not is_not_found(exc, "DBParameterGroupNotFound"):
            raise
        exists = False
    if not exists:
        rds.create_db_parameter_group(
            DBParameterGroupName=name,
            DBParameterGroupFamily=family,
            Description="drctl fencing: no writes on a demoted primary",
            Tags=[{"Key": "drctl:purpose", "Value": "fencing"}],
        )
    key, value = parameter
    rds.modify_db_parameter_group(
        DBParameterGroupName=name,
        Parameters=[{"ParameterName": key, "ParameterValue": value, "ApplyMethod": "immediate"}],
    )
    return name


def apply_parameter_group(rds: Any, instance_id: str, group: str) -> None:
    rds.modify_db_instance(
        DBInstanceIdentifier=instance_id, DBParameterGroupName=group, ApplyImmediately=True
    )


def rename_instance(rds: Any, instance_id: str, new_id: str) -> None:
    rds.modify_db_instance(
        DBInstanceIdentifier=instance_id, NewDBInstanceIdentifier=new_id, ApplyImmediately=True
    )


def create_cross_region_replica(
    rds: Any,
    instance_id: str,
    source_arn: str,
    instance_class: str,
    kms_key_id: str | None,
    tags: dict[str, str],
) -> None:
    kwargs: dict[str, Any] = {
        "DBInstanceIdentifier": instance_id,
        "SourceDBInstanceIdentifier": source_arn,
        "DBInstanceClass": instance_class,
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }
    if kms_key_id:
        kwargs["KmsKeyId"] = kms_key_id
    rds.create_db_instance_read_replica(**kwargs)
