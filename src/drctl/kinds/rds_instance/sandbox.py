"""Sandbox: an encrypted MySQL primary with backups, and its cross-region read replica.

A plan whose ``restore`` drill names the instance also gets what that drill restores from:
the primary's automated backups replicated to regions.dr (``recovery: replica``), or a
snapshot copied there (``recovery: snapshot``, built for every such instance).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from drctl.aws.cloudwatch import put_metric
from drctl.kinds.rds_instance.moto_lifecycle import ESTABLISHED_TAG
from drctl.kinds.sandboxing import SandboxBuild, ignore_codes
from drctl.plan.models import RdsInstance

REPLICA_LAG_SECONDS = 2.0
KMS_ALIAS = "alias/drctl-sandbox-rds"


def build(b: SandboxBuild, res: RdsInstance) -> None:
    arn = ensure_primary(b, res.primary)
    if res.recovery == "snapshot":
        copy_snapshot_to_dr(b, res, arn)
        return
    ignore_codes(
        b.client("rds", "dr").create_db_instance_read_replica,
        "DBInstanceAlreadyExists",
        "DBInstanceAlreadyExistsFault",
        DBInstanceIdentifier=res.dr,
        SourceDBInstanceIdentifier=arn,  # cross-region: the source's ARN, called in the DR region
        DBInstanceClass="db.t3.medium",
        KmsKeyId=kms_key(b, "dr"),  # an encrypted replica needs a key in its own region
        SourceRegion=b.region("primary"),
        # A deployment that already exists: replicating, not being created.
        Tags=[{"Key": ESTABLISHED_TAG, "Value": "true"}],
    )
    publish_replica_lag(b, res.dr, REPLICA_LAG_SECONDS)
    if restore_drilled(b, res):
        replicate_backups(b, arn)


def restore_drilled(b: SandboxBuild, res: RdsInstance) -> bool:
    """Whether a ``restore`` drill of the plan names this instance."""
    return any(d.type.value == "restore" and d.resource == res.name for d in b.plan.drills)


def replicate_backups(b: SandboxBuild, primary_arn: str) -> None:
    """Replicate the primary's automated backups to regions.dr (encrypted with the DR key), as
    the restore drill needs: without it the drill has nothing to restore from."""
    from drctl.kinds.rds_instance import api

    ignore_codes(
        api.start_replication,
        "InvalidDBInstanceAutomatedBackupState",  # already replicating to regions.dr
        rds_dr=b.client("rds", "dr"),
        source_arn=primary_arn,
        kms_key_id=kms_key(b, "dr"),
    )


def copy_snapshot_to_dr(b: SandboxBuild, res: RdsInstance, primary_arn: str) -> None:
    """Backup-and-restore: no replica, a fresh snapshot copied to DR (as drctl backup does)."""
    from drctl.kinds.rds_instance import api

    snapshot_id = f"drctl-sandbox-{res.name}"
    api.create_snapshot(
        b.client("rds", "primary"), res.primary, snapshot_id, {"drctl:resource": res.name}
    )
    arn = primary_arn.replace(":db:", ":snapshot:").rsplit(":", 1)[0] + f":{snapshot_id}"
    api.copy_to_region(
        b.client("rds", "dr"), arn, b.region("primary"), f"{snapshot_id}-dr", encrypted=True
    )


def ensure_primary(b: SandboxBuild, instance_id: str) -> str:
    rds = b.client("rds", "primary")
    try:
        found = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
        return str(found["DBInstanceArn"])
    except ClientError:
        pass
    created = rds.create_db_instance(
        DBInstanceIdentifier=instance_id,
        DBInstanceClass="db.t3.medium",
        Engine="mysql",
        EngineVersion="8.0.35",
        MasterUsername="admin",
        MasterUserPassword="sandbox-only-password",
        AllocatedStorage=20,
        StorageEncrypted=True,
        BackupRetentionPeriod=7,
        MultiAZ=True,
    )["DBInstance"]
    return str(created["DBInstanceArn"])


def kms_key(b: SandboxBuild, side: str) -> str:
    kms = b.client("kms", side)
    for entry in kms.list_aliases().get("Aliases", []):
        if entry.get("AliasName") == KMS_ALIAS and entry.get("TargetKeyId"):
            return str(entry["TargetKeyId"])
    key: dict[str, Any] = kms.create_key(Description="drctl sandbox RDS key")["KeyMetadata"]
    kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key["KeyId"])
    return str(key["KeyId"])


def publish_replica_lag(b: SandboxBuild, replica_id: str, seconds: float) -> None:
    """Publish the ReplicaLag datapoint RDS itself publishes for a read replica."""
    put_metric(
        b.client("cloudwatch", "dr"),
        namespace="AWS/RDS",
        metric="ReplicaLag",
        dimensions={"DBInstanceIdentifier": replica_id},
        value=seconds,
        unit="Seconds",
        at=b.clock.now(),
    )
