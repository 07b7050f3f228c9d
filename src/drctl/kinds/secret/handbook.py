"""``secret`` by hand: the readiness checks and step verifications as AWS CLI commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import Secret


def _replication(res: Secret, source: str, target: str, good: str) -> HandCheck:
    return HandCheck(
        f"replication of {res.secret} to {target}",
        f"aws secretsmanager describe-secret --secret-id {res.secret} --query "
        f"\"ReplicationStatus[?Region=='{target}'].[Status,KmsKeyId]\" --region {source}",
        good,
    )


def _standalone(res: Secret, region: str) -> HandCheck:
    return HandCheck(
        f"{res.secret} is a standalone secret in {region}",
        f"aws secretsmanager describe-secret --secret-id {res.secret} "
        f"--query '[PrimaryRegion,ReplicationStatus]' --region {region}",
        f'`["{region}", null]`: its own primary, replicating to nothing yet',
    )


def prechecks(res: Secret, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    return [
        _replication(
            res,
            p,
            d,
            '`[["InSync", "<key>"]]`: replicated and in sync (`InProgress`: a new value is '
            f"still on its way to {d}; a promotion now would keep the older one)",
        ).covering(("replication",)),
        HandCheck(
            f"the copy in {d}",
            f"aws secretsmanager describe-secret --secret-id {res.secret} "
            f"--query '[PrimaryRegion,KmsKeyId]' --region {d}",
            f'`"{p}"` (a replica of the primary) and its KMS key',
            ("dr-replica",),
        ),
        HandCheck(
            f"the KMS key of the copy in {d}",
            "aws kms describe-key --key-id <kms-key-of-the-dr-copy> "
            f"--query 'KeyMetadata.[KeyState,Enabled]' --region {d}",
            '`["Enabled", true]` (the default `aws/secretsmanager` key is always usable)',
            ("dr-kms-key",),
        ),
    ]


def verifications(res: Secret, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    p, d = ctx.region("primary"), ctx.region("dr")
    if action == "failover":
        return {
            "replica-in-sync": [_replication(res, p, d, '`[["InSync", ...]]`')],
            "promote-dr": [_standalone(res, d)],
        }
    return {
        "replicate-home": [_replication(res, d, p, '`[["InSync", ...]]`')],
        "promote-home": [_standalone(res, p)],
        "replicate-dr": [_replication(res, p, d, '`[["InSync", ...]]`')],
    }
