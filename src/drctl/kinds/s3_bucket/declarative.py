"""The failback steps of ``s3-bucket`` as Step Functions runs them (see docs/engines.md).

``reprotect``: the configuration the CLI step would put is computed when the definition is
exported, from the DR bucket's replication configuration as it is then (a bucket has one
configuration, and Step Functions has no intrinsic that takes a maximum or appends to an
array, so the merge cannot be made in the state machine's data). The precheck reads the
configuration again at run time: the reverse rule already there -> done; the other rules
not as exported (count, id, priority, status, destination, role) -> the step fails, asking
for a new export, rather than put a configuration that drops a rule added since. The role
drctl creates is created (tolerated when it exists) and its policy rewritten, as the CLI
does; a plan's own ``reverse_role`` is checked at export (its trust and policies read and
evaluated, :mod:`drctl.kinds.s3_bucket.role_policy`).

``sync-home``: two loops over the DR bucket's version listing, a page of
:data:`PAGE_KEYS` at a time (:class:`~drctl.engine.declarative.Each`): each latest version
is looked up at home (HeadObject) and copied unless home holds that version (a replica) or
a copy of it (the ``drctl-synced-from-version`` metadata); each latest delete marker hides
the key at home when home still shows it. The copies are made as the CLI makes them
(CopyObject of that version, its metadata kept and marked, its content type). Home is in
the other Region: those calls go through drctl's Region proxy, which limits a copy to what
one call does within the proxy's timeout (:data:`COPY_LIMIT`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drctl.aws.region_proxy import sfn_cased
from drctl.engine.context import RunContext
from drctl.engine.declarative import (
    ITEM,
    ITEM_ANSWER,
    Each,
    Let,
    NoDeclarativeForm,
    Probe,
    Rule,
    SdkCall,
    SfnStep,
    all_of,
    any_of,
    at_least,
    equals,
    negate,
)
from drctl.errors import AwsError
from drctl.kinds.s3_bucket import api
from drctl.plan.models import S3Bucket

SYNCED_FROM = api.SYNCED_FROM
# Versions per page: a page and the items taken from it stay below the 256 KB a state's data
# holds, keys of 1,024 bytes included (about 1.6 KB a version as the SDK answers it).
PAGE_KEYS = 50
# Keys compared plus pages read, per loop in one execution: an execution's history holds
# 25,000 events, and a key costs about 13 (already home) to 24 (copied) of them, a page about
# 13 (docs/engines.md).
ITEM_LIMIT = 400
# CopyObject copies up to 5 GB, but home's calls go through the Region proxy, a Lambda
# function with a 60 s timeout (drctl.aws.stepfunctions.PROXY_TIMEOUT_SECONDS): objects
# above 1 GiB are left to the CLI engine, which copies them in parts.
COPY_LIMIT = 1024**3
# What S3 answers for a key without a current version (HeadObject: 404, no body), as Step
# Functions names it (the SDK for Java v2's NoSuchKeyException) and as drctl's Region proxy
# names botocore's code for it, "404".
NO_SUCH_KEY = ("S3.NoSuchKeyException", "S3.404Exception")
# GetBucketReplication on a bucket without a configuration (Step Functions' naming: the
# service, the code, "Exception").
NO_CONFIGURATION = ("S3.ReplicationConfigurationNotFoundErrorException",)
ROLE_ANSWER = "$.s3_failback_role"


def other_role_refusal(res: S3Bucket, config: dict[str, Any] | None, role: str) -> None:
    """The CLI's refusal: a bucket has one replication role, and its other rules use another."""
    others = [r for r in (config or {}).get("Rules", []) if r.get("ID") != _rule_id(res)]
    current = (config or {}).get("Role")
    if (
        others
        and current not in (None, role)
        and api.role_name_of(str(current)) != (api.role_name_of(role))
    ):
        raise AwsError(
            f"{res.name}: {res.dr} already replicates under role {current} "
            f"(rules {', '.join(str(r.get('ID')) for r in others)}); a bucket has one "
            "replication role",
            hint=f"set reverse_role to a role allowed every direction {res.dr} replicates",
        )


def _rule_id(res: S3Bucket) -> str:
    return f"drctl-{res.name}-to-primary"


def _sfn_names(value: Any) -> Any:
    """A configuration read with boto3 in Step Functions' spelling (``ID`` -> ``Id``)."""
    if isinstance(value, dict):
        return {sfn_cased(str(k)): _sfn_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sfn_names(v) for v in value]
    return value


def _literal(text: str) -> str:
    """``text`` inside a JSONPath filter's quotes; refused when it would need escaping."""
    if "'" in text or "\\" in text:
        raise NoDeclarativeForm(f"{text!r} cannot be quoted in a JSONPath filter")
    return text


def reprotect(
    res: S3Bucket, ctx: RunContext, role_name: str, plan_role: Callable[[], str]
) -> SfnStep:
    dr = ctx.client("s3", "dr")
    region = ctx.region("dr")
    config = api.replication_config(dr, res.dr)
    rules_path = "$.ReplicationConfiguration.Rules"
    home = _literal(api.bucket_arn(res.primary))
    select = {
        "home": f"States.ArrayLength({rules_path}[?(@.Status == 'Enabled' && "
        f"@.Destination.Bucket == '{home}')])",
    }
    exported = [r for r in (config or {}).get("Rules", []) if r.get("ID") != _rule_id(res)]
    ours = [r for r in (config or {}).get("Rules", []) if r.get("ID") == _rule_id(res)]
    drift: list[Rule] = []
    if config is not None:
        select["n"] = f"States.ArrayLength({rules_path})"
        select["role"] = "$.ReplicationConfiguration.Role"
        drift.append(negate(equals("$.n", float(len(exported) + len(ours)))))
        drift.append(negate(equals("$.role", str(config.get("Role")))))
        for i, rule in enumerate(config.get("Rules", [])):
            same = [f"@.Id == '{_literal(str(rule.get('ID')))}'"]
            same.append(f"@.Status == '{_literal(str(rule.get('Status')))}'")
            if "Priority" in rule:
                same.append(f"@.Priority == {int(rule['Priority'])}")
            target = (rule.get("Destination") or {}).get("Bucket")
            if target:
                same.append(f"@.Destination.Bucket == '{_literal(str(target))}'")
            select[f"rule{i}"] = f"States.ArrayLength({rules_path}[?({' && '.join(same)})])"
            drift.append(negate(equals(f"$.rule{i}", 1.0)))
    else:
        select["n"] = f"States.ArrayLength({rules_path})"
        drift.append(negate(equals("$.n", 0.0)))
    read = SdkCall("s3", "getBucketReplication", {"Bucket": res.dr}, region)
    holds = at_least("$.home", 1)
    precheck = Probe(
        read,
        holds,
        select=select,
        # No configuration at all: nothing replicates home and no rule was there to drift.
        missing=NO_CONFIGURATION if config is None else (),
        missing_answer={"home": 0, "n": 0},
        fails=(
            any_of(*drift),
            f"the replication configuration of {res.dr} is not as it was when this state "
            "machine was exported (a rule added, removed or changed since): export and deploy "
            "it again, so the reverse rule is merged into the configuration as it is now",
        ),
    )
    iam: list[SdkCall] = []
    if res.reverse_role is None:
        import json

        role: str = f"{ROLE_ANSWER}.Role.Arn"
        other_role_refusal(res, config, role_name)  # its ARN is read at run time
        iam = [
            SdkCall(
                "iam",
                "createRole",
                {
                    "RoleName": role_name,
                    "AssumeRolePolicyDocument": json.dumps(api.REPLICATION_TRUST),
                    "Description": f"S3 replication {res.dr} -> {res.primary} (created by drctl)",
                },
                side="primary",
                tolerate_failure=True,  # created by an earlier run: the policy is rewritten
            ),
            SdkCall(
                "iam",
                "putRolePolicy",
                {
                    "RoleName": role_name,
                    "PolicyName": f"replicate-{res.dr}-to-{res.primary}"[:128],
                    "PolicyDocument": json.dumps(api.replication_policy(res.dr, res.primary)),
                },
                side="primary",
            ),
            SdkCall(
                "iam", "getRole", {"RoleName": role_name}, side="primary", result_path=ROLE_ANSWER
            ),
        ]
        merged = api.with_rule(config, _rule_id(res), res.primary, "")
        wanted: dict[str, Any] = {"Role.$": role, "Rules": _sfn_names(merged["Rules"])}
    else:
        arn = plan_role()  # checked now: trust, policies and boundary read and evaluated
        other_role_refusal(res, config, arn)
        merged = api.with_rule(config, _rule_id(res), res.primary, arn)
        wanted = {"Role": arn, "Rules": _sfn_names(merged["Rules"])}
    put = SdkCall(
        "s3",
        "putBucketReplication",
        {"Bucket": res.dr, "ReplicationConfiguration": wanted},
        region,
    )
    verify = Probe(read, holds, select={"home": select["home"]})
    return SfnStep(precheck=precheck, run=(*iam, put), verify=verify)


def _loop(res: S3Bucket, d_region: str, **kwargs: Any) -> Each:
    """A loop over the DR bucket's versions, a page of :data:`PAGE_KEYS` at a time."""
    return Each(
        listing=SdkCall(
            "s3", "listObjectVersions", {"Bucket": res.dr, "MaxKeys": PAGE_KEYS}, d_region
        ),
        next_page={"KeyMarker": "$.NextKeyMarker", "VersionIdMarker": "$.NextVersionIdMarker"},
        more=equals("$.IsTruncated", True),
        limit=ITEM_LIMIT,
        beyond=f"more than {ITEM_LIMIT} keys and pages of versions in {res.dr}: one "
        "execution's history cannot compare them all; bring them home with drctl failback "
        f"--only {res.name} (CLI engine) or S3 Batch Replication, then run this again",
        **kwargs,
    )


def sync_home(res: S3Bucket, ctx: RunContext) -> SfnStep:
    d_region, p_region = ctx.region("dr"), ctx.region("primary")
    key, version = f"{ITEM}.Key", f"{ITEM}.VersionId"
    head_home = SdkCall(
        "s3", "headObject", {"Bucket": res.primary, "Key.$": key}, p_region, side="primary"
    )

    def same(path: str) -> Rule:
        return all_of(
            {"Variable": path, "IsPresent": True},
            {"Variable": path, "StringEqualsPath": version},
        )

    copies = _loop(
        res,
        d_region,
        present="$.Versions",
        items="$.Versions[?(@.IsLatest == true)]",
        probe=head_home,
        absent=NO_SUCH_KEY,
        done=any_of(
            same(f"{ITEM_ANSWER}.VersionId"),  # a replica: the same version on both sides
            same(f"{ITEM_ANSWER}.Metadata.{SYNCED_FROM}"),  # copied home by an earlier run
        ),
        refuse=(
            {"Variable": f"{ITEM}.Size", "NumericGreaterThan": COPY_LIMIT},
            f"an object of {res.dr} is over {COPY_LIMIT // 1024**3} GiB, more than the Region "
            f"proxy copies in one call: bring it home with drctl failback --only {res.name} "
            "(CLI engine: in parts), then run this again",
        ),
        run=(
            SdkCall(
                "s3",
                "headObject",
                {"Bucket": res.dr, "Key.$": key, "VersionId.$": version},
                d_region,
                result_path="$.each.source",
            ),
            Let("$.each.mark", {f"{SYNCED_FROM}.$": version}),
            SdkCall(
                "s3",
                "copyObject",
                {
                    "Bucket": res.primary,
                    "Key.$": key,
                    "CopySource.$": f"States.Format('{res.dr}/{{}}?versionId={{}}', {key}, "
                    f"{version})",
                    "Metadata.$": "States.JsonMerge($.each.source.Metadata, $.each.mark, false)",
                    "MetadataDirective": "REPLACE",
                    "ContentType.$": "$.each.source.ContentType",
                },
                p_region,
                side="primary",
            ),
        ),
    )
    h = "primary"
    deletes = _loop(
        res,
        d_region,
        present="$.DeleteMarkers",
        items="$.DeleteMarkers[?(@.IsLatest == true)]",
        probe=head_home,
        absent=NO_SUCH_KEY,
        absent_done=True,  # not shown at home either
        run=(
            SdkCall("s3", "deleteObject", {"Bucket": res.primary, "Key.$": key}, p_region, side=h),
        ),
    )
    return SfnStep(parts=(SfnStep(each=copies), SfnStep(each=deletes)))
