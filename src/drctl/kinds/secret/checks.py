"""Readiness of a replicated secret: replicated to DR and ``InSync`` (``InProgress`` warns:
replication to a replica Region is asynchronous, a value just written is on its way), the DR
copy a replica of the primary, and the KMS key it is encrypted with in DR there and usable --
the multi-Region replica of the primary's key when the primary uses a customer managed
multi-Region key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import Check, CheckResult, failed, passed, warned
from drctl.kinds.secret import api
from drctl.kinds.secret.topology import NAME, Side, read
from drctl.kinds.steps import check_maker
from drctl.plan.models import Secret


def checks(res: Secret, ctx: RunContext) -> list[Check]:
    home, dr = ctx.region("primary"), ctx.region("dr")

    def side(name: str) -> Side:
        return ctx.memo.get(("secret", name, res.secret), lambda: read(res, ctx, name))

    def replication() -> CheckResult:
        origin = side("primary")
        if not origin.exists:
            return failed(f"no secret {res.secret} in {home}")
        if not origin.is_primary:
            return failed(f"{res.secret} in {home} is a {origin.text()}: not the primary")
        entry = origin.replica_in(dr)
        if entry is None:
            return failed(
                f"{res.secret} is not replicated to {dr}: aws secretsmanager "
                f"replicate-secret-to-regions --secret-id {res.secret} --add-replica-regions "
                f"Region={dr} --region {home}"
            )
        status = entry.get("Status")
        message = str(entry.get("StatusMessage") or "")
        if status == "InProgress":
            return warned(
                f"replication to {dr} is InProgress: the {dr} replica may not hold the "
                f"primary's current value yet{_since(origin.desc or {}, ctx)}; a failover "
                "now, with the primary's Region out, would keep the replica's older value",
                status,
                "InSync",
            )
        if status != "InSync":
            return failed(
                f"replication to {dr} is {status}: {message}".rstrip(": "), status, "InSync"
            )
        return passed(f"replicated to {dr}, InSync", status, "InSync")

    def dr_replica() -> CheckResult:
        there = side("dr")
        if not there.exists:
            return failed(f"no secret {res.secret} in {dr}")
        if there.is_primary:
            return failed(
                f"{res.secret} in {dr} is a standalone primary (promoted): nothing replicates "
                f"to it from {home}; fail back to re-add replication"
            )
        if there.primary_region != home:
            return failed(f"{res.secret} in {dr} is a replica of {there.primary_region}")
        return passed(f"replica in {dr} of the primary in {home}")

    def key(kms_side: str, key_id: str) -> dict[str, Any] | None:
        return ctx.memo.get(
            ("kms", kms_side, key_id),
            lambda: api.describe_key(ctx.client("kms", kms_side), key_id),
        )

    def dr_key() -> CheckResult:
        origin = side("primary")
        entry = origin.replica_in(dr)
        there = side("dr")
        dr_key_id = str((entry or {}).get("KmsKeyId") or (there.key if there.exists else ""))
        if not dr_key_id:
            return failed(f"no replica in {dr}: no key to check")
        home_key = origin.key if origin.exists else api.AWS_MANAGED_KEY
        if api.is_aws_managed(dr_key_id):
            if not api.is_aws_managed(home_key):
                return failed(
                    f"the primary is encrypted with customer key {home_key}, but the {dr} "
                    "replica with the AWS managed key aws/secretsmanager: give the replica the "
                    f"{dr} replica of that key (a multi-Region key)"
                )
            return passed("AWS managed key aws/secretsmanager (exists in every Region)")
        meta = key("dr", dr_key_id)
        if meta is None:
            return failed(f"KMS key {dr_key_id} of the {dr} replica does not exist in {dr}")
        state = str(meta.get("KeyState", ""))
        if state != "Enabled":
            return failed(f"KMS key {dr_key_id} in {dr} is {state}: the replica cannot be read")
        if api.is_aws_managed(home_key):
            return passed(f"customer key {meta.get('KeyId')} in {dr}, Enabled")
        home_meta = key("primary", home_key)
        if home_meta is None:
            return failed(f"KMS key {home_key} of the primary does not exist in {home}")
        if not home_meta.get("MultiRegion"):
            return passed(
                f"customer key {meta.get('KeyId')} in {dr}, Enabled (the primary's key "
                f"{home_meta.get('KeyId')} is single-Region: DR has its own key)"
            )
        primary_arn = home_meta.get("Arn")
        dr_primary = (meta.get("MultiRegionConfiguration") or {}).get("PrimaryKey", {})
        if not meta.get("MultiRegion") or dr_primary.get("Arn") != primary_arn:
            return failed(
                f"the primary uses multi-Region key {home_meta.get('KeyId')}, but the {dr} "
                f"replica uses {meta.get('KeyId')}, which is not its replica: aws kms "
                f"replicate-key --key-id {primary_arn} --replica-region {dr} --region {home}"
            )
        return passed(
            f"multi-Region replica {meta.get('Arn')} of the primary's key, Enabled in {dr}"
        )

    check = check_maker(res.name, NAME, f"{res.name} (secretsmanager {res.secret})")
    return [
        check("replication", "replicated to the DR Region and InSync", replication),
        check("dr-replica", "the DR copy is a replica of the primary", dr_replica),
        check("dr-kms-key", "the KMS key of the DR replica exists and is usable", dr_key),
    ]


def _since(desc: dict[str, Any], ctx: RunContext) -> str:
    """How long the primary has been changed for, from its ``LastChangedDate`` (Secrets
    Manager gives no start time for a replication in progress); empty when unknown."""
    changed = desc.get("LastChangedDate")
    if not isinstance(changed, datetime):
        return ""
    age = max(0.0, (ctx.clock.now() - changed).total_seconds())
    return f" (the primary last changed {age:.0f} s ago, at {changed.isoformat()})"
