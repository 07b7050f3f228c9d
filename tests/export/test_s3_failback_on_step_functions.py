"""The failback of an ``s3-bucket`` on Step Functions (kinds/s3_bucket/declarative.py): what
was written, overwritten and deleted in DR during the outage reaches home, as the CLI engine
brings it; the reverse rule is merged into the DR bucket's configuration under its role; a
rerun makes no call; a configuration changed between export and run is not overwritten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from drctl.engine.settings import default_settings
from drctl.kinds.s3_bucket import api, declarative
from drctl.plan.loader import LoadedPlan
from tests.conftest import REPO
from tests.export import sfn_support
from tests.export.end_state import end_state
from tests.support import run_action

EXAMPLE = REPO / "examples" / "ecommerce-warm-standby.yaml"
ONLY = ["assets"]
PRIMARY, DR = "shop-assets-use1", "shop-assets-usw2"
P_REGION, D_REGION = "us-east-1", "us-west-2"


def _fail_over(loaded: LoadedPlan, state: Path) -> None:
    record = run_action(loaded, default_settings(state_dir=state), "failover", only=ONLY)
    assert record.status == "succeeded"


def _served_from_dr(new_keys: int = 1) -> dict[str, str]:
    """What the application did while DR served: new objects, an overwrite, a delete. The
    DR version id of each object written, by key."""
    s3 = boto3.client("s3", region_name=D_REGION)
    written = {}
    for i in range(new_keys):
        key = f"orders/new-{i}.json"
        written[key] = s3.put_object(
            Bucket=DR, Key=key, Body=f"written in DR {i}".encode(),
            Metadata={"origin": "dr"}, ContentType="application/json",
        )["VersionId"]  # fmt: skip
    written["index.html"] = s3.put_object(Bucket=DR, Key="index.html", Body=b"edited in DR")[
        "VersionId"
    ]
    s3.delete_object(Bucket=DR, Key="img/logo.png")
    return written


def _home_versions() -> int:
    listing = boto3.client("s3", region_name=P_REGION).list_object_versions(Bucket=PRIMARY)
    return len(listing.get("Versions", [])) + len(listing.get("DeleteMarkers", []))


def _settled(loaded: LoadedPlan, name: str = "assets") -> Any:
    """The end state once replication caught up (a copy home replicates back to DR under
    the primary's rule within the sandbox's replication delay, under a second)."""
    from drctl.kinds.sandboxing import aws_time

    aws_time.wait(5)
    return end_state(loaded.plan)[name]


def _calls(entered: list[str]) -> list[str]:
    return [name for name in entered if ": call " in name]


def test_what_dr_received_during_the_outage_reaches_home_and_a_rerun_copies_nothing(
    tmp_path: Path,
) -> None:
    with sfn_support.sandbox(EXAMPLE) as loaded:
        _fail_over(loaded, tmp_path)
        written = _served_from_dr()
        first = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-1", action="failback", only=ONLY
        )
        assert first.status == "SUCCEEDED", first.error
        home = boto3.client("s3", region_name=P_REGION)
        got = home.get_object(Bucket=PRIMARY, Key="orders/new-0.json")
        assert got["Body"].read() == b"written in DR 0"
        assert got["ContentType"] == "application/json"
        assert got["Metadata"] == {"origin": "dr", api.SYNCED_FROM: written["orders/new-0.json"]}
        edited = home.get_object(Bucket=PRIMARY, Key="index.html")
        assert edited["Body"].read() == b"edited in DR"
        assert edited["Metadata"][api.SYNCED_FROM] == written["index.html"]
        with pytest.raises(ClientError):  # deleted in DR: hidden at home behind a marker
            home.head_object(Bucket=PRIMARY, Key="img/logo.png")
        # The seed object DR holds as a replica (same version) is not copied.
        assert api.SYNCED_FROM not in home.head_object(Bucket=PRIMARY, Key="data/catalog.json").get(
            "Metadata", {}
        )
        # Re-protected: DR replicates home under the role drctl created.
        rules = api.replication_rules(boto3.client("s3", region_name=D_REGION), DR)
        assert [(r["ID"], r["Status"], r["Destination"]["Bucket"]) for r in rules] == [
            ("drctl-assets-to-primary", "Enabled", f"arn:aws:s3:::{PRIMARY}")
        ]
        iam = boto3.client("iam", region_name=P_REGION)
        role = iam.get_role(RoleName="drctl-assets-s3-failback")["Role"]
        config = api.replication_config(boto3.client("s3", region_name=D_REGION), DR) or {}
        assert config["Role"] == role["Arn"]
        policy = iam.get_role_policy(
            RoleName="drctl-assets-s3-failback", PolicyName=f"replicate-{DR}-to-{PRIMARY}"
        )["PolicyDocument"]
        assert policy == api.replication_policy(DR, PRIMARY)
        copies = [n for n in first.entered if n == "assets.sync-home: part 1: each: call 3"]
        assert len(copies) == 2  # the new object and the overwrite
        assert first.entered.count("assets.sync-home: part 2: each: call 1") == 1  # the delete
        versions = _home_versions()
        second = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-2", action="failback", only=ONLY
        )
        assert second.status == "SUCCEEDED", second.error
        assert _calls(second.entered) == []
        assert _home_versions() == versions


# Every example with a bucket: the bucket's resource name.
S3_EXAMPLES = {
    "ecommerce-warm-standby": "assets",
    "ecommerce-warm-standby-arc": "assets",
    "full": "assets",  # accounts: each side's calls in its own account
    "global-active-active": "uploads",
    "hipaa-healthcare": "documents",
    "startup-backup-restore": "static",
}


def _written_in_dr(loaded: LoadedPlan, name: str, new_keys: int) -> None:
    """``_served_from_dr`` for any plan's bucket, through the plan's own sessions."""
    from drctl.engine.settings import make_context

    res = next(r for r in loaded.plan.resources if r.name == name)
    s3 = make_context(loaded.plan, default_settings()).client("s3", "dr")
    for i in range(new_keys):
        s3.put_object(
            Bucket=res.dr, Key=f"orders/new-{i}.json", Body=f"written in DR {i}".encode(),
            Metadata={"origin": "dr"}, ContentType="application/json",
        )  # fmt: skip
    s3.put_object(Bucket=res.dr, Key="index.html", Body=b"edited in DR")
    s3.delete_object(Bucket=res.dr, Key="img/logo.png")


@pytest.mark.parametrize("example", sorted(S3_EXAMPLES))
def test_the_two_engines_bring_the_same_objects_home(example: str, tmp_path: Path) -> None:
    """Objects, bodies, user metadata (the copy's source version aside: ids differ between
    builds), DR's rules and role: the same after a CLI failback and a Step Functions one."""
    name = S3_EXAMPLES[example]
    path = REPO / "examples" / f"{example}.yaml"
    found = {}
    for engine in ("cli", "sfn"):
        state = default_settings(state_dir=tmp_path / engine)
        with sfn_support.sandbox(path) as loaded:
            assert run_action(loaded, state, "failover", only=[name]).status == "succeeded"
            _written_in_dr(loaded, name, new_keys=3)
            if engine == "cli":
                assert run_action(loaded, state, "failback", only=[name]).status == "succeeded"
            else:
                run = sfn_support.run_approving(
                    loaded, mode="unplanned", name="back-1", action="failback", only=[name]
                )
                assert run.status == "SUCCEEDED", run.error
            found[engine] = _settled(loaded, name)
    assert found["sfn"] == found["cli"]
    assert found["sfn"]["primary"]["orders/new-2.json"][0] == "written in DR 2"
    assert found["sfn"]["primary"]["index.html"][0] == "edited in DR"
    assert "img/logo.png" not in found["sfn"]["primary"]


def test_the_listing_is_read_page_by_page(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(declarative, "PAGE_KEYS", 2)
    with sfn_support.sandbox(EXAMPLE) as loaded:
        _fail_over(loaded, tmp_path)
        _served_from_dr(new_keys=5)
        run = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-1", action="failback", only=ONLY
        )
        assert run.status == "SUCCEEDED", run.error
        assert "assets.sync-home: part 1: each: next page" in run.entered
        home = boto3.client("s3", region_name=P_REGION)
        for i in range(5):
            body = home.get_object(Bucket=PRIMARY, Key=f"orders/new-{i}.json")["Body"].read()
            assert body == f"written in DR {i}".encode()


def test_more_keys_than_one_execution_compares_fail_the_step_saying_what_to_do(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(declarative, "ITEM_LIMIT", 3)  # the page, then two keys
    with sfn_support.sandbox(EXAMPLE) as loaded:
        _fail_over(loaded, tmp_path)
        _served_from_dr(new_keys=3)
        run = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-1", action="failback", only=ONLY
        )
    assert run.status == "FAILED"
    failed = next(e for e in run.history if e["type"] == "ExecutionFailed")
    assert run.entered.count("assets.sync-home: part 1: each: probe") == 2
    assert "assets.sync-home: part 1: each: beyond" in run.entered
    assert failed["executionFailedEventDetails"]["error"] == "drctl.RunFailed"
    # Why: the step's Fail state's cause, kept by the phase's Catch in the failed state.
    assert "drctl failback --only assets (CLI engine)" in json.dumps(run.history, default=str)


def test_a_configuration_changed_after_the_export_is_not_overwritten(tmp_path: Path) -> None:
    """The reverse rule is merged into the configuration read at export: a rule added to
    the DR bucket since would be dropped, so the step fails instead, saying why."""
    with sfn_support.sandbox(EXAMPLE) as loaded:
        _fail_over(loaded, tmp_path)
        document = sfn_support.export(loaded, action="failback", only=ONLY)
        arn = sfn_support.machine(document, D_REGION)
        s3 = boto3.client("s3", region_name=D_REGION)
        added = {
            "Role": "arn:aws:iam::123456789012:role/drctl-assets-s3-failback",
            "Rules": [
                {
                    "ID": "added-since", "Priority": 1, "Status": "Enabled", "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::shop-assets-archive"},
                }
            ],
        }  # fmt: skip
        s3.put_bucket_replication(Bucket=DR, ReplicationConfiguration=added)
        run = sfn_support.follow(
            sfn_support.start(arn, D_REGION, "back-1", {"rpo_gate": {"ok": True}}), D_REGION
        )
        assert run.status == "FAILED"
        assert "assets.reprotect: refused" in run.entered
        assert not [n for n in run.entered if n.startswith("assets.reprotect: call")]
        rules = api.replication_rules(s3, DR)
        assert [r["ID"] for r in rules] == ["added-since"]


def test_the_definition_of_the_failback_steps() -> None:
    with sfn_support.sandbox(EXAMPLE) as loaded:
        document = sfn_support.export(loaded, action="failback", only=ONLY)
    states = json.dumps(document)
    assert "States.JsonMerge($.each.source.Metadata, $.each.mark, false)" in states
    assert f"States.Format('{DR}/{{}}?versionId={{}}'" in states
    branch = next(
        b["States"]
        for phase in document["States"].values()
        for b in phase.get("Branches", [])
        if "assets.sync-home: part 1: each: start" in b["States"]
    )
    probe = branch["assets.sync-home: part 1: each: probe"]
    assert probe["Catch"][0]["ErrorEquals"] == list(declarative.NO_SUCH_KEY)
    assert probe["Parameters"]["Payload"]["Region"] == P_REGION  # home, through the proxy
    refuse = branch["assets.sync-home: part 1: each: act?"]["Choices"][0]
    assert refuse["NumericGreaterThan"] == declarative.COPY_LIMIT
    copy = branch["assets.sync-home: part 1: each: call 3"]["Parameters"]["Payload"]
    assert (copy["Action"], copy["Parameters"]["MetadataDirective"]) == ("copyObject", "REPLACE")
    precheck = branch.get("assets.reprotect: precheck") or next(
        b["States"]["assets.reprotect: precheck"]
        for phase in document["States"].values()
        for b in phase.get("Branches", [])
        if "assets.reprotect: precheck" in b["States"]
    )
    assert precheck["Catch"][0]["ErrorEquals"] == list(declarative.NO_CONFIGURATION)


def test_aws_sdk_task_errors_are_named_as_aws_names_them() -> None:
    """``<Service>.<Code>Exception`` (moto: ``s3.s3Exception``), so a Catch on AWS's name
    takes the error in the sandbox as on AWS."""
    with sfn_support.sandbox(EXAMPLE):
        sfn = boto3.client("stepfunctions", region_name=D_REGION)
        document = {
            "StartAt": "read",
            "States": {
                "read": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:s3:getBucketReplication",
                    "Parameters": {"Bucket": DR},
                    "Catch": [
                        {
                            "ErrorEquals": ["S3.ReplicationConfigurationNotFoundErrorException"],
                            "Next": "none",
                        }
                    ],
                    "End": True,
                },
                "none": {"Type": "Pass", "End": True},
            },
        }
        arn = sfn.create_state_machine(
            name="names", definition=json.dumps(document), roleArn=sfn_support.ROLE
        )["stateMachineArn"]
        run = sfn_support.follow(sfn_support.start(arn, D_REGION, "a", {}), D_REGION)
    assert run.status == "SUCCEEDED"
    assert "none" in run.entered


def test_the_state_machine_role_is_allowed_the_iam_actions_of_its_s3_calls() -> None:
    """S3's IAM actions are not its operations' names (ListObjectVersions needs
    s3:ListBucketVersions, CopyObject s3:PutObject and the source's s3:GetObjectVersion)."""
    from drctl.export.iam import task_actions

    with sfn_support.sandbox(EXAMPLE) as loaded:
        actions = task_actions(sfn_support.export(loaded, action="failback", only=ONLY))
    for needed in (
        "s3:ListBucketVersions", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject",
        "s3:DeleteObject", "s3:GetReplicationConfiguration", "s3:PutReplicationConfiguration",
        "iam:PassRole", "iam:CreateRole", "iam:PutRolePolicy", "iam:GetRole",
    ):  # fmt: skip
        assert needed in actions
    assert not [a for a in actions if a in ("s3:HeadObject", "s3:CopyObject")]
    assert not [a for a in actions if a.endswith(("ListObjectVersions", "BucketReplication"))]


def _archive_rule(role: str) -> dict[str, Any]:
    return {
        "Role": f"arn:aws:iam::123456789012:role/{role}",
        "Rules": [
            {
                "ID": "to-archive", "Priority": 4, "Status": "Enabled", "Filter": {},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {"Bucket": "arn:aws:s3:::shop-assets-archive"},
            }
        ],
    }  # fmt: skip


def test_the_reverse_rule_is_merged_into_the_configuration_the_dr_bucket_has(
    tmp_path: Path,
) -> None:
    """A DR bucket that already replicates elsewhere (under the same role) keeps that rule;
    the reverse rule comes after it, as the CLI merges it."""
    with sfn_support.sandbox(EXAMPLE) as loaded:
        s3 = boto3.client("s3", region_name=D_REGION)
        s3.put_bucket_replication(
            Bucket=DR, ReplicationConfiguration=_archive_rule("drctl-assets-s3-failback")
        )
        _fail_over(loaded, tmp_path)
        first = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-1", action="failback", only=ONLY
        )
        assert first.status == "SUCCEEDED", first.error
        rules = api.replication_rules(s3, DR)
        assert [(r["ID"], r["Priority"], r["Destination"]["Bucket"]) for r in rules] == [
            ("to-archive", 4, "arn:aws:s3:::shop-assets-archive"),
            ("drctl-assets-to-primary", 5, f"arn:aws:s3:::{PRIMARY}"),
        ]
        second = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-2", action="failback", only=ONLY
        )
        assert second.status == "SUCCEEDED", second.error
        assert _calls(second.entered) == []


def test_a_dr_bucket_replicating_under_another_role_is_refused_at_export() -> None:
    """A bucket has one replication role: as the CLI step, the export refuses to put the
    reverse rule under another role than the one the bucket's other rules use."""
    from drctl.errors import AwsError

    with sfn_support.sandbox(EXAMPLE) as loaded:
        boto3.client("s3", region_name=D_REGION).put_bucket_replication(
            Bucket=DR, ReplicationConfiguration=_archive_rule("someone-elses")
        )
        with pytest.raises(AwsError) as caught:
            sfn_support.export(loaded, action="failback", only=ONLY)
    assert "already replicates under role" in caught.value.message
    assert caught.value.exit_code == 1


def test_a_copy_made_by_an_earlier_run_is_known_by_its_mark(tmp_path: Path) -> None:
    """Without the primary's rule (nothing replicates the copies back to DR), DR's latest
    versions stay those it wrote: a rerun knows each copy home by its
    ``drctl-synced-from-version`` and copies nothing."""
    with sfn_support.sandbox(EXAMPLE) as loaded:
        _fail_over(loaded, tmp_path)
        boto3.client("s3", region_name=P_REGION).delete_bucket_replication(Bucket=PRIMARY)
        written = _served_from_dr()
        first = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-1", action="failback", only=ONLY
        )
        assert first.status == "SUCCEEDED", first.error
        dr = boto3.client("s3", region_name=D_REGION)
        latest = dr.head_object(Bucket=DR, Key="orders/new-0.json")["VersionId"]
        assert latest == written["orders/new-0.json"]  # not replaced by a replica of the copy
        versions = _home_versions()
        second = sfn_support.run_approving(
            loaded, mode="unplanned", name="back-2", action="failback", only=ONLY
        )
        assert second.status == "SUCCEEDED", second.error
        assert _calls(second.entered) == []
        assert _home_versions() == versions
