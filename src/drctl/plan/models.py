"""The plan format v1 as pydantic models (the contract: ``shared/design/plan-v1.yaml``).

These models only describe and validate; what a resource *does* lives in
``drctl.kinds``. Keeping the models here, free of AWS, is what lets
``drctl plan validate`` and ``plan schema`` run without importing boto3.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, model_validator
from pydantic_core import PydanticCustomError

from drctl.plan.durations import Duration
from drctl.plan.tiers import TIER_OBJECTIVES, Strategy, Tier
from drctl.plan.written import as_written

NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$"
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$"
SNS_ARN_PATTERN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$"
# S3 bucket naming rules: 3-63 chars, lowercase letters, digits, dots and hyphens.
BUCKET_PATTERN = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
# RDS/Aurora identifiers: letter first, letters/digits/hyphens, at most 63 chars.
DB_ID_PATTERN = r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$"
DNS_NAME_PATTERN = r"^([a-zA-Z0-9_*]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9-]{1,63}\.?$"
# Secrets Manager names; EventBridge rule and bus names; Lambda function and alias names.
SECRET_NAME_PATTERN = r"^[A-Za-z0-9/_+=.@-]{1,512}$"
EVENT_RULE_PATTERN = r"^[.\-_A-Za-z0-9]{1,64}$"
EVENT_BUS_PATTERN = r"^[/.\-_A-Za-z0-9]{1,256}$"
LAMBDA_NAME_PATTERN = r"^[a-zA-Z0-9_-]{1,64}$"
# ElastiCache replication group ids; a global datastore id (suffix, or prefix-suffix).
REPLICATION_GROUP_PATTERN = r"^[a-zA-Z]([a-zA-Z0-9]|-[a-zA-Z0-9]){0,39}$"
GLOBAL_DATASTORE_PATTERN = r"^[a-zA-Z0-9]([a-zA-Z0-9]|-[a-zA-Z0-9]){0,62}$"
LAMBDA_ALIAS_PATTERN = r"^[a-zA-Z0-9_-]*[a-zA-Z_-][a-zA-Z0-9_-]*$"  # not only digits
# An EFS file system by its id, or by its Name tag (letters, digits, spaces, _.:/=+-@; max 256).
EFS_REF_PATTERN = r"^(fs-[0-9a-f]{8,40}|[\w .:/=+@-]+)$"
# AWS Backup vault names; the ARN of a resource AWS Backup protects.
BACKUP_VAULT_PATTERN = r"^[a-zA-Z0-9\-\_]{2,50}$"
BACKUP_RESOURCE_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{12}:[A-Za-z0-9/_.:+=,@-]+$"
)

PATTERN_HELP = {
    NAME_PATTERN: "use lowercase letters, digits and '-' (at most 63)",
    REGION_PATTERN: "expected an AWS region such as us-east-1",
    ROLE_ARN_PATTERN: "expected an IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>",
    SNS_ARN_PATTERN: "expected an SNS topic ARN, arn:aws:sns:<region>:<account>:<topic>",
    BUCKET_PATTERN: "not a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')",
    DB_ID_PATTERN: "not a valid DB identifier (a letter, then letters, digits, '-'; max 63)",
    DNS_NAME_PATTERN: "not a valid DNS name",
    SECRET_NAME_PATTERN: "not a valid secret name (letters, digits, /_+=.@-; max 512)",
    EVENT_RULE_PATTERN: "not a valid EventBridge rule name (letters, digits, '.', '-', '_'; "
    "max 64)",
    EVENT_BUS_PATTERN: "not a valid event bus name (letters, digits, '/', '.', '-', '_')",
    REPLICATION_GROUP_PATTERN: "not a valid replication group id (a letter, then letters, "
    "digits, single '-'; max 40)",
    GLOBAL_DATASTORE_PATTERN: "not a valid global datastore name (letters, digits, single '-')",
    LAMBDA_NAME_PATTERN: "not a valid function name (letters, digits, '-', '_'; max 64)",
    LAMBDA_ALIAS_PATTERN: "not a valid alias name (letters, digits, '-', '_'; not only digits)",
    EFS_REF_PATTERN: "expected a file system id (fs-...) or its Name tag (letters, digits, "
    "spaces, _.:/=+-@; max 256)",
    BACKUP_VAULT_PATTERN: "not a valid backup vault name (2-50 letters, digits, '-', '_')",
    BACKUP_RESOURCE_ARN_PATTERN: "expected a resource ARN, arn:aws:<service>:<region>:"
    "<12-digit account>:<resource>",
}

Name = Annotated[str, Field(pattern=NAME_PATTERN, description="lowercase letters, digits, '-'")]


def _integer_one(value: Any) -> Any:
    """Only the integer 1 is format version 1. YAML reads ``true`` as a bool, Python
    counts ``True == 1`` and ``1.0 == 1``, so a bare ``Literal[1]`` would take both."""
    if type(value) is not int:
        raise PydanticCustomError(
            "literal_error",
            "Input should be the integer 1, got {got}",
            {"got": as_written(value)},
        )
    return value


Version = Annotated[Literal[1], BeforeValidator(_integer_one)]


class StrictModel(BaseModel):
    """Every plan section rejects unknown keys: a typo must never be silently ignored.

    ``defer_build``: pydantic would otherwise compile a validator for each of these
    classes at import, though ``plan validate`` only ever runs the Plan's (which
    holds them all); built on first use instead, they cost one compile, not 23.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Objectives(StrictModel):
    rto: Duration | None = Field(None, description="Recovery time objective")
    rpo: Duration | None = Field(None, description="Recovery point objective")


class Regions(StrictModel):
    primary: str = Field(pattern=REGION_PATTERN, description="Region serving today")
    dr: str = Field(pattern=REGION_PATTERN, description="Region to fail over to")


class AccountRole(StrictModel):
    role_arn: str = Field(pattern=ROLE_ARN_PATTERN)
    external_id: str | None = Field(None, min_length=2, max_length=1224)


class Accounts(StrictModel):
    primary: AccountRole | None = None
    dr: AccountRole | None = None


class Notifications(StrictModel):
    sns_topic_arn: str = Field(pattern=SNS_ARN_PATTERN)


class Contact(StrictModel):
    """A person or team to reach in a DR event (``drctl runbook`` lists them first)."""

    name: str = Field(min_length=1, max_length=200, description="person or team")
    role: str | None = Field(
        None, max_length=200, description="what they decide or do (incident commander, DBA)"
    )
    phone: str | None = Field(None, max_length=64)
    email: str | None = Field(None, max_length=254)


class StateBackend(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class State(StrictModel):
    backend: StateBackend = StateBackend.LOCAL
    bucket: str | None = Field(None, pattern=BUCKET_PATTERN)
    lock_table: str | None = Field(None, min_length=3, max_length=255)

    @model_validator(mode="after")
    def _s3_needs_bucket(self) -> State:
        if self.backend is StateBackend.S3 and not self.bucket:
            raise ValueError("state.backend s3 needs a bucket for the run journals")
        return self


# --------------------------------------------------------------------------- resources


class Capability(StrEnum):
    """Optional things a kind can do beyond checks, failover and failback.

    Declared on the kind's model (below) so ``plan validate`` can tell, without importing
    AWS code, whether a drill's resource can be drilled that way; the kind's folder
    implements each one it declares (a meta-test holds the two together).
    """

    LAG = "lag"  # replication lag for the RPO gate
    BACKUP = "backup"  # drctl backup takes and copies its recovery points
    CANARY = "canary"  # replication drill: a marked write timed primary -> DR
    RESTORE = "restore"  # restore drill: a throw-away copy restored in DR
    CLEANUP = "cleanup"  # drctl cleanup: what a failback kept aside, deleted on request


class ResourceBase(StrictModel):
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    kind: str
    name: Name
    depends_on: list[Name] = Field(default_factory=list)


class S3Bucket(ResourceBase):
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LAG, Capability.CANARY})

    kind: Literal["s3-bucket"]
    primary: str = Field(pattern=BUCKET_PATTERN, description="bucket in regions.primary")
    dr: str = Field(pattern=BUCKET_PATTERN, description="bucket in regions.dr")
    reverse_role: str | None = Field(
        None,
        min_length=1,
        max_length=2048,
        pattern=r"^(arn:aws[a-z-]*:iam::[0-9]{12}:role/)?[A-Za-z0-9+=,.@/_-]+$",
        description="IAM role (name or ARN) S3 assumes for the dr -> primary rule failback "
        "adds; it must trust s3.amazonaws.com and allow that direction. When absent, drctl "
        "creates drctl-<name>-s3-failback allowed exactly that direction",
    )


class RdsInstance(ResourceBase):
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.LAG, Capability.BACKUP, Capability.RESTORE, Capability.CLEANUP}
    )

    kind: Literal["rds-instance"]
    primary: str = Field(pattern=DB_ID_PATTERN, description="DB instance id in regions.primary")
    dr: str = Field(
        pattern=DB_ID_PATTERN,
        description="its cross-region read replica in regions.dr (recovery: replica), or "
        "the instance to restore there from the newest copied snapshot (recovery: snapshot)",
    )
    recovery: Literal["replica", "snapshot"] = Field(
        "replica",
        description="replica: promote a cross-region read replica; snapshot: backup-restore "
        "from a snapshot copied to regions.dr (see drctl backup)",
    )
    dr_subnet_group: str | None = Field(
        None,
        pattern=r"^[a-zA-Z0-9 ._-]{1,255}$",
        description="recovery: snapshot: the DB subnet group in regions.dr the restored "
        "instance goes into (without it AWS restores into the default VPC)",
    )
    dr_security_groups: list[Annotated[str, Field(pattern=r"^sg-[0-9a-f]{8,17}$")]] = Field(
        default_factory=list,
        description="recovery: snapshot: VPC security group ids of the restored instance in "
        "regions.dr (without them AWS uses the VPC's default group)",
    )

    @model_validator(mode="after")
    def _placement_is_for_restores(self) -> RdsInstance:
        # A replica's placement is its own (failback copies it); only a restore needs telling.
        if self.recovery != "snapshot" and (self.dr_subnet_group or self.dr_security_groups):
            raise ValueError(
                "dr_subnet_group and dr_security_groups place an instance restored from a "
                "snapshot: they need recovery: snapshot"
            )
        return self


class AuroraGlobal(ResourceBase):
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LAG})

    kind: Literal["aurora-global"]
    global_cluster: str = Field(pattern=DB_ID_PATTERN)


class DocumentDbGlobal(ResourceBase):
    """An Amazon DocumentDB global cluster whose writer moves to regions.dr."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LAG})

    kind: Literal["documentdb-global"]
    global_cluster: str = Field(
        pattern=DB_ID_PATTERN,
        description="global cluster identifier, with a member cluster in each Region",
    )


class DynamoDbTable(ResourceBase):
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LAG, Capability.CANARY})

    kind: Literal["dynamodb-table"]
    table: str = Field(pattern=r"^[a-zA-Z0-9_.-]{3,255}$")


class AutoScalingGroup(ResourceBase):
    kind: Literal["autoscaling-group"]
    dr: str = Field(min_length=1, max_length=255, description="group in regions.dr")
    # strict: AWS takes an integer; `true` or `6.0` or '6' in a plan is a mistake to report.
    desired: int = Field(
        ge=0, le=10000, strict=True, description="capacity to scale to on failover"
    )


class EcsService(ResourceBase):
    kind: Literal["ecs-service"]
    cluster: str = Field(min_length=1, max_length=255, description="cluster in regions.dr")
    service: str = Field(min_length=1, max_length=255)
    desired: int = Field(ge=0, le=10000, strict=True)


class Route53Record(ResourceBase):
    kind: Literal["route53-record"]
    zone: str | None = Field(None, pattern=DNS_NAME_PATTERN, description="hosted zone name")
    zone_id: str | None = Field(None, pattern=r"^(/hostedzone/)?Z[A-Z0-9]{1,32}$")
    record: str = Field(pattern=DNS_NAME_PATTERN, description="name with PRIMARY/SECONDARY")

    @model_validator(mode="after")
    def _one_zone(self) -> Route53Record:
        if (self.zone is None) == (self.zone_id is None):
            raise ValueError("give exactly one of zone (a name) or zone_id")
        return self


ARC_ARN_PATTERN = r"^arn:aws[a-z-]*:route53-recovery-control::[0-9]{12}:[A-Za-z0-9/_-]+$"
ARC_REF_PATTERN = (
    r"^(arn:aws[a-z-]*:route53-recovery-control::[0-9]{12}:[A-Za-z0-9/_-]+|[^\s]{1,64})$"
)


class ArcRoutingControl(ResourceBase):
    """Traffic moved by Route 53 ARC routing controls (the data plane), not by editing DNS."""

    kind: Literal["arc-routing-control"]
    cluster: str = Field(pattern=ARC_REF_PATTERN, description="ARC cluster: ARN or name")
    control_panel: str | None = Field(
        None,
        pattern=ARC_REF_PATTERN,
        description="control panel (ARN or name) holding controls given by name",
    )
    primary_control: str = Field(
        pattern=ARC_REF_PATTERN, description="routing control On while regions.primary serves"
    )
    dr_control: str = Field(
        pattern=ARC_REF_PATTERN, description="routing control On while regions.dr serves"
    )
    zone: str = Field(pattern=DNS_NAME_PATTERN, description="hosted zone of the failover record")
    record: str = Field(
        pattern=DNS_NAME_PATTERN,
        description="failover record whose PRIMARY/SECONDARY follow the two controls",
    )

    @model_validator(mode="after")
    def _panel_for_names(self) -> ArcRoutingControl:
        named = [c for c in (self.primary_control, self.dr_control) if not c.startswith("arn:")]
        if named and self.control_panel is None:
            raise ValueError("routing controls given by name need control_panel")
        if self.primary_control == self.dr_control:
            raise ValueError("primary_control and dr_control must be two different controls")
        return self


GA_ACCELERATOR_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:globalaccelerator::[0-9]{12}:accelerator/[A-Za-z0-9-]{1,64}$"
)
GA_LISTENER_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:globalaccelerator::[0-9]{12}:accelerator/[A-Za-z0-9-]{1,64}"
    r"/listener/[A-Za-z0-9-]{1,64}$"
)


class GlobalAccelerator(ResourceBase):
    """Traffic moved by the traffic dials of a Global Accelerator listener's endpoint groups."""

    kind: Literal["global-accelerator"]
    accelerator: str = Field(pattern=GA_ACCELERATOR_ARN_PATTERN, description="accelerator ARN")
    listener: str = Field(
        pattern=GA_LISTENER_ARN_PATTERN, description="ARN of the accelerator's listener"
    )
    primary_endpoint_group: str | None = Field(
        None,
        pattern=REGION_PATTERN,
        description="Region of the listener's endpoint group serving today (regions.primary "
        "when absent)",
    )
    dr_endpoint_group: str | None = Field(
        None,
        pattern=REGION_PATTERN,
        description="Region of the endpoint group to fail over to (regions.dr when absent)",
    )
    dr_traffic_dial: float = Field(
        0,
        ge=0,
        le=100,
        strict=True,
        description="the DR group's traffic dial while primary serves: 0 (active-passive) "
        "or 100 (active-active); failback restores it",
    )
    move: Literal["dial", "weights"] = Field(
        "dial",
        description="dial: failover dials the primary group to 0% and DR to 100%; weights: "
        "failover sets the primary group's endpoint weights to 0, and Global Accelerator "
        "sends the traffic to DR's healthy endpoints whatever the dials (failback restores "
        "the weights the failover recorded)",
    )

    @model_validator(mode="after")
    def _listener_of_accelerator(self) -> GlobalAccelerator:
        if not self.listener.startswith(self.accelerator + "/listener/"):
            raise ValueError("listener must be a listener of the accelerator (its ARN begins so)")
        groups = (self.primary_endpoint_group, self.dr_endpoint_group)
        if None not in groups and groups[0] == groups[1]:
            raise ValueError("primary and DR endpoint groups must be in two different Regions")
        return self


class Secret(ResourceBase):
    """A Secrets Manager secret replicated to regions.dr (a replica keeps its primary's name)."""

    kind: Literal["secret"]
    secret: str = Field(
        pattern=SECRET_NAME_PATTERN,
        description="secret name, the same in both Regions (a replica keeps its primary's name)",
    )


class EfsReplication(ResourceBase):
    """An EFS file system replicated to regions.dr by an EFS replication configuration."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LAG})

    kind: Literal["efs-replication"]
    file_system: str = Field(
        max_length=256,
        pattern=EFS_REF_PATTERN,
        description="the primary file system in regions.primary: its id (fs-...) or its Name "
        "tag; the DR copy is the destination of its replication configuration",
    )
    dr_file_system: str | None = Field(
        None,
        max_length=256,
        pattern=EFS_REF_PATTERN,
        description="the DR copy in regions.dr (id or Name tag); none: the destination of "
        "the replication configuration, or after a failover the file system it tagged "
        "drctl-replica-of",
    )


class ElastiCacheGlobal(ResourceBase):
    """An ElastiCache (Valkey / Redis OSS) global datastore: its primary replication group in
    regions.primary, its secondary in regions.dr."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LAG})

    kind: Literal["elasticache-global"]
    global_datastore: str = Field(
        pattern=GLOBAL_DATASTORE_PATTERN,
        max_length=63,
        description="global datastore: the suffix given when it was created (`sessions`), "
        "or its full id with the Region prefix AWS gave it (`abcde-sessions`)",
    )
    primary: str = Field(
        pattern=REPLICATION_GROUP_PATTERN,
        max_length=40,
        description="replication group in regions.primary",
    )
    dr: str = Field(
        pattern=REPLICATION_GROUP_PATTERN,
        max_length=40,
        description="replication group in regions.dr",
    )

    @model_validator(mode="after")
    def _two_groups(self) -> ElastiCacheGlobal:
        if self.primary == self.dr:
            raise ValueError("primary and dr name the same replication group")
        return self


class BackupVault(ResourceBase):
    """AWS Backup copies of resources in a vault of regions.dr, copied by a backup plan's
    cross-Region copy rule; restored in DR (the restore drill restores the newest copy)."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.LAG, Capability.RESTORE})

    kind: Literal["backup-vault"]
    vault: str = Field(pattern=BACKUP_VAULT_PATTERN, description="backup vault in regions.primary")
    dr_vault: str = Field(
        pattern=BACKUP_VAULT_PATTERN,
        description="backup vault in regions.dr the copy rule copies to",
    )
    backup_plan: str = Field(
        min_length=1,
        max_length=50,
        pattern=r"^[a-zA-Z0-9\-\_\.]{1,50}$",
        description="backup plan in regions.primary (name or id) whose rules back up into "
        "vault and copy to dr_vault",
    )
    resources: list[Annotated[str, Field(pattern=BACKUP_RESOURCE_ARN_PATTERN)]] = Field(
        min_length=1,
        max_length=50,
        description="ARNs of the protected resources (in regions.primary); the restore drill "
        "restores the newest DR copy of the first one",
    )
    rpo: Duration | None = Field(
        None,
        description="the age a DR copy may reach, when not the plan's RPO (AWS Backup runs "
        "at most hourly: a plan whose RPO is minutes keeps backups as a second line with "
        "their own)",
    )
    iam_role: str = Field(
        "service-role/AWSBackupDefaultServiceRole",
        min_length=1,
        max_length=512,
        pattern=r"^[A-Za-z0-9+=,.@/_-]+$",
        description="IAM role (name with its path) AWS Backup assumes for the DR backup plan "
        "failover creates and for restores, in the vaults' account",
    )

    @model_validator(mode="after")
    def _distinct(self) -> BackupVault:
        if len(set(self.resources)) != len(self.resources):
            raise ValueError("resources names an ARN twice")
        return self


class EventBridgeRules(ResourceBase):
    """Named EventBridge rules, enabled in the serving Region and disabled in the other."""

    kind: Literal["eventbridge-rules"]
    event_bus: str = Field(
        "default",
        pattern=EVENT_BUS_PATTERN,
        description="event bus holding the rules, by the same name in both Regions",
    )
    primary: list[Annotated[str, Field(pattern=EVENT_RULE_PATTERN)]] = Field(
        min_length=1,
        max_length=100,
        description="rules in regions.primary, enabled while it serves",
    )
    dr: list[Annotated[str, Field(pattern=EVENT_RULE_PATTERN)]] = Field(
        min_length=1,
        max_length=100,
        description="their twins in regions.dr, in the same order, enabled while DR serves",
    )

    @model_validator(mode="after")
    def _pairs(self) -> EventBridgeRules:
        if len(self.primary) != len(self.dr):
            raise ValueError("primary and dr list the same number of rules (pairs, in order)")
        for side, names in (("primary", self.primary), ("dr", self.dr)):
            if len(set(names)) != len(names):
                raise ValueError(f"{side} names a rule twice")
        return self


class LambdaFunction(ResourceBase):
    """A Lambda function deployed in both Regions; its triggers follow the serving Region."""

    kind: Literal["lambda-function"]
    function: str = Field(
        pattern=LAMBDA_NAME_PATTERN, description="function name, the same in both Regions"
    )
    alias: str = Field(
        pattern=LAMBDA_ALIAS_PATTERN,
        max_length=128,
        description="alias the event sources invoke; its version's code must match across "
        "Regions (CodeSha256)",
    )
    reserved_concurrency: int | None = Field(
        None,
        ge=0,
        le=100000,
        strict=True,
        description="reserved concurrency set on the DR function on failover (failback "
        "restores what it had); none: left as it is",
    )


class Manual(ResourceBase):
    kind: Literal["manual"]
    instructions: str = Field(min_length=1, description="what a person does on failover")
    # Going home is rarely the same act as leaving (tell the partner to switch *back*): a
    # failback that showed the failover's words would have the person redo the failover.
    failback_instructions: str | None = Field(
        None,
        min_length=1,
        description="what a person does on failback (none: failback has no manual step)",
    )


class Side(StrEnum):
    PRIMARY = "primary"
    DR = "dr"


class LambdaInvoke(StrictModel):
    """A Lambda function invoked synchronously (``RequestResponse``)."""

    function: str = Field(
        pattern=r"^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:)?[A-Za-z0-9_-]{1,64}"
        r"(:[A-Za-z0-9$_-]{1,128})?$",
        description="function name or ARN (a qualifier after ':' picks a version or alias)",
    )
    payload: dict[str, Any] = Field(
        default_factory=dict, description="JSON event handed to the function"
    )
    side: Side = Field(Side.DR, description="the Region it runs in: regions.dr or .primary")


class AutomationRun(StrictModel):
    """An SSM Automation runbook execution, waited for until it ends."""

    document: str = Field(
        pattern=r"^[A-Za-z0-9_.:/-]{3,128}$", description="Automation document name or ARN"
    )
    parameters: dict[str, list[str]] = Field(
        default_factory=dict, description="runbook parameters, each a list of strings"
    )
    side: Side = Field(Side.DR, description="the Region it runs in: regions.dr or .primary")


class LocalCommand(StrictModel):
    """A program run on the operator's machine: an argument list, never a shell string."""

    argv: list[Annotated[str, Field(min_length=1)]] = Field(
        min_length=1, description="program and arguments (no shell: write sh -c ... to want one)"
    )
    timeout: Duration = Field(
        default_factory=lambda: Duration(300, "5m"),
        description="killed (its whole process group) when it runs longer",
    )
    env: dict[str, str] = Field(
        default_factory=dict, description="environment added to drctl's own"
    )
    cwd: str | None = Field(
        None, min_length=1, description="working directory, relative to the plan file"
    )


class CustomAction(StrictModel):
    """One of: a Lambda invocation, an SSM Automation execution, a local command."""

    invoke: LambdaInvoke | None = Field(None, description="invoke a Lambda function")
    automation: AutomationRun | None = Field(None, description="run an SSM Automation document")
    command: LocalCommand | None = Field(None, description="run a local command")

    @model_validator(mode="after")
    def _exactly_one(self) -> CustomAction:
        given = [k for k in ("invoke", "automation", "command") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of invoke, automation or command")
        return self


class CustomSteps(StrictModel):
    """What a custom resource does in one direction (failover or failback)."""

    check: CustomAction | None = Field(
        None,
        description="is it already done? (exit 0, a truthy result, Success): the step is "
        "skipped, so reruns are no-ops",
    )
    run: CustomAction = Field(description="what does it")
    verify: CustomAction | None = Field(
        None, description="polled after run until it succeeds (within the RTO)"
    )


class Custom(ResourceBase):
    """A step a team supplies: Lambda, SSM Automation or a local command."""

    kind: Literal["custom"]
    phase: Literal["data", "compute", "traffic", "notify"] = Field(
        "compute", description="where the step runs in the failover order"
    )
    failover: CustomSteps = Field(description="actions of the failover")
    failback: CustomSteps | None = Field(
        None, description="actions of the failback (none: failback has no step here)"
    )


Resource = Annotated[
    S3Bucket
    | RdsInstance
    | AuroraGlobal
    | DocumentDbGlobal
    | DynamoDbTable
    | AutoScalingGroup
    | EcsService
    | Route53Record
    | ArcRoutingControl
    | GlobalAccelerator
    | Secret
    | EfsReplication
    | ElastiCacheGlobal
    | BackupVault
    | EventBridgeRules
    | LambdaFunction
    | Manual
    | Custom,
    Field(discriminator="kind"),
]

RESOURCE_MODELS: dict[str, type[ResourceBase]] = {
    "s3-bucket": S3Bucket,
    "rds-instance": RdsInstance,
    "aurora-global": AuroraGlobal,
    "documentdb-global": DocumentDbGlobal,
    "dynamodb-table": DynamoDbTable,
    "autoscaling-group": AutoScalingGroup,
    "ecs-service": EcsService,
    "route53-record": Route53Record,
    "arc-routing-control": ArcRoutingControl,
    "global-accelerator": GlobalAccelerator,
    "secret": Secret,
    "efs-replication": EfsReplication,
    "elasticache-global": ElastiCacheGlobal,
    "backup-vault": BackupVault,
    "eventbridge-rules": EventBridgeRules,
    "lambda-function": LambdaFunction,
    "manual": Manual,
    "custom": Custom,
}


def kinds_offering(capability: Capability) -> tuple[str, ...]:
    """The plan kinds whose model declares ``capability``, in plan-format order."""
    return tuple(k for k, model in RESOURCE_MODELS.items() if capability in model.capabilities)


# --------------------------------------------------------------------------- experiments


class ExperimentAction(StrictModel):
    action_id: str = Field(pattern=r"^aws:[a-z0-9-]+:[a-zA-Z0-9-]+$")
    description: str | None = None
    parameters: dict[str, str] = Field(default_factory=dict)
    targets: dict[str, str] = Field(default_factory=dict)
    start_after: list[str] = Field(default_factory=list)


class ExperimentTarget(StrictModel):
    resource_type: str = Field(pattern=r"^aws:[a-z0-9-]+:[a-z0-9-]+$")
    resource_tags: dict[str, str] | None = None
    resource_arns: list[str] | None = None
    filters: list[dict[str, Any]] | None = None
    selection_mode: str = Field(pattern=r"^(ALL|COUNT\([0-9]+\)|PERCENT\([0-9]{1,3}\))$")


class StopCondition(StrictModel):
    alarm: str = Field(min_length=1, max_length=255, description="CloudWatch alarm name")


class Experiment(StrictModel):
    name: Name
    description: str | None = None
    region: Side = Side.PRIMARY
    actions: dict[str, ExperimentAction] = Field(min_length=1)
    targets: dict[str, ExperimentTarget] = Field(default_factory=dict)
    stop_conditions: list[StopCondition] = Field(default_factory=list)
    role_arn: str = Field(pattern=ROLE_ARN_PATTERN)


class DrillType(StrEnum):
    CHECKS = "checks"
    RESTORE = "restore"
    REPLICATION = "replication"
    EXPERIMENT = "experiment"
    FAILOVER = "failover"


class Drill(StrictModel):
    name: Name
    type: DrillType
    resource: Name | None = None
    experiment: Name | None = None
    timeout: Duration | None = None
    allow_without_stop_condition: bool = Field(False, strict=True)


# --------------------------------------------------------------------------- the plan


class EffectiveObjectives(BaseModel):
    """The objectives in force: the plan's own, else its tier's."""

    model_config = ConfigDict(defer_build=True)  # see StrictModel

    rto_seconds: int
    rpo_seconds: int
    rto_source: str
    rpo_source: str


class Include(StrictModel):
    """Another plan failed over in the same run (plans of plans)."""

    plan: str = Field(min_length=1, description="path of the plan file, relative to this one")
    depends_on: list[Name] = Field(
        default_factory=list,
        description="apps of other included plans whose steps all finish before this one's start",
    )


class Plan(StrictModel):
    version: Version = Field(description="plan format version")
    app: Name
    description: str | None = None
    tier: Tier | None = None
    strategy: Strategy
    objectives: Objectives | None = None
    regions: Regions
    accounts: Accounts | None = None
    notifications: Notifications | None = None
    contacts: list[Contact] = Field(default_factory=list)
    state: State = Field(default_factory=State)
    # At least one, unless the plan includes others (checked in plan/semantics.py, where
    # the message can say so and point at the right place).
    resources: list[Resource] = Field(default_factory=list)
    experiments: list[Experiment] = Field(default_factory=list)
    drills: list[Drill] = Field(default_factory=list)
    include: list[Include] = Field(
        default_factory=list,
        description="other plans failed over in the same run, each under its app's name",
    )
    # Where the plan file is: what a custom command's working directory and an include's
    # path are relative to (set by the loader; None for a plan given as text: the cwd).
    _directory: str | None = PrivateAttr(None)

    @property
    def directory(self) -> Path:
        return Path(self._directory) if self._directory else Path.cwd()

    def located_in(self, directory: Path) -> None:
        """Record the directory of the file this plan was read from."""
        self._directory = str(directory)

    def effective_objectives(self) -> EffectiveObjectives:
        """RTO/RPO in force; the loader guarantees each comes from objectives or tier."""
        tier = TIER_OBJECTIVES[self.tier] if self.tier else None
        obj = self.objectives or Objectives()

        def pick(own: Duration | None, tier_value: int | None, what: str) -> tuple[int, str]:
            if own is not None:
                return own.seconds, "objectives"
            if tier_value is not None and self.tier is not None:
                return tier_value, f"tier {self.tier.value}"
            raise ValueError(f"plan has no {what}")  # the loader rejects such plans

        rto, rto_src = pick(obj.rto, tier.rto_seconds if tier else None, "rto")
        rpo, rpo_src = pick(obj.rpo, tier.rpo_seconds if tier else None, "rpo")
        return EffectiveObjectives(
            rto_seconds=rto, rpo_seconds=rpo, rto_source=rto_src, rpo_source=rpo_src
        )

    def resource(self, name: str) -> ResourceBase:
        for res in self.resources:
            if res.name == name:
                return res
        raise KeyError(name)

    def experiment(self, name: str) -> Experiment:
        for exp in self.experiments:
            if exp.name == name:
                return exp
        raise KeyError(name)
