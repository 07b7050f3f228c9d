"""Build a plan's resources in a mock AWS, wired as a healthy deployment would be.

Replicas replicate from their primaries, buckets replicate to their DR twins,
failover records have health checks -- so ``drctl check`` passes on a freshly
built sandbox and a failover has something real to move. Addresses come from
the documentation ranges (RFC 5737) and accounts are moto's default: nothing
here names a real host or account.

Only ever pointed at moto: :func:`build` refuses an endpoint that is not local.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError

from drctl.aws.cloudwatch import put_metric
from drctl.aws.session import AwsSessions
from drctl.engine.clock import Clock, SystemClock
from drctl.errors import SandboxError
from drctl.plan.models import Plan, RdsInstance, ResourceBase, Route53Record, S3Bucket

SANDBOX_ACCOUNT = "123456789012"  # moto's default account
PRIMARY_ADDRESS = "192.0.2.10"  # RFC 5737 TEST-NET-1
SECONDARY_ADDRESS = "198.51.100.10"  # RFC 5737 TEST-NET-2
REPLICATION_ROLE = "drctl-sandbox-s3-replication"
SAMPLE_OBJECTS = ("index.html", "img/logo.png", "data/catalog.json")
SANDBOX_REPLICA_LAG_SECONDS = 2.0


class SandboxBuilder:
    def __init__(self, plan: Plan, sessions: AwsSessions, clock: Clock | None = None) -> None:
        self.plan = plan
        self.sessions = sessions
        self.clock = clock or SystemClock()
        self.built: list[str] = []

    def region(self, side: str) -> str:
        return self.plan.regions.primary if side == "primary" else self.plan.regions.dr

    def client(self, service: str, side: str) -> Any:
        region = "us-east-1" if side == "global" else self.region(side)
        return self.sessions.client(service, region)

    def build(self) -> list[str]:
        """Create every resource the sandbox knows how to build; returns what it built."""
        builders: dict[str, Callable[[Any], None]] = {
            "s3-bucket": self.s3_bucket,
            "rds-instance": self.rds_instance,
            "route53-record": self.route53_record,
        }
        for res in self.plan.resources:
            build = builders.get(res.kind)
            if build is None:
                continue
            try:
                build(res)
            except (ClientError, BotoCoreError) as exc:
                raise SandboxError(
                    f"sandbox: building {res.name} ({res.kind}) failed: {exc}"
                ) from None
            self.built.append(res.name)
        return self.built

    # ------------------------------------------------------------------ S3

    def s3_bucket(self, res: S3Bucket) -> None:
        for side, bucket in (("primary", res.primary), ("dr", res.dr)):
            s3 = self.client("s3", side)
            region = self.region(side)
            kwargs: dict[str, Any] = {"Bucket": bucket}
            if region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
            _ignore(s3.create_bucket, "BucketAlreadyOwnedByYou", **kwargs)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )
        role_arn = self._replication_role()
        self.client("s3", "primary").put_bucket_replication(
            Bucket=res.primary,
            ReplicationConfiguration={
                "Role": role_arn,
                "Rules": [
                    {
                        "ID": f"drctl-{res.name}-to-dr",
                        "Priority": 1,
                        "Status": "Enabled",
                        "Filter": {},
                        "DeleteMarkerReplication": {"Status": "Enabled"},
                        "Destination": {"Bucket": f"arn:aws:s3:::{res.dr}"},
                    }
                ],
            },
        )
        s3 = self.client("s3", "primary")
        for key in SAMPLE_OBJECTS:
            s3.put_object(Bucket=res.primary, Key=key, Body=f"sandbox object {key}".encode())

    def _replication_role(self) -> str:
        iam = self.client("iam", "global")
        trust = (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
        )
        try:
            return str(
                iam.create_role(RoleName=REPLICATION_ROLE, AssumeRolePolicyDocument=trust)["Role"][
                    "Arn"
                ]
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "EntityAlreadyExists":
                raise
            return str(iam.get_role(RoleName=REPLICATION_ROLE)["Role"]["Arn"])

    # ------------------------------------------------------------------ RDS

    def rds_instance(self, res: RdsInstance) -> None:
        primary = self.client("rds", "primary")
        arn = self._ensure_primary_db(primary, res.primary)
        dr = self.client("rds", "dr")
        _ignore(
            lambda: dr.create_db_instance_read_replica(
                DBInstanceIdentifier=res.dr,
                SourceDBInstanceIdentifier=arn,
                DBInstanceClass="db.t3.medium",
                KmsKeyId=self._kms_key("dr"),
                SourceRegion=self.region("primary"),
            ),
            "DBInstanceAlreadyExists",
            "DBInstanceAlreadyExistsFault",
        )
        self.publish_replica_lag(res.dr, SANDBOX_REPLICA_LAG_SECONDS)

    def _kms_key(self, side: str) -> str:
        """An encrypted cross-region replica needs a KMS key in its own region."""
        kms = self.client("kms", side)
        alias = "alias/drctl-sandbox-rds"
        for entry in kms.list_aliases().get("Aliases", []):
            if entry.get("AliasName") == alias and entry.get("TargetKeyId"):
                return str(entry["TargetKeyId"])
        key_id = str(kms.create_key(Description="drctl sandbox RDS key")["KeyMetadata"]["KeyId"])
        kms.create_alias(AliasName=alias, TargetKeyId=key_id)
        return key_id

    def _ensure_primary_db(self, rds: Any, instance_id: str) -> str:
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

    def publish_replica_lag(self, replica_id: str, seconds: float) -> None:
        """Publish the ReplicaLag datapoint RDS itself would publish for a replica."""
        put_metric(
            self.client("cloudwatch", "dr"),
            namespace="AWS/RDS",
            metric="ReplicaLag",
            dimensions={"DBInstanceIdentifier": replica_id},
            value=seconds,
            unit="Seconds",
            at=self.clock.now(),
        )

    # ------------------------------------------------------------------ Route 53

    def route53_record(self, res: Route53Record) -> None:
        r53 = self.client("route53", "global")
        zone_id = self._ensure_zone(r53, res)
        record = res.record if res.record.endswith(".") else res.record + "."
        health_check_id = r53.create_health_check(
            CallerReference=f"drctl-sandbox-{res.name}-{zone_id}",
            HealthCheckConfig={
                "IPAddress": PRIMARY_ADDRESS,
                "Port": 443,
                "Type": "HTTPS",
                "ResourcePath": "/health",
                "FullyQualifiedDomainName": record.rstrip("."),
                "RequestInterval": 10,
                "FailureThreshold": 3,
            },
        )["HealthCheck"]["Id"]
        changes = [
            _failover_record(record, "PRIMARY", PRIMARY_ADDRESS, health_check_id),
            _failover_record(record, "SECONDARY", SECONDARY_ADDRESS, None),
        ]
        r53.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={"Comment": "drctl sandbox", "Changes": changes},
        )

    def _ensure_zone(self, r53: Any, res: Route53Record) -> str:
        if res.zone_id:
            return res.zone_id.split("/")[-1]
        assert res.zone is not None
        name = res.zone if res.zone.endswith(".") else res.zone + "."
        for zone in r53.list_hosted_zones_by_name(DNSName=name).get("HostedZones", []):
            if zone["Name"] == name:
                return str(zone["Id"]).split("/")[-1]
        created = r53.create_hosted_zone(Name=name, CallerReference=f"drctl-sandbox-{name}")
        return str(created["HostedZone"]["Id"]).split("/")[-1]


def _failover_record(
    name: str, role: str, address: str, health_check_id: str | None
) -> dict[str, Any]:
    rrset: dict[str, Any] = {
        "Name": name,
        "Type": "A",
        "SetIdentifier": role.lower(),
        "Failover": role,
        "TTL": 60,
        "ResourceRecords": [{"Value": address}],
    }
    if health_check_id:
        rrset["HealthCheckId"] = health_check_id
    return {"Action": "UPSERT", "ResourceRecordSet": rrset}


def _ignore(call: Callable[..., Any], *codes: str, **kwargs: Any) -> None:
    try:
        call(**kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in codes:
            raise


def assert_local_endpoint(endpoint_url: str | None) -> None:
    """The builder creates resources: never against anything but a local mock."""
    if endpoint_url is None:
        return  # in-process moto (mock_aws) intercepts every call
    host = urlparse(endpoint_url).hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SandboxError(f"refusing to build sandbox resources at {endpoint_url}: not local")


def unbuilt(plan: Plan) -> list[ResourceBase]:
    """Resources the sandbox cannot build yet (their kinds come in later versions)."""
    return [
        r for r in plan.resources if r.kind not in {"s3-bucket", "rds-instance", "route53-record"}
    ]
