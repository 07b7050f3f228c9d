"""``efs-replication`` by hand: the readiness checks and step verifications as AWS CLI
commands."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.efs_replication.replication import id_substitution
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import EfsReplication

_LINK = (
    "'Replications[0].[SourceFileSystemId,Destinations[0].[Region,Status,LastReplicatedTimestamp]]'"
)


def _link(res: EfsReplication, ctx: RunContext, side: str, good: str) -> HandCheck:
    fs = id_substitution(res, ctx, side)
    return HandCheck(
        f"replication of the {ctx.region(side)} file system",
        f"aws efs describe-replication-configurations --file-system-id {fs} --query {_LINK} "
        f"--region {ctx.region(side)}",
        good,
    )


def _writeable(res: EfsReplication, ctx: RunContext, side: str) -> HandCheck:
    fs = id_substitution(res, ctx, side)
    return HandCheck(
        f"the {ctx.region(side)} file system is writeable",
        f"aws efs describe-file-systems --file-system-id {fs} --query "
        f"'FileSystems[0].FileSystemProtection.ReplicationOverwriteProtection' "
        f"--region {ctx.region(side)}",
        '`"ENABLED"` (writeable; `REPLICATING` is a read-only copy); '
        "describe-replication-configurations on it answers ReplicationNotFound",
    )


def _policy(res: EfsReplication, ctx: RunContext, good: str) -> HandCheck:
    fs = id_substitution(res, ctx, "primary")
    region = ctx.region("primary")
    return HandCheck(
        f"the write fence on the {region} file system",
        f"aws efs describe-file-system-policy --file-system-id {fs} --query Policy "
        f"--output text --region {region}",
        good,
    )


def prechecks(res: EfsReplication, ctx: RunContext) -> list[HandCheck]:
    p, d = ctx.region("primary"), ctx.region("dr")
    dr_fs = id_substitution(res, ctx, "dr")
    return [
        _link(
            res,
            ctx,
            "primary",
            f'`[<primary id>, ["{d}", "ENABLED", <time>]]`: replicated to {d}, ENABLED, the '
            "time (the last sync) within the RPO of now",
        ).covering(("replication", "replication-status", "replication-lag")),
        HandCheck(
            f"both file systems encrypted; the {d} copy mountable",
            f"aws efs describe-file-systems --file-system-id {dr_fs} "
            f"--query 'FileSystems[0].[Encrypted,NumberOfMountTargets]' --region {d}",
            "`[true, N]` with N at least 1 (and `Encrypted` true for the primary too, "
            f"--region {p})",
            ("encryption", "dr-mount-targets"),
        ),
        HandCheck(
            "automatic backups",
            f"aws efs describe-backup-policy --file-system-id {dr_fs} --region {d}",
            '`{"BackupPolicy": {"Status": "ENABLED"}}` (noted: the copy serves after a failover)',
            ("backup-policy",),
        ),
    ]


def verifications(res: EfsReplication, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    p, d = ctx.region("primary"), ctx.region("dr")
    if action == "failover":
        return {
            "fence-writes": [
                _policy(
                    res,
                    ctx,
                    'a statement `"Sid": "DrctlWriteFence…"` (then its UTC time), '
                    '`"Effect": "Deny"`, '
                    '`"Principal": {"AWS": "*"}`, `"Action": ["elasticfilesystem:ClientWrite"]`, '
                    "after the file system's own statements (or `DrctlDefaultAccess`, standing "
                    "for the default policy, when it had none). It governs NFS clients only; "
                    "policy changes take several minutes to take effect, and AWS does not say "
                    "whether clients already connected lose write access at once: stop the "
                    "writers too",
                )
            ],
            "await-sync": [
                _link(
                    res,
                    ctx,
                    "dr",
                    "the time is later than the fence's time (in its Sid) plus 5 minutes",
                )
            ],
            "stop-replication": [_writeable(res, ctx, "dr")],
        }
    return {
        "clear-stale-home": [
            _link(res, ctx, "primary", f'not `"ERROR"` (no record left of the old {p} to {d})')
        ],
        "replicate-home": [_link(res, ctx, "primary", f'`["{p}", "ENABLED", <time>]` from {d}')],
        "await-sync-home": [_link(res, ctx, "primary", "the time is later than the DR stop")],
        "stop-replication-home": [_writeable(res, ctx, "primary")],
        "lift-fence": [
            _policy(
                res,
                ctx,
                "no `DrctlWriteFence…` or `DrctlDefaultAccess` statement: the policy it had "
                "before the failover, or PolicyNotFound when it had none",
            )
        ],
        "replicate-dr": [_link(res, ctx, "dr", f'`["{d}", "ENABLED", <time>]` from {p}')],
    }
