"""``secret``: a Secrets Manager secret replicated to regions.dr.

Readiness: the primary replicates it to DR and the replica is ``InSync`` (``InProgress``, a
value on its way, warns); the DR copy is a
replica of the primary; the KMS key encrypting it in DR exists and is enabled -- the DR replica
of the primary's key when the primary uses a customer managed multi-Region key. Failover
promotes the DR replica when the primary's Region is down (unplanned) and leaves replication in
place when it is planned; failback brings the primary home through a replica, so that what was
written in DR is what comes home.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drctl.engine.context import RunContext
from drctl.engine.step import Check, Step
from drctl.kinds.contract import IamActions, Kind
from drctl.kinds.sandboxing import SandboxBuild
from drctl.kinds.secret import checks, failback, failover
from drctl.plan.models import Secret


class SecretKind(Kind):
    name = "secret"
    model = Secret
    iam_actions: ClassVar[IamActions] = {
        "check": ("secretsmanager:DescribeSecret", "kms:DescribeKey"),
        # ListSecretVersionIds: the DR replica's current version and its date, reported when
        # it is promoted (no value is read).
        "failover": (
            "secretsmanager:DescribeSecret",
            "secretsmanager:ListSecretVersionIds",
            "secretsmanager:StopReplicationToReplica",
        ),
        # ReplicateSecretToRegions with a customer key also needs kms:Decrypt on the source key
        # and kms:Encrypt/GenerateDataKey on the target Region's key (Secrets Manager calls
        # them on the caller's behalf).
        "failback": (
            "secretsmanager:DescribeSecret",
            "secretsmanager:ReplicateSecretToRegions",
            "secretsmanager:StopReplicationToReplica",
            "kms:Decrypt",
            "kms:Encrypt",
            "kms:GenerateDataKey",
        ),
    }
    moto_extensions = ("moto_secret_replication",)

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        return checks.checks(res, ctx)

    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        return failover.failover(res, ctx)

    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        return failback.failback(res, ctx)

    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        from drctl.kinds.secret import sandbox

        sandbox.build(b, res)


KIND = SecretKind()
