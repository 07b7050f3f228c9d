"""Which resources each IAM action of a plan's resource may touch: the ARN half of
``drctl iam-policy``.

A kind declares the IAM actions it calls (``Kind.iam_actions``); this module scopes each one
to the ARNs of the resources the plan names, per side, as narrowly as the service allows
(Service Authorization Reference, "Actions, resources, and condition keys"):

- names drctl derives from a plan name (the restore drill's ``<primary>-drill-*``, the kept
  ``<primary>-pre-failback-*``, the fencing parameter group ``drctl-fenced-<primary>``) are
  covered by a ``<name>*`` prefix;
- ``*`` only where AWS accepts no narrower resource: the ``Describe*``/``List*`` calls of
  Auto Scaling, EC2, Application Auto Scaling and ECS task definitions, ``ListHostedZonesByName``
  and ``TestDNSAnswer``, CloudWatch ``GetMetricStatistics``, and the read calls of the ARC
  control-config API;
- resources whose name the plan does not hold (the S3 replication role, the KMS key of an
  encrypted replica, a hosted zone given by name, an Aurora or DocumentDB member cluster) get
  the narrowest pattern the account allows (``role/*`` with ``iam:PassedToService``, ``key/*`` with
  ``kms:GrantIsForAWSResource``, ``hostedzone/*``, ``cluster:*`` in the side's Region).

An action this table does not know (a kind added later) gets ``*`` on both sides, so the
policy never denies what drctl calls; ``tests/kinds/test_iam_policy.py`` lists those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drctl.plan.models import Plan

SIDES = ("primary", "dr")


@dataclass(frozen=True)
class Grant:
    """One action allowed on some resources, from one side's credentials."""

    side: str  # "primary" | "dr"
    action: str
    resources: tuple[str, ...]
    condition: tuple[tuple[str, str, str], ...] = field(default=())  # (operator, key, value)


def account(plan: Plan, side: str) -> str:
    """The side's account id (from ``accounts.<side>.role_arn``), else ``*``."""
    role = getattr(plan.accounts, side, None) if plan.accounts else None
    return role.role_arn.split(":")[4] if role else "*"


def _region(plan: Plan, side: str) -> str:
    return plan.regions.primary if side == "primary" else plan.regions.dr


@dataclass(frozen=True)
class Where:
    """Each side's Region and account id, for building ARNs."""

    region: dict[str, str]
    acct: dict[str, str]

    @classmethod
    def of(cls, plan: Plan) -> Where:
        return cls({s: _region(plan, s) for s in SIDES}, {s: account(plan, s) for s in SIDES})

    def each_side(self, action: str, arns: Any) -> list[Grant]:
        """``arns(region, account)`` -> the side's ARNs, for both sides."""
        return [Grant(s, action, tuple(arns(self.region[s], self.acct[s]))) for s in SIDES]


def _both(action: str, resources: tuple[str, ...] = ("*",)) -> list[Grant]:
    return [Grant(side, action, resources) for side in SIDES]


UNSCOPED = {
    # Actions AWS authorizes only on "*" (no resource types in the Service Authorization
    # Reference), or list calls made before drctl knows a resource's id.
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeScalingActivities",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeImages",
    "ec2:DescribeSecurityGroups",
    "ecs:DescribeTaskDefinition",
    "application-autoscaling:DescribeScalableTargets",
    "cloudwatch:GetMetricStatistics",
    "route53:ListHostedZonesByName",
    "route53:TestDNSAnswer",
    "route53-recovery-control-config:ListClusters",
    "route53-recovery-control-config:ListControlPanels",
    "route53-recovery-control-config:ListRoutingControls",
    "route53-recovery-control-config:ListSafetyRules",
    "route53-recovery-control-config:DescribeCluster",
    "route53-recovery-control-config:DescribeRoutingControl",
    "ce:GetCostAndUsage",
    "sts:GetCallerIdentity",
    "ec2:DescribeInstances",
    "ec2:DescribeVolumes",
    "fis:ListExperimentTemplates",
    "fis:ListExperiments",
    "lambda:ListEventSourceMappings",
    "lambda:GetAccountSettings",
    "config:DescribeConfigRules",
    "config:DescribeConfigurationRecorders",
    "config:DescribeConfigurationRecorderStatus",
    "cloudwatch:PutMetricData",
    # Resolving a file system by its Name tag lists them all (no FileSystemId to name).
    "elasticfilesystem:DescribeFileSystems",
    # AWS Backup's list calls and job reads authorize on "*" (no resource type).
    "backup:ListBackupPlans",
    "backup:ListCopyJobs",
    "backup:DescribeRestoreJob",
}


def _rds_instance(w: Where, res: Any, action: str) -> list[Grant]:
    if action.startswith("kms:"):
        grants = w.each_side(action, lambda r, a: [f"arn:aws:kms:{r}:{a}:key/*"])
        if action == "kms:CreateGrant":
            cond = (("Bool", "kms:GrantIsForAWSResource", "true"),)
            grants = [Grant(g.side, g.action, g.resources, cond) for g in grants]
        return grants
    ids = sorted({res.primary, res.dr})

    def arns(region: str, acct: str) -> list[str]:
        base = f"arn:aws:rds:{region}:{acct}"
        found = [f"{base}:db:{i}*" for i in ids]
        found += [f"{base}:snapshot:{i}*" for i in ids] + [f"{base}:snapshot:drctl-*"]
        found += [f"{base}:pg:*", f"{base}:og:*", f"{base}:subgrp:*", f"{base}:auto-backup:*"]
        return found

    return w.each_side(action, arns)


def _global_cluster(w: Where, res: Any, action: str) -> list[Grant]:
    """Aurora and DocumentDB global clusters alike: DocumentDB's resources are rds ARNs."""

    def arns(region: str, acct: str) -> list[str]:
        return [
            f"arn:aws:rds::{acct}:global-cluster:{res.global_cluster}",
            f"arn:aws:rds:{region}:{acct}:cluster:*",
        ]

    return w.each_side(action, arns)


S3_OBJECT_ACTIONS = {
    "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
    "s3:DeleteObjectVersion", "s3:AbortMultipartUpload",
}  # fmt: skip


def _s3_bucket(w: Where, res: Any, action: str) -> list[Grant]:
    if action.startswith("iam:"):
        resources = (f"arn:aws:iam::{w.acct['primary']}:role/*",)
        if action in ("iam:GetPolicy", "iam:GetPolicyVersion"):
            resources = (f"arn:aws:iam::{w.acct['primary']}:policy/*",)
        cond: tuple[tuple[str, str, str], ...] = ()
        if action == "iam:PassRole":
            cond = (("StringEquals", "iam:PassedToService", "s3.amazonaws.com"),)
        return [Grant("primary", action, resources, cond)]
    if action.startswith("cloudwatch:"):
        return _both(action)
    suffix = "/*" if action in S3_OBJECT_ACTIONS else ""
    # Bucket ARNs carry no Region; each side reaches both buckets (failback copies DR-written
    # objects home, the canary writes in one and reads in the other).
    buckets = (f"arn:aws:s3:::{res.primary}{suffix}", f"arn:aws:s3:::{res.dr}{suffix}")
    return _both(action, buckets)


def _dynamodb_table(w: Where, res: Any, action: str) -> list[Grant]:
    if not action.startswith("dynamodb:"):
        return _both(action)
    return w.each_side(action, lambda r, a: [f"arn:aws:dynamodb:{r}:{a}:table/{res.table}"])


def _autoscaling_group(w: Where, res: Any, action: str) -> list[Grant]:
    arn = (
        f"arn:aws:autoscaling:{w.region['dr']}:{w.acct['dr']}:autoScalingGroup:*:"
        f"autoScalingGroupName/{res.dr}"
    )
    return [Grant("dr", action, (arn,))]


def _ecs_service(w: Where, res: Any, action: str) -> list[Grant]:
    base = f"arn:aws:ecs:{w.region['dr']}:{w.acct['dr']}"
    if action == "ecs:DescribeClusters":
        return [Grant("dr", action, (f"{base}:cluster/{res.cluster}",))]
    if action.startswith("ecs:"):
        return [Grant("dr", action, (f"{base}:service/{res.cluster}/{res.service}",))]
    target = f"arn:aws:application-autoscaling:{w.region['dr']}:{w.acct['dr']}:scalable-target/*"
    return [Grant("dr", action, (target,))]


def _route53(w: Where, res: Any, action: str) -> list[Grant]:
    if action in ("route53:GetHealthCheck", "route53:GetHealthCheckStatus") or action == (
        "route53:UpdateHealthCheck"
    ):
        return [Grant("primary", action, ("arn:aws:route53:::healthcheck/*",))]
    if action.startswith("route53:"):
        zone_id = getattr(res, "zone_id", None)
        zone = zone_id.rsplit("/", 1)[-1] if zone_id else "*"
        return [Grant("primary", action, (f"arn:aws:route53:::hostedzone/{zone}",))]
    return []


def _arc_routing_control(w: Where, res: Any, action: str) -> list[Grant]:
    if action.startswith("route53-recovery-cluster:"):
        controls = [c for c in (res.primary_control, res.dr_control) if c.startswith("arn:")]
        if len(controls) < 2:
            controls = [
                f"arn:aws:route53-recovery-control::{w.acct['primary']}:controlpanel/*"
                "/routingcontrol/*"
            ]
        return _both(action, tuple(controls))
    return [Grant("primary", action, ("arn:aws:route53:::hostedzone/*",))]


def _global_accelerator(w: Where, res: Any, action: str) -> list[Grant]:
    return [Grant("primary", action, (res.accelerator, f"{res.accelerator}/*"))]


# Secrets Manager calls KMS with the caller's identity when it encrypts or decrypts a secret
# (and its replicas) under a customer managed key: limited to those calls by kms:ViaService.
_KMS_VIA_SECRETS_MANAGER = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}


def _secret(w: Where, res: Any, action: str) -> list[Grant]:
    if action.startswith("kms:"):
        found = w.each_side(action, lambda r, a: [f"arn:aws:kms:{r}:{a}:key/*"])
        if action in _KMS_VIA_SECRETS_MANAGER:
            found = [
                Grant(g.side, g.action, g.resources,
                      (("StringEquals", "kms:ViaService",
                        f"secretsmanager.{w.region[g.side]}.amazonaws.com"),))
                for g in found
            ]  # fmt: skip
        return found
    # A secret's ARN ends in "-" and six random characters (Secrets Manager user guide,
    # "Resource: secret ARN"): "??????" matches exactly those, so no longer name slips in.
    return w.each_side(
        action, lambda r, a: [f"arn:aws:secretsmanager:{r}:{a}:secret:{res.secret}-??????"]
    )


def _function_arns(region: str, acct: str, function: str) -> list[str]:
    """A function and its versions and aliases (``function:NAME`` and ``function:NAME:*``);
    ``function`` may be a name, ``NAME:QUALIFIER`` or a full ARN."""
    if function.startswith("arn:"):
        base = ":".join(function.split(":")[:7])
        return [base, f"{base}:*"]
    name = function.split(":", 1)[0]
    base = f"arn:aws:lambda:{region}:{acct}:function:{name}"
    return [base, f"{base}:*"]


def _lambda_function(w: Where, res: Any, action: str) -> list[Grant]:
    if action == "lambda:UpdateEventSourceMapping":
        # Mappings are named by UUID, unknown to the plan: any mapping of this function only.
        return [
            Grant(side, action, (f"arn:aws:lambda:{w.region[side]}:{w.acct[side]}:"
                                 "event-source-mapping:*",),
                  (("ArnLike", "lambda:FunctionArn",
                    _function_arns(w.region[side], w.acct[side], res.function)[0] + "*"),))
            for side in SIDES
        ]  # fmt: skip
    return w.each_side(action, lambda r, a: _function_arns(r, a, res.function))


def _eventbridge_rules(w: Where, res: Any, action: str) -> list[Grant]:
    bus = "" if res.event_bus == "default" else f"{res.event_bus}/"
    names = {"primary": res.primary, "dr": res.dr}
    return [
        Grant(side, action,
              tuple(f"arn:aws:events:{w.region[side]}:{w.acct[side]}:rule/{bus}{n}"
                    for n in names[side]))
        for side in SIDES
    ]  # fmt: skip


def _custom_actions(res: Any) -> list[Any]:
    steps = [res.failover, *([res.failback] if res.failback else [])]
    return [a for s in steps for a in (s.check, s.run, s.verify) if a is not None]


def _custom(w: Where, res: Any, action: str) -> list[Grant]:
    found: list[Grant] = []
    for act in _custom_actions(res):
        if act.invoke is not None and action.startswith("lambda:"):
            side = act.invoke.side.value
            functions = _function_arns(w.region[side], w.acct[side], act.invoke.function)
            found.append(Grant(side, action, tuple(functions)))
        elif act.automation is not None and action.startswith("ssm:"):
            side = act.automation.side.value
            region, acct = w.region[side], w.acct[side]
            doc = act.automation.document
            name = doc.rsplit("/", 1)[-1] if doc.startswith("arn:") else doc
            # AWS-owned runbooks (AWS-*, Amazon*) have no account in their ARNs (Systems
            # Manager user guide, "Setting up identity based policies examples").
            owner = "" if name.startswith(("AWS-", "Amazon")) else acct
            document = f"arn:aws:ssm:{region}:{owner}:document/{name}"
            runbook: dict[str, tuple[str, ...]] = {
                "ssm:DescribeDocument": (document,),
                # Authorized on the runbook (its document and automation definition).
                "ssm:StartAutomationExecution": (
                    document,
                    f"arn:aws:ssm:{region}:{owner}:automation-definition/{name}:*",
                ),
                "ssm:GetAutomationExecution": (
                    f"arn:aws:ssm:{region}:{acct}:automation-execution/*",
                ),
            }
            found.append(Grant(side, action, runbook[action]))
    return found


def _efs_replication(w: Where, res: Any, action: str) -> list[Grant]:
    """File systems by ``file-system/*`` of each side: a plan may name them by Name tag, and
    after a failover the DR copy is found by its tag, so their ids are AWS's to say."""
    return w.each_side(action, lambda r, a: [f"arn:aws:elasticfilesystem:{r}:{a}:file-system/*"])


_ELASTICACHE_CREATES = {
    "elasticache:CreateReplicationGroup",
    "elasticache:CreateGlobalReplicationGroup",
    "elasticache:CreateSnapshot",
}

_ELASTICACHE_NAMED_BY_TYPE = (
    "parametergroup",
    "subnetgroup",
    "securitygroup",
    "snapshot",
    "usergroup",
)


def _elasticache_global(w: Where, res: Any, action: str) -> list[Grant]:
    """The datastore (global ARNs carry no Region; AWS prefixes the plan's name, so
    ``*<name>``), the two member groups and their cache clusters (``<group>-NNN-NNN``). A
    group drctl re-creates also names its parameter, subnet and security groups and its
    snapshot, which the plan does not hold: those by type, in the side's Region."""
    if not action.startswith("elasticache:"):
        return _both(action)
    groups = sorted({res.primary, res.dr})

    def arns(region: str, acct: str) -> list[str]:
        base = f"arn:aws:elasticache:{region}:{acct}"
        found = [f"arn:aws:elasticache::{acct}:globalreplicationgroup:*{res.global_datastore}"]
        found += [f"{base}:replicationgroup:{g}" for g in groups]
        found += [f"{base}:cluster:{g}-*" for g in groups]
        if action in _ELASTICACHE_CREATES:
            found += [f"{base}:{t}:*" for t in _ELASTICACHE_NAMED_BY_TYPE]
        return found

    return w.each_side(action, arns)


def _backup_vault(w: Where, res: Any, action: str) -> list[Grant]:
    """Each side's vault by name; backup plans and recovery points by type in the side's
    Region and account (their ids are AWS's); the role handed to AWS Backup only to it; the
    restore drill's throw-away tables by the ``<table>-drill-`` prefix it names them with."""
    if action == "iam:PassRole":
        cond = (("StringEquals", "iam:PassedToService", "backup.amazonaws.com"),)
        return [
            Grant(side, action, (f"arn:aws:iam::{w.acct[side]}:role/{res.iam_role}",), cond)
            for side in SIDES
        ]
    if action.startswith("kms:"):
        return w.each_side(action, lambda r, a: [f"arn:aws:kms:{r}:{a}:key/*"])
    if action.startswith("dynamodb:"):
        tables = [arn.split(":table/", 1)[1] for arn in res.resources if ":table/" in arn]
        dr, acct = w.region["dr"], w.acct["dr"]
        found = [Grant("dr", action, tuple(f"arn:aws:dynamodb:{dr}:{acct}:table/{t}-drill-*"
                                           for t in tables))]  # fmt: skip
        # The drill compares with the source's keys and counts its items.
        if action in ("dynamodb:DescribeTable", "dynamodb:Scan"):
            sources = tuple(arn for arn in res.resources if ":table/" in arn)
            found.append(Grant("primary", action, sources))
        return found
    vaults = {"primary": res.vault, "dr": res.dr_vault}
    if action in ("backup:DescribeBackupVault", "backup:ListRecoveryPointsByBackupVault"):
        return [
            Grant(side, action,
                  (f"arn:aws:backup:{w.region[side]}:{w.acct[side]}:backup-vault:{vaults[side]}",))
            for side in SIDES
        ]  # fmt: skip
    if action == "backup:StartRestoreJob":
        return w.each_side(action, lambda r, a: [f"arn:aws:backup:{r}:{a}:recovery-point:*"])
    return w.each_side(action, lambda r, a: [f"arn:aws:backup:{r}:{a}:backup-plan:*"])


# Kinds whose scope names every resource an action may touch: no grant means the resource
# never calls it (a custom step made only of local commands needs no lambda:InvokeFunction).
COMPLETE_SCOPES = {"custom"}

SCOPES = {
    "rds-instance": _rds_instance,
    "aurora-global": _global_cluster,
    "documentdb-global": _global_cluster,
    "s3-bucket": _s3_bucket,
    "dynamodb-table": _dynamodb_table,
    "autoscaling-group": _autoscaling_group,
    "ecs-service": _ecs_service,
    "route53-record": _route53,
    "arc-routing-control": _arc_routing_control,
    "global-accelerator": _global_accelerator,
    "secret": _secret,
    "lambda-function": _lambda_function,
    "eventbridge-rules": _eventbridge_rules,
    "custom": _custom,
    "efs-replication": _efs_replication,
    "elasticache-global": _elasticache_global,
    "backup-vault": _backup_vault,
}


def grants(plan: Plan, res: Any, action: str) -> list[Grant]:
    """The grants that let drctl call ``action`` on ``res`` of ``plan``."""
    w = Where.of(plan)
    if action in UNSCOPED:
        side_of = {"autoscaling", "ec2", "ecs", "application-autoscaling"}
        if action.split(":")[0] in side_of:
            return [Grant("dr", action, ("*",))]
        if action.startswith("route53"):
            return [Grant("primary", action, ("*",))]
        return _both(action)
    scope = SCOPES.get(res.kind)
    found = scope(w, res, action) if scope else []
    if res.kind in COMPLETE_SCOPES:
        return found
    return found or _both(action)
