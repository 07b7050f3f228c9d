"""``drctl iam-policy``: the least-privilege IAM policy for what drctl calls for one plan.

The actions come from the kinds (``Kind.iam_actions``, by use) and from what the plan itself
adds (SNS notifications, FIS experiments, an S3 state backend); their resources from
:mod:`drctl.kinds.iam_scope`. Which uses a command needs:

- ``check``: every resource's ``check`` actions (plus reading the experiments' stop-condition
  alarms);
- ``failover`` / ``failback``: the resources' ``failover`` / ``failback`` actions, the
  notifications, the state backend;
- ``test``: per drill -- ``checks``: ``check``; ``restore``: the resource's ``restore``;
  ``replication``: its ``canary``; ``experiment``: FIS; ``failover``: failover and failback;
- ``check`` also covers ``check --publish`` (``cloudwatch:PutMetricData`` in regions.dr, only
  in drctl's namespace) and ``check --policy`` (the kinds' reads);
- ``cleanup``: the resources' ``cleanup`` actions (finding and deleting what failback kept);
- ``schedule``, ``cost``, ``alarms`` (``alarms apply``) and ``compliance`` (``compliance
  rules|status``): what those commands read and change (:mod:`drctl.drills.iam_ops`);
- ``discover`` (asked for by name only): what ``plan init --discover`` reads
  (:func:`drctl.drills.discovery.iam_actions`), on ``*``.

With ``accounts`` in the plan there is one policy per role (a role that serves both sides gets
one policy); without, one policy for whoever runs drctl. ``tests/kinds/test_iam_policy.py``
runs every example plan's actions in the sandbox with every call recorded and proves each
policy covers every call and grants nothing no run used (beyond the path-dependent actions
listed in :data:`CONDITIONAL`). It sits on the drills floor because it reads the kind
registry and the plan's drills.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from drctl.drills.iam_ops import OPS, ops_grants
from drctl.engine.publish import NAMESPACE as PUBLISH_NAMESPACE
from drctl.engine.publish import SIDE as PUBLISH_SIDE
from drctl.kinds.iam_scope import SIDES, Grant, Where, account, grants
from drctl.kinds.registry import KindRegistry
from drctl.plan.models import DrillType, Plan

ACTIONS = ("check", "failover", "failback", "test", "cleanup", *OPS)
# Asked for by name only (not in the default "all"): discovery runs before a plan exists, to
# write one, and reads on "*" what the other commands read on the plan's ARNs.
DISCOVER = "discover"

# Actions a policy grants that only some runs call: granted because the path that needs them
# can be taken by that plan, tested to be declared for a reason (each one says which).
CONDITIONAL = {
    "events:ListRules": "drctl export/deploy stepfunctions: where each rule sits in the listing",
    "rds:CreateDBParameterGroup": "fencing an instance on a default parameter group",
    "rds:DescribeDBParameters": "fencing: reading the parameter group's read_only value",
    "rds:RebootDBInstance": "fencing an instance whose parameter group change is pending-reboot",
    "rds:DescribeDBSnapshots": "snapshot recovery and the restore drill from a snapshot",
    "rds:RestoreDBInstanceFromDBSnapshot": "snapshot recovery (recovery: snapshot)",
    "rds:RestoreDBInstanceToPointInTime": "restore drill from replicated automated backups",
    "rds:StartDBInstanceAutomatedBackupsReplication": "restore drill: backups not replicated yet",
    "rds:AddTagsToResource": "restore drill: tagging the throw-away copy",
    "rds:DescribeDBInstanceAutomatedBackups": "point-in-time restore sources",
    "rds:FailoverGlobalCluster": "unplanned failover of an Aurora or DocumentDB global cluster",
    "rds:CopyDBParameterGroup": "fencing: copying a custom parameter group",
    "rds:ModifyDBParameterGroup": "fencing: setting read_only",
    "rds:CreateDBInstanceReadReplica": "failback: re-creating the replica in the primary Region",
    "rds:PromoteReadReplica": "failover/failback of a replicated instance",
    "rds:DescribeDBInstances": "failback of an instance drctl can fail back (not a restored one)",
    "rds:DescribeDBParameterGroups": "fencing a reachable primary (not taken by snapshot recovery)",
    "rds:ModifyDBInstance": "fencing a reachable primary (not taken by snapshot recovery)",
    "kms:DescribeKey": "failback of an encrypted instance (the replica's key in the primary)",
    "kms:CreateGrant": "failback of an encrypted instance (RDS uses the key for the replica)",
    "iam:GetRole": "reading the S3 replication role's permissions",
    "iam:GetRolePolicy": "reading the S3 replication role's inline policies",
    "iam:ListRolePolicies": "reading the S3 replication role's inline policies",
    "iam:ListAttachedRolePolicies": "reading the S3 replication role's managed policies",
    "iam:GetPolicy": "reading a managed policy attached to the replication role",
    "iam:GetPolicyVersion": "reading a managed policy attached to the replication role",
    "iam:PassRole": "failback: handing the reverse replication role to S3",
    "iam:CreateRole": "failback: creating the reverse replication role when it is missing",
    "iam:PutRolePolicy": "failback: the reverse replication role's permissions",
    "s3:GetObject": "failback: copying objects written in DR home; canary reads",
    "s3:GetObjectVersion": "failback: copying a given version of an object home",
    "s3:PutObject": "failback copy and the replication canary",
    "s3:DeleteObject": "failback copy cleanup and removing a canary",
    "s3:DeleteObjectVersion": "removing every version of a canary",
    "s3:AbortMultipartUpload": "failback: abandoning a failed multipart copy",
    "s3:ListBucket": "failback: listing objects written in DR",
    "s3:ListBucketVersions": "failback and canary: object versions",
    "route53:GetHostedZone": "a plan that gives zone_id instead of a zone name",
    "route53:GetHealthCheckStatus": "health-check status of a record or routing control",
    "route53-recovery-control-config:DescribeCluster": "a cluster given by ARN",
    "route53-recovery-control-config:ListClusters": "a cluster given by name",
    "route53-recovery-control-config:ListControlPanels": "a control panel given by name",
    "route53-recovery-control-config:ListRoutingControls": "routing controls given by name",
    "route53-recovery-control-config:DescribeRoutingControl": "routing controls given by ARN",
    "dynamodb:PutItem": "replication canary, and the S3 state backend's lock table",
    "dynamodb:GetItem": "replication canary, and the S3 state backend's lock table",
    "dynamodb:DeleteItem": "replication canary, and the S3 state backend's lock table",
    "elasticfilesystem:PutFileSystemPolicy": "efs-replication failback: restoring the home "
    "file system's own policy (one without a policy before the fence gets it deleted)",
    "elasticfilesystem:DeleteFileSystemPolicy": "efs-replication failback: lifting the fence "
    "from a file system that had no policy of its own",
    "fis:StopExperiment": "an experiment drill that times out",
    "fis:UpdateExperimentTemplate": "an experiment whose plan definition changed",
    "fis:ListExperiments": "finding an experiment still running",
    "cloudwatch:GetMetricStatistics": "lag readings that only some plans take",
    "autoscaling:UpdateAutoScalingGroup": "restoring a group's recorded capacity",
    "autoscaling:DescribeAutoScalingGroups": "reading a group",
    "ecs:ListTasks": "ecs-service: a scaling step still waiting for its tasks reads the stopped "
    "ones",
    "ecs:DescribeTasks": "ecs-service: why stopped tasks stopped (tasks that failed to start)",
    "kms:Decrypt": "secret kind: a secret encrypted with a customer managed key (Secrets "
    "Manager uses the key as the caller)",
    "kms:Encrypt": "secret kind: replicating a secret encrypted with a customer managed key",
    "kms:GenerateDataKey": "secret kind: replicating a secret encrypted with a customer managed "
    "key",
    "lambda:PutFunctionConcurrency": "lambda-function kind: restoring a recorded reserved "
    "concurrency",
    "elasticache:DeleteGlobalReplicationGroup": "elasticache-global kind: failback after an "
    "unplanned failover retires the datastore home was left alone in",
    "elasticache:CreateGlobalReplicationGroup": "elasticache-global kind: failback after an "
    "unplanned failover forms the datastore again from DR",
    "elasticache:DeleteReplicationGroup": "elasticache-global kind: failback after an unplanned "
    "failover replaces the stale home group",
    "elasticache:CreateSnapshot": "elasticache-global kind: the final snapshot of the replaced "
    "home group",
    "elasticache:CreateReplicationGroup": "elasticache-global kind: failback after an unplanned "
    "failover creates home again as a secondary",
    "elasticache:DescribeCacheClusters": "elasticache-global kind: where the replaced home "
    "group's nodes ran (subnet group, security groups)",
    "secretsmanager:ReplicateSecretToRegions": "secret kind: re-protecting a promoted secret "
    "(replica back in the other Region)",
    "secretsmanager:StopReplicationToReplica": "secret kind: promoting a replica secret",
    "rds:DescribeDBSubnetGroups": "check of snapshot recovery with a placement (subnet group)",
    "ec2:DescribeSecurityGroups": "check of snapshot recovery with a placement (security groups)",
    "rds:ListTagsForResource": "fencing: the original group a drctl-fenced-* copy replaced",
    "rds:CreateDBSnapshot": "failback of an instance restored from a snapshot",
    "rds:CopyDBSnapshot": "failback of an instance restored from a snapshot",
    "s3:GetBucketLogging": "check --policy: S3 access logging (a compliance control)",
    "sns:GetTopicAttributes": "check: the alarms' topic, read on the side whose Region it is in",
    "cloudwatch:DescribeAlarms": "check: the plan's alarms, read on each side",
    "sts:GetCallerIdentity": "check: the account the alarms' topic must belong to",
    "application-autoscaling:RegisterScalableTarget": "an ECS service whose scalable target's "
    "minimum is above 0 (schedule), or that needs more capacity (failover)",
    "ec2:StopInstances": "schedule stop: running instances tagged schedulable for the app",
    "ec2:StartInstances": "schedule start: instances the schedule stopped",
    "ec2:DescribeInstances": "schedule start: the stopped instances' states",
    "ecs:UpdateService": "schedule: a service tagged schedulable",
}


@dataclass(frozen=True)
class SidePolicy:
    """One policy document, for the role of one or both sides."""

    sides: tuple[str, ...]
    account: str
    role_arn: str | None
    document: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "sides": list(self.sides),
            "account": self.account,
            "role_arn": self.role_arn,
            "policy": self.document,
        }

    def actions(self) -> set[str]:
        return {a for st in self.document["Statement"] for a in st["Action"]}


def _kind_uses(plan: Plan, action: str) -> list[tuple[Any, str]]:
    """(resource, use) pairs whose kind's IAM actions the command needs."""
    everyone = [r for r in plan.resources]
    if action in ("check", "failover", "failback", "cleanup", "compliance", "alarms"):
        return [(r, action) for r in everyone]
    pairs: list[tuple[Any, str]] = []
    by_name = {r.name: r for r in everyone}
    for drill in plan.drills:
        if drill.type is DrillType.CHECKS:
            pairs += [(r, "check") for r in everyone]
        elif drill.type is DrillType.FAILOVER:
            pairs += [(r, use) for r in everyone for use in ("failover", "failback")]
        elif drill.resource in by_name:
            use = "restore" if drill.type is DrillType.RESTORE else "canary"
            if drill.type in (DrillType.RESTORE, DrillType.REPLICATION):
                pairs.append((by_name[drill.resource], use))
    return pairs


def _side_of_region(plan: Plan, region: str) -> tuple[str, ...]:
    if region == plan.regions.primary:
        return ("primary",)
    if region == plan.regions.dr:
        return ("dr",)
    return SIDES


def _plan_grants(plan: Plan, action: str) -> list[Grant]:
    """What the plan adds beyond its resources: notifications, experiments, state backend."""
    found: list[Grant] = []
    w = Where.of(plan)
    journaled = action in ("failover", "failback", "test")  # runs that notify and journal
    if action == "check":
        # check --publish: metrics in regions.dr, only in drctl's namespace.
        found.append(
            Grant(PUBLISH_SIDE, "cloudwatch:PutMetricData", ("*",),
                  (("StringEquals", "cloudwatch:namespace", PUBLISH_NAMESPACE),))
        )  # fmt: skip
    if plan.notifications and action == "check":
        # drctl check's alarm checks (drctl.drills.alarms.IAM_ACTIONS["check"]).
        topic = plan.notifications.sns_topic_arn
        for side in SIDES:
            alarms = f"arn:aws:cloudwatch:{w.region[side]}:{w.acct[side]}:alarm:*"
            found += [
                Grant(side, "cloudwatch:DescribeAlarms", (alarms,)),
                Grant(side, "sns:GetTopicAttributes", (topic,)),
                Grant(side, "sts:GetCallerIdentity", ("*",)),
            ]
    if plan.notifications and journaled:
        topic = plan.notifications.sns_topic_arn
        for side in _side_of_region(plan, topic.split(":")[3]):
            found.append(Grant(side, "sns:Publish", (topic,)))
    experiments = {e.name: e for e in plan.experiments}
    drilled = [
        experiments[d.experiment]
        for d in plan.drills
        if d.type is DrillType.EXPERIMENT and d.experiment in experiments
    ]
    for exp in plan.experiments if action == "check" else drilled if action == "test" else []:
        side = exp.region.value
        region, acct = w.region[side], w.acct[side]
        stop_alarms = tuple(
            f"arn:aws:cloudwatch:{region}:{acct}:alarm:{c.alarm}" for c in exp.stop_conditions
        )
        if stop_alarms:
            found.append(Grant(side, "cloudwatch:DescribeAlarms", stop_alarms))
        if action != "test":
            continue
        fis = f"arn:aws:fis:{region}:{acct}"
        found += [
            Grant(side, "fis:ListExperimentTemplates", ("*",)),
            Grant(side, "fis:ListExperiments", ("*",)),
            Grant(side, "fis:CreateExperimentTemplate", (f"{fis}:experiment-template/*",
                                                           f"{fis}:action/*")),
            Grant(side, "fis:UpdateExperimentTemplate", (f"{fis}:experiment-template/*",)),
            Grant(side, "fis:StartExperiment", (f"{fis}:experiment-template/*",
                                                  f"{fis}:experiment/*")),
            Grant(side, "fis:GetExperiment", (f"{fis}:experiment/*",)),
            Grant(side, "fis:StopExperiment", (f"{fis}:experiment/*",)),
            Grant(side, "iam:PassRole", (exp.role_arn,),
                  (("StringEquals", "iam:PassedToService", "fis.amazonaws.com"),)),
        ]  # fmt: skip
    if plan.state and plan.state.backend.value == "s3" and plan.state.bucket and journaled:
        bucket = f"arn:aws:s3:::{plan.state.bucket}"
        for side in SIDES:
            found += [
                Grant(side, "s3:GetBucketLocation", (bucket,)),
                Grant(side, "s3:ListBucket", (bucket,)),
                Grant(side, "s3:GetObject", (f"{bucket}/*",)),
                Grant(side, "s3:PutObject", (f"{bucket}/*",)),
                Grant(side, "s3:DeleteObject", (f"{bucket}/*",)),
            ]
            if plan.state.lock_table:
                table = f"arn:aws:dynamodb:*:{w.acct[side]}:table/{plan.state.lock_table}"
                for op in ("PutItem", "GetItem", "DeleteItem"):
                    found.append(Grant(side, f"dynamodb:{op}", (table,)))
    return found


def _discover_grants(kinds: KindRegistry) -> list[Grant]:
    """``plan init --discover`` re-finding the plan's resources: read-only calls that list
    what no plan names yet (every kind that discovers is asked, whatever the plan holds), so
    on ``*``; one caller reads both Regions."""
    from drctl.drills.discovery import iam_actions

    return [Grant(side, action, ("*",)) for action in iam_actions(kinds) for side in SIDES]


def plan_grants(plan: Plan, action: str, kinds: KindRegistry) -> list[Grant]:
    """Every grant the command ``action`` needs for ``plan``."""
    if action == DISCOVER:
        return _discover_grants(kinds)
    found: list[Grant] = []
    if action in OPS:
        found = ops_grants(plan, action)
        if action not in ("compliance", "alarms") or not found:
            return found  # (alarms without a topic: alarms apply refuses, calls nothing)
    for res, use in _kind_uses(plan, action):
        for iam in kinds.get(res.kind).iam_actions.get(use, ()):
            found += grants(plan, res, iam)
    return found + _plan_grants(plan, action)


def _without_covered(arns: Iterable[str]) -> list[str]:
    """Sorted, without a pattern another one already matches (``db:shop-orders-dr*`` is in
    ``db:shop-orders*``)."""
    wild = [a[:-1] for a in arns if a.endswith("*")]
    return sorted(a for a in set(arns) if not any(a != w + "*" and a.startswith(w) for w in wild))


Scope = tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]]  # (resources, condition)


def _document(grants_: Iterable[Grant]) -> dict[str, Any]:
    """Grants -> a policy document: actions sharing resources and condition form one statement,
    then statements with the same actions and condition merge their resources."""
    by_scope: dict[Scope, set[str]] = defaultdict(set)
    for g in grants_:
        by_scope[(tuple(sorted(set(g.resources))), g.condition)].add(g.action)
    by_actions: dict[tuple[tuple[str, ...], Any], set[str]] = defaultdict(set)
    for (resources, cond), acts in by_scope.items():
        by_actions[(tuple(sorted(acts)), cond)].update(resources)
    statements = []
    ordered = sorted(by_actions.items(), key=lambda kv: (kv[0][0], sorted(kv[1])))
    for n, ((names, cond), arns) in enumerate(ordered, start=1):
        listed = _without_covered(arns)
        statement: dict[str, Any] = {
            "Sid": f"Drctl{n}",
            "Effect": "Allow",
            "Action": list(names),
            "Resource": listed if len(listed) > 1 else listed[0],
        }
        if cond:
            conditions: dict[str, dict[str, str]] = defaultdict(dict)
            for op, key, value in cond:
                conditions[op][key] = value
            statement["Condition"] = dict(conditions)
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def policies(plan: Plan, action: str | None, kinds: KindRegistry) -> list[SidePolicy]:
    """The policy per role for ``action`` (None: every action drctl can run on the plan)."""
    found: list[Grant] = []
    for act in (action,) if action else ACTIONS:
        found += plan_grants(plan, act, kinds)
    roles: dict[str | None, list[str]] = defaultdict(list)
    for side in SIDES:
        role = getattr(plan.accounts, side, None) if plan.accounts else None
        roles[role.role_arn if role else None].append(side)
    result = []
    for role_arn, sides in roles.items():
        mine = [g for g in found if g.side in sides]
        if mine:
            result.append(
                SidePolicy(tuple(sides), account(plan, sides[0]), role_arn, _document(mine))
            )
    return result
