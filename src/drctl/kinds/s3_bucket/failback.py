"""Failback of ``s3-bucket``: re-protect DR -> primary, then bring home what changed in DR.

1. ``reprotect``: a replication rule on the DR bucket to the primary bucket, so new writes
   flow home while traffic is still in DR. It runs under its own role: the plan's
   ``reverse_role`` (checked: it must trust S3 and allow DR -> primary), or a role drctl
   creates, ``drctl-<name>-s3-failback``, allowed exactly that direction. The primary's role
   is not reused: it is allowed primary -> DR only, and S3 would mark every object FAILED.
2. ``sync-home``: S3 replicates only objects written after a rule exists, so what DR received
   during the outage is compared version by version with home: an object whose latest DR
   version is not home (overwritten or new in DR) is copied, keeping its metadata (in parts
   above 5 GB: CopyObject takes at most 5 GB); a key deleted in DR is deleted at home. The
   listing is read once; polling checks only the keys it acted on.

Both run while the application still serves from DR: they are preparation, not downtime,
and not counted in the failback's RTO (:attr:`drctl.engine.step.Step.preparation`).

The rule stays afterwards: with the original primary -> DR rule it makes a two-way
replication, which S3 supports and which keeps both sides in step.
"""

from __future__ import annotations

from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Phase, Precheck, Step, StepOutcome, Verification
from drctl.errors import AwsError
from drctl.kinds.s3_bucket import api, declarative, role_policy
from drctl.kinds.steps import aws_step
from drctl.plan.models import S3Bucket

NAME = "s3-bucket"
SYNC_LIMIT = 1000
MULTIPART_THRESHOLD = 5 * 1024**3  # CopyObject copies at most 5 GB in one request
PART_SIZE = 512 * 1024**2


def failback_steps(res: S3Bucket, ctx: RunContext) -> list[Step]:
    return [_reprotect(res, ctx), _sync_home(res, ctx)]


def _rule_id(res: S3Bucket) -> str:
    return f"drctl-{res.name}-to-primary"


def failback_role_name(res: S3Bucket) -> str:
    return f"drctl-{res.name}-s3-failback"


def reverse_role(res: S3Bucket, ctx: RunContext) -> str:
    """The role for DR -> primary: the plan's (verified) or one drctl creates."""
    iam = ctx.client("iam", "primary")
    if res.reverse_role is None:
        return api.create_replication_role(iam, failback_role_name(res), res.dr, res.primary)
    docs = api.role_documents(iam, res.reverse_role)
    if docs is None:
        raise AwsError(
            f"{res.name}: reverse_role {res.reverse_role} does not exist",
            hint="create it, or remove reverse_role and drctl creates one",
        )
    needs = api.replication_needs(res.dr, res.primary)
    found = role_policy.problems(docs.trust, docs.policies, needs, docs.boundary)
    if found:
        raise AwsError(
            f"{res.name}: reverse_role {res.reverse_role} cannot replicate {res.dr} -> "
            f"{res.primary}: " + "; ".join(found),
            hint="S3 would mark every object FAILED and never retry: fix the role and resume",
        )
    if res.reverse_role.startswith("arn:"):
        return res.reverse_role
    return str(iam.get_role(RoleName=res.reverse_role)["Role"]["Arn"])


def _reprotect(res: S3Bucket, ctx: RunContext) -> Step:
    dr = ctx.client("s3", "dr")
    region = ctx.region("dr")

    def present() -> bool:
        return bool(api.enabled_rules_to(api.replication_rules(dr, res.dr), res.primary))

    def precheck() -> Precheck:
        done = present()
        now = "DR bucket replicates to the primary" if done else "no rule DR -> primary"
        return Precheck(done, now, f"enabled replication rule {res.dr} -> {res.primary}")

    def run() -> StepOutcome:
        role = reverse_role(res, ctx)
        config = api.replication_config(dr, res.dr)
        others = [r for r in (config or {}).get("Rules", []) if r.get("ID") != _rule_id(res)]
        if others and config and config.get("Role") not in (None, role):
            raise AwsError(
                f"{res.name}: {res.dr} already replicates under role {config.get('Role')} "
                f"(rules {', '.join(str(r.get('ID')) for r in others)}); a bucket has one "
                "replication role",
                hint=f"set reverse_role to a role allowed every direction {res.dr} replicates",
            )
        api.add_rule(dr, res.dr, _rule_id(res), res.primary, role)
        return StepOutcome(detail=f"rule {_rule_id(res)}: {res.dr} -> {res.primary}, role {role}")

    def verify() -> Verification:
        return Verification(present(), f"replication {res.dr} -> {res.primary}")

    role_text = res.reverse_role or f"drctl-{res.name}-s3-failback (created)"
    return aws_step(
        resource=res.name,
        kind=NAME,
        action="reprotect",
        phase=Phase.DATA,
        description=f"Replicate {res.dr} back to {res.primary}: add an enabled replication "
        f"rule on the DR bucket under role {role_text}",
        cli=[
            f"# reverse.json: the configuration of {res.dr} as it is (aws s3api "
            f"get-bucket-replication --bucket {res.dr} --region {region}; none yet: Rules "
            f"empty) with Role set to {role_text} and the rule {_rule_id(res)} added: "
            f"Status Enabled, Filter empty, DeleteMarkerReplication Enabled, Destination "
            f"Bucket arn:aws:s3:::{res.primary} (a bucket has one replication configuration: "
            "putting this rule alone would drop the others)",
            f"aws s3api put-bucket-replication --bucket {res.dr} --replication-configuration "
            f"file://reverse.json --region {region}",
        ],
        where=f"{res.name} (s3 {region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=10.0,
        preparation=True,  # DR keeps serving; new writes replicate home from now on
        sfn=lambda: declarative.reprotect(
            res, ctx, failback_role_name(res), lambda: reverse_role(res, ctx)
        ),
    )


def _differences(res: S3Bucket, dr: Any, home: Any) -> list[tuple[str, str, int, str]]:
    """(action "copy" | "delete", key, size, DR version id) where home differs from DR's
    latest version: one full listing of each side."""
    theirs, ours = api.latest_versions(dr, res.dr), api.latest_versions(home, res.primary)
    found = []
    for key, version in sorted(theirs.items()):
        mine = ours.get(key)
        if version["DeleteMarker"]:
            if mine is not None and not mine["DeleteMarker"]:
                found.append(("delete", key, 0, str(version["VersionId"])))
            continue
        if mine is not None and mine["VersionId"] == version["VersionId"]:
            continue  # a replica: same version on both sides
        if (
            mine is not None
            and not mine["DeleteMarker"]
            and api.synced_from(home, res.primary, key) == version["VersionId"]
        ):
            continue  # copied home by an earlier run
        found.append(("copy", key, int(version["Size"]), str(version["VersionId"])))
    return found


def _sync_home(res: S3Bucket, ctx: RunContext) -> Step:
    dr, primary = ctx.client("s3", "dr"), ctx.client("s3", "primary")
    p_region = ctx.region("primary")
    plan: list[tuple[str, str, int, str]] = []
    listed: list[bool] = []

    def differences() -> list[tuple[str, str, int, str]]:
        if not listed:
            plan.extend(_differences(res, dr, primary))
            listed.append(True)
        return plan

    def precheck() -> Precheck:
        gaps = differences()
        if not gaps:
            return Precheck(True, f"home {res.primary} holds every latest version of {res.dr}", "")
        return Precheck(False, f"{len(gaps)} keys differ from {res.dr}", "none")

    def run() -> StepOutcome:
        todo = differences()[:SYNC_LIMIT]
        copied = deleted = multipart = 0
        for action, key, size, version in todo:
            if action == "delete":
                api.delete_current(primary, res.primary, key)
                deleted += 1
                continue
            parts = api.copy_version(
                primary,
                dr,
                res.dr,
                key,
                version,
                size,
                res.primary,
                multipart_threshold=MULTIPART_THRESHOLD,
                part_size=PART_SIZE,
            )
            copied += 1
            multipart += parts > 1
        note = (
            f"copied {copied} ({multipart} in parts), deleted {deleted}: {res.dr} -> {res.primary}"
        )
        if len(differences()) > SYNC_LIMIT:
            note += f"; {len(differences()) - SYNC_LIMIT} more differ: run S3 Batch Replication"
        return StepOutcome(
            detail=note, data={"copied": copied, "deleted": deleted, "multipart": multipart}
        )

    def verify() -> Verification:
        # Only the keys acted on: polling never re-lists the bucket.
        wrong = []
        for action, key, _, version in plan[:SYNC_LIMIT]:
            if action == "delete":
                if api.object_exists(primary, res.primary, key):
                    wrong.append(key)
            elif api.synced_from(primary, res.primary, key) != version:
                wrong.append(key)
        return Verification(not wrong, f"{len(wrong)} of {len(plan)} keys not yet as in DR")

    return aws_step(
        resource=res.name,
        kind=NAME,
        action="sync-home",
        phase=Phase.DATA,
        description=f"Bring home what changed in {res.dr} during the outage, version by "
        f"version: copy objects whose latest version is not in {res.primary} (in parts over "
        "5 GB), delete what was deleted in DR (S3 replicates only objects written after a "
        "rule exists)",
        cli=[
            f"aws s3 sync s3://{res.dr} s3://{res.primary} --delete --source-region "
            f"{ctx.region('dr')} --region {p_region}"
        ],
        where=f"{res.name} (s3 {p_region})",
        precheck=precheck,
        run=run,
        verify=verify,
        poll_seconds=10.0,
        preparation=True,  # copying home while DR serves; the reverse rule keeps it current
        sfn=lambda: declarative.sync_home(res, ctx),
    )
