"""Readiness of a replicated bucket: both buckets in their regions, versioning on, an enabled
replication rule primary -> DR whose IAM role exists and allows that direction, KMS settings
that let encrypted objects replicate, no failed replication, encryption.

A rule is not replication: S3 replicates through the rule's role, and an object it cannot
replicate is marked FAILED and never retried
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-status.html), so a green
check must read the role and what happened to recent objects, not only the configuration.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from drctl.engine.context import RunContext
from drctl.engine.step import (
    Check,
    CheckResult,
    failed,
    passed,
    warned,
)
from drctl.kinds.s3_bucket import api, role_policy
from drctl.kinds.steps import check_maker
from drctl.plan.models import S3Bucket

NAME = "s3-bucket"
SAMPLE_SIZE = 20
FAILED_WINDOW = timedelta(hours=1)  # how far back failed replication counts as current


def checks(res: S3Bucket, ctx: RunContext) -> list[Check]:
    sides = {"primary": res.primary, "dr": res.dr}

    def region_of(side: str) -> str | None:
        return ctx.memo.get(
            ("s3", "region", sides[side]),
            lambda: api.bucket_region(ctx.client("s3", side), sides[side]),
        )

    def bucket_check(side: str) -> CheckResult:
        bucket, expected = sides[side], ctx.region(side)
        region = region_of(side)
        if region is None:
            return failed(f"bucket {bucket} not found")
        if region != expected:
            return failed(f"bucket {bucket} is in {region}, expected {expected}", region, expected)
        return passed(f"bucket {bucket} in {region}")

    def versioning() -> CheckResult:
        states = {}
        for side, bucket in sides.items():
            if region_of(side) is None:
                return failed(f"bucket {bucket} not found")
            states[bucket] = (
                api.versioning_status(ctx.client("s3", side), bucket) or "never enabled"
            )
        off = {b: s for b, s in states.items() if s != "Enabled"}
        text = ", ".join(f"{b} {s}" for b, s in states.items())
        if off:
            return failed(f"versioning must be on for replication: {text}")
        return passed(f"versioning enabled: {text}")

    def replication() -> CheckResult:
        if region_of("primary") is None:
            return failed(f"bucket {res.primary} not found")
        rules = api.replication_rules(ctx.client("s3", "primary"), res.primary)
        if not rules:
            return failed(f"{res.primary} has no replication configuration")
        enabled = api.enabled_rules_to(rules, res.dr)
        if not enabled:
            targets = sorted({r.get("Destination", {}).get("Bucket", "?") for r in rules})
            return failed(
                f"no enabled replication rule from {res.primary} to {res.dr} "
                f"(rules point to {', '.join(targets)})"
            )
        ids = ", ".join(str(r.get("ID", "?")) for r in enabled)
        return passed(f"{len(enabled)} enabled rule(s) {res.primary} -> {res.dr}: {ids}")

    def config() -> dict[str, Any] | None:
        return ctx.memo.get(
            ("s3", "replication", res.primary),
            lambda: api.replication_config(ctx.client("s3", "primary"), res.primary),
        )

    def rules_to_dr() -> list[dict[str, Any]]:
        return api.enabled_rules_to(list((config() or {}).get("Rules", [])), res.dr)

    def role() -> CheckResult:
        if region_of("primary") is None:
            return failed(f"bucket {res.primary} not found")
        arn = str((config() or {}).get("Role") or "")
        if not arn:
            return failed(f"{res.primary} has no replication role")
        docs = api.role_documents(ctx.client("iam", "primary"), arn)
        if docs is None:
            return failed(f"replication role {arn} does not exist: S3 marks every object FAILED")
        needs = api.replication_needs(res.primary, res.dr)
        if any(_kms_rule(r) for r in rules_to_dr()):
            needs += [("kms:Decrypt", "*"), ("kms:Encrypt", "*")]
        found = role_policy.problems(docs.trust, docs.policies, needs, docs.boundary)
        if found:
            return failed(f"replication role {arn}: " + "; ".join(found))
        read = "its policies and permissions boundary" if docs.boundary_arn else "its policies"
        return passed(
            f"role {arn} allows {res.primary} -> {res.dr} (from {read}; SCPs not evaluated)"
        )

    def kms() -> CheckResult:
        if region_of("primary") is None:
            return failed(f"bucket {res.primary} not found")
        algorithm = api.default_encryption(ctx.client("s3", "primary"), res.primary)
        rules = rules_to_dr()
        if algorithm not in ("aws:kms", "aws:kms:dsse"):
            return passed(f"{res.primary} default encryption {algorithm or 'none'}: no KMS rule")
        if not rules:
            return failed(f"no enabled rule {res.primary} -> {res.dr}")
        wrong = [str(r.get("ID", "?")) for r in rules if not _kms_rule(r)]
        if wrong:
            return failed(
                f"{res.primary} encrypts with KMS but rule(s) {', '.join(wrong)} do not replicate "
                "SSE-KMS objects (SourceSelectionCriteria.SseKmsEncryptedObjects and "
                "Destination.EncryptionConfiguration.ReplicaKmsKeyID)"
            )
        return passed("SSE-KMS objects replicate with a replica KMS key in the DR region")

    def failed_replication() -> CheckResult:
        if region_of("primary") is None:
            return failed(f"bucket {res.primary} not found")
        rules = rules_to_dr()
        measured = [r for r in rules if _metrics_on(r)]
        now = ctx.clock.now()
        if measured:
            cloudwatch = ctx.client("cloudwatch", "primary")
            total = sum(
                api.failed_replications(
                    cloudwatch, res.primary, res.dr, str(r.get("ID", "")), now - FAILED_WINDOW, now
                )
                for r in measured
            )
            if total:
                return failed(
                    f"{total:g} operations failed replication to {res.dr} in the last hour "
                    "(OperationsFailedReplication); S3 does not retry them",
                    total,
                    0,
                )
            return passed("no failed replication in the last hour (OperationsFailedReplication)")
        s3 = ctx.client("s3", "primary")
        keys = api.newest_keys(s3, res.primary, SAMPLE_SIZE)
        states = {k: api.replication_status(s3, res.primary, k) for k in keys}
        bad = sorted(k for k, v in states.items() if v == "FAILED")
        if bad:
            return failed(
                f"{len(bad)} of the {len(keys)} newest objects FAILED replication "
                f"(e.g. {bad[0]}); S3 does not retry them: re-upload or run S3 Batch Replication",
                len(bad),
                0,
            )
        pending = sum(1 for v in states.values() if v == "PENDING")
        return passed(
            f"none of the {len(keys)} newest objects FAILED ({pending} pending; "
            "replication metrics off, ReplicationStatus sampled)"
        )

    def encryption() -> CheckResult:
        missing = []
        for side, bucket in sides.items():
            if region_of(side) is None:
                return failed(f"bucket {bucket} not found")
            if api.default_encryption(ctx.client("s3", side), bucket) is None:
                missing.append(bucket)
        if missing:
            return warned(f"no default encryption on {', '.join(missing)}")
        return passed("default encryption on both buckets")

    check = check_maker(res.name, NAME, f"{res.name} (s3)")

    return [
        check(
            "primary-bucket",
            "primary bucket exists in regions.primary",
            lambda: bucket_check("primary"),
        ),
        check("dr-bucket", "DR bucket exists in regions.dr", lambda: bucket_check("dr")),
        check("versioning", "versioning enabled on both buckets", versioning),
        check("replication", "enabled replication rule primary -> DR", replication),
        check("replication-role", "the rule's IAM role exists and allows primary -> DR", role),
        check("kms", "SSE-KMS objects replicate (when the bucket uses KMS)", kms),
        check("failed-replication", "no object failed replication recently", failed_replication),
        check("encryption", "default encryption on both buckets", encryption),
    ]


def _kms_rule(rule: dict[str, Any]) -> bool:
    criteria = rule.get("SourceSelectionCriteria", {}).get("SseKmsEncryptedObjects", {})
    replica_key = rule.get("Destination", {}).get("EncryptionConfiguration", {})
    return criteria.get("Status") == "Enabled" and bool(replica_key.get("ReplicaKmsKeyID"))


def _metrics_on(rule: dict[str, Any]) -> bool:
    destination = rule.get("Destination", {})
    return any(
        destination.get(part, {}).get("Status") == "Enabled"
        for part in ("Metrics", "ReplicationTime")
    )
