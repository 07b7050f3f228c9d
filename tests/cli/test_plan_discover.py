"""``drctl plan init --discover``: each example plan built in the sandbox (every resource tagged
``Application=<app>``, as the builders tag them), discovered back by tag or CloudFormation
stack, and the written draft loaded back: it validates and names the same resources, in the
same Regions, as the plan it was built from."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

from drctl.aws.calls import auditing
from drctl.aws.iam_names import iam_action
from drctl.drills.discovery import iam_actions
from drctl.drills.iam_policy import policies
from drctl.engine.settings import default_settings
from drctl.kinds.registry import registry
from drctl.plan.loader import load_plan, load_plan_text
from drctl.plan.models import Plan
from tests.conftest import EXAMPLES
from tests.support import build_sandbox, invoke

EXAMPLE_PLANS = ["ecommerce-warm-standby", "ecommerce-warm-standby-arc", "global-active-active",
                 "full"]  # fmt: skip


def _buildable(plan: Plan) -> Plan:
    """The plan in one account: discovery reads as its caller, not through the plan's roles
    (``accounts``); experiments and the topic name roles and ARNs of those accounts."""
    return plan.model_copy(
        update={"accounts": None, "experiments": [], "drills": [], "notifications": None}
    )


def _build(example: str) -> Plan:
    plan = _buildable(load_plan(EXAMPLES / f"{example}.yaml").plan)
    build_sandbox(plan, default_settings())
    return plan


def _identity(res: Any) -> tuple[str, ...]:
    """What names a resource in AWS, per kind (the plan's own names are the author's)."""
    fields = {
        "s3-bucket": ("primary", "dr"),
        "rds-instance": ("primary", "dr"),
        "aurora-global": ("global_cluster",),
        "dynamodb-table": ("table",),
        "autoscaling-group": ("dr",),
        "ecs-service": ("cluster", "service"),
        "route53-record": ("zone", "record"),
        "arc-routing-control": (
            "cluster", "control_panel", "primary_control", "dr_control", "zone", "record",
        ),
    }[res.kind]  # fmt: skip
    values = [str(getattr(res, f)) for f in fields]
    return (res.kind, *(v if "." not in v or v.endswith(".") else v + "." for v in values))


def _discoverable(plan: Plan) -> set[tuple[str, ...]]:
    kinds = registry()
    return {_identity(r) for r in plan.resources if kinds.get(r.kind).discover is not None}


def _discover(tmp_path: Path, *args: str) -> tuple[Plan, dict[str, Any], str]:
    """Run discovery (every AWS call recorded), load the draft back and validate it."""
    out = tmp_path / "draft.yaml"
    with auditing() as calls:
        result = invoke("plan", "init", "--discover", *args, "-o", str(out), "--output", "json")
    assert result.exit_code == 0, result.output
    # What discovery calls is what its IAM list (docs/commands/plan.md) says it needs.
    called = {iam_action(c["service"], c["operation"]) for c in calls}
    assert called and called <= set(iam_actions(registry())), called - set(iam_actions(registry()))
    assert not {a for a in called if not a.split(":")[1].startswith(("List", "Describe", "Get"))}
    summary = json.loads(result.stdout)
    text = out.read_text()
    assert summary["plan"] == text and summary["file"] == str(out)
    validated = invoke("plan", "validate", str(out))
    assert validated.exit_code == 0, validated.output
    draft = load_plan(out).plan
    # ... and what `drctl iam-policy --action discover` grants: read-only, on "*".
    [policy] = policies(draft, "discover", registry())
    assert called <= policy.actions()
    assert all(st["Resource"] == "*" for st in policy.document["Statement"])
    return draft, summary, text


@pytest.mark.parametrize("example", EXAMPLE_PLANS)
def test_discovers_every_example_by_tag(aws: None, tmp_path: Path, example: str) -> None:
    source = _build(example)
    draft, summary, text = _discover(tmp_path, "--tag", f"Application={source.app}")
    assert {_identity(r) for r in draft.resources} == _discoverable(source)
    assert draft.app == source.app
    assert (draft.regions.primary, draft.regions.dr) == (source.regions.primary, source.regions.dr)
    # The DR Region was not given: inferred, and the draft says so.
    assert summary["regions"]["dr_inferred_from"].startswith("where ")
    assert f"dr: {source.regions.dr}" in text and "# guessed: inferred from where" in text
    sides = {source.regions.primary, source.regions.dr}
    for entry in summary["resources"]:  # each side read where it belongs
        regions = {f["region"] for f in entry["found"]}
        assert regions <= sides | {"global"}, entry
        if entry["kind"] in ("rds-instance", "s3-bucket", "dynamodb-table", "aurora-global"):
            assert sides <= regions, entry
    counts: dict[str, int] = {}
    for res in draft.resources:
        counts[res.kind] = counts.get(res.kind, 0) + 1
    assert summary["counts"] == counts
    # Compute exists only in DR in these sandboxes: its desired capacity is a marked guess.
    for res in draft.resources:
        if res.kind in ("autoscaling-group", "ecs-service"):
            assert any(g.startswith(f"{res.name}.desired: ") for g in summary["guesses"])
    assert text.count("# guessed:") == len(summary["guesses"])  # each guess marked where it is
    traffic = [r for r in draft.resources if r.kind in ("route53-record", "arc-routing-control")]
    for res in traffic:  # traffic moves after everything else found (a marked guess)
        assert set(res.depends_on) == {r.name for r in draft.resources} - {res.name}


def test_given_dr_region_and_name_are_used_as_given(aws: None, tmp_path: Path) -> None:
    source = _build("ecommerce-warm-standby")
    draft, summary, text = _discover(
        tmp_path, "--tag", "Application=shop", "--dr-region", "us-west-2", "--name", "storefront"
    )
    assert draft.app == "storefront" and draft.regions.dr == "us-west-2"
    assert summary["regions"]["dr_inferred_from"] is None and "inferred" not in text
    assert {_identity(r) for r in draft.resources} == _discoverable(source)


def _launch_template(region: str, name: str) -> None:
    ec2 = boto3.client("ec2", region_name=region)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"}
    )


def test_pairs_compute_by_name_and_lists_what_it_cannot_pair(aws: None, tmp_path: Path) -> None:
    """A primary group named like the DR one (Region code swapped) gives the DR group's
    ``desired``; a tagged instance with no replica and a bucket with no replication are listed
    as comments, not entries; all multiple tags must match."""
    _build("full")
    tags = [{"Key": "Application", "Value": "shop"}, {"Key": "env", "Value": "prod"}]
    _launch_template("us-east-1", "web-lt")
    boto3.client("autoscaling", region_name="us-east-1").create_auto_scaling_group(
        AutoScalingGroupName="shop-web-use1",
        LaunchTemplate={"LaunchTemplateName": "web-lt", "Version": "$Latest"},
        MinSize=1, MaxSize=6, DesiredCapacity=3, AvailabilityZones=["us-east-1a"],
        Tags=[{**t, "PropagateAtLaunch": False} for t in tags],
    )  # fmt: skip
    boto3.client("autoscaling", region_name="us-west-2").create_or_update_tags(
        Tags=[{"ResourceId": "shop-web-usw2", "ResourceType": "auto-scaling-group",
               "PropagateAtLaunch": False, "Key": "env", "Value": "prod"}]
    )  # fmt: skip
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_db_instance(
        DBInstanceIdentifier="shop-reports", DBInstanceClass="db.t3.micro", Engine="mysql",
        MasterUsername="admin", MasterUserPassword="sandbox-only-password",
        AllocatedStorage=20, Tags=tags,
    )  # fmt: skip
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="shop-logs-use1")
    s3.put_bucket_tagging(Bucket="shop-logs-use1", Tagging={"TagSet": tags})

    draft, summary, text = _discover(
        tmp_path, "--tag", "Application=shop", "--tag", "env=prod", "--dr-region", "us-west-2"
    )
    [web] = draft.resources
    assert web.kind == "autoscaling-group" and web.dr == "shop-web-usw2"
    assert web.desired == 3  # what the primary group runs, marked as a guess
    assert "desired: 3" in text and "# guessed: what shop-web-use1 runs in us-east-1 now" in text
    assert "paired with shop-web-use1 in us-east-1 by the same name without its Region" in text
    assert (
        "shop-web-usw2: paired with shop-web-use1 in us-east-1 by the same name without its "
        "Region" in summary["guesses"]
    )
    assert any("shop-reports" in u and "no cross-Region read replica" in u
               for u in summary["unpaired"])  # fmt: skip
    assert any("shop-logs-use1" in u and "no replication rule" in u for u in summary["unpaired"])
    assert "#   - RDS DB instance shop-reports in us-east-1: no cross-Region read replica" in text


def test_discovers_a_cloudformation_stack(aws: None, tmp_path: Path) -> None:
    """Only the stack's resources (not the tagged ones built beside it), their DR side found
    from their replication: the stack lives in the primary Region only."""
    source = _build("ecommerce-warm-standby")
    template = {
        "Resources": {
            "Assets": {"Type": "AWS::S3::Bucket",
                       "Properties": {"BucketName": "stack-assets-use1"}},
            "Db": {"Type": "AWS::RDS::DBInstance",
                   "Properties": {"DBInstanceIdentifier": "stack-db", "Engine": "mysql",
                                  "DBInstanceClass": "db.t3.micro", "AllocatedStorage": "20",
                                  "MasterUsername": "admin",
                                  "MasterUserPassword": "sandbox-only-password"}},
            "Sessions": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": "stack-sessions",
                    "BillingMode": "PAY_PER_REQUEST",
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                },
            },
        }
    }  # fmt: skip
    cfn = boto3.client("cloudformation", region_name="us-east-1")
    cfn.create_stack(StackName="shop-stack", TemplateBody=json.dumps(template))
    # The stack's bucket replicates to a DR bucket; its table gets a replica in DR.
    s3 = boto3.client("s3", region_name="us-east-1")
    boto3.client("s3", region_name="us-west-2").create_bucket(
        Bucket="stack-assets-usw2", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    for bucket in ("stack-assets-use1", "stack-assets-usw2"):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(
        Bucket="stack-assets-use1",
        ReplicationConfiguration={
            "Role": "arn:aws:iam::123456789012:role/stack-replication",
            "Rules": [{"ID": "to-dr", "Priority": 1, "Status": "Enabled", "Filter": {},
                       "DeleteMarkerReplication": {"Status": "Disabled"},
                       "Destination": {"Bucket": "arn:aws:s3:::stack-assets-usw2"}}],
        },
    )  # fmt: skip
    boto3.client("dynamodb", region_name="us-east-1").update_table(
        TableName="stack-sessions", ReplicaUpdates=[{"Create": {"RegionName": "us-west-2"}}]
    )
    db = boto3.client("rds", region_name="us-east-1").describe_db_instances(
        DBInstanceIdentifier="stack-db"
    )["DBInstances"][0]
    boto3.client("rds", region_name="us-west-2").create_db_instance_read_replica(
        DBInstanceIdentifier="stack-db-dr", SourceDBInstanceIdentifier=db["DBInstanceArn"],
        DBInstanceClass="db.t3.micro", SourceRegion="us-east-1",
    )  # fmt: skip
    draft, summary, text = _discover(tmp_path, "--stack", "shop-stack")
    assert {_identity(r) for r in draft.resources} == {
        ("s3-bucket", "stack-assets-use1", "stack-assets-usw2"),
        ("dynamodb-table", "stack-sessions"),
        ("rds-instance", "stack-db", "stack-db-dr"),
    }
    assert draft.app == "shop-stack" and draft.regions.dr == source.regions.dr
    assert summary["source"] == "CloudFormation stack shop-stack (us-east-1)"
    assert "from\n# CloudFormation stack shop-stack (us-east-1)." in text


# ---------------------------------------------------------------- unhappy paths


def test_nothing_found_exits_1(aws: None, tmp_path: Path) -> None:
    out = tmp_path / "draft.yaml"
    result = invoke("plan", "init", "--discover", "--tag", "Application=nobody",
                    "--dr-region", "us-west-2", "-o", str(out))  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "found nothing to put in a plan" in result.stderr and "Traceback" not in result.output
    assert not out.exists()


def test_dr_region_that_cannot_be_inferred_exits_2(aws: None) -> None:
    result = invoke("plan", "init", "--discover", "--tag", "Application=nobody")
    assert result.exit_code == 2, result.output
    assert "cannot tell the DR Region" in result.stderr and "--dr-region" in result.stderr


def test_unknown_stack_exits_2(aws: None) -> None:
    result = invoke("plan", "init", "--discover", "--stack", "no-such-stack")
    assert result.exit_code == 2, result.output
    assert "no CloudFormation stack no-such-stack in us-east-1" in result.stderr


def test_no_credentials_exits_2(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = invoke("plan", "init", "--discover", "--tag", "Application=shop")
    assert result.exit_code == 2, result.output
    assert "no AWS credentials" in result.stderr and "Traceback" not in result.output


def test_existing_and_unwritable_files(aws: None, tmp_path: Path) -> None:
    _build("ecommerce-warm-standby")
    existing = tmp_path / "shop.yaml"
    existing.write_text("mine\n")
    args = ("plan", "init", "--discover", "--tag", "Application=shop", "-o")
    refused = invoke(*args, str(existing))
    assert refused.exit_code == 3 and "exists; not overwriting it" in refused.stderr
    assert existing.read_text() == "mine\n"
    unwritable = invoke(*args, str(tmp_path / "no-such-dir" / "shop.yaml"))
    assert unwritable.exit_code == 2 and "cannot write" in unwritable.stderr
    forced = invoke(*args, str(existing), "--force")
    assert forced.exit_code == 0, forced.output
    assert load_plan(existing).plan.app == "shop"
    printed = invoke("plan", "init", "--discover", "--tag", "Application=shop")  # no -o: stdout
    assert printed.exit_code == 0 and printed.stderr.startswith("discovered: 1 rds-instance")
    assert load_plan_text(printed.stdout).plan.regions.dr == "us-west-2"
    # The guesses: strategy, tier, regions.dr (inferred) and the record's depends_on.
    assert "wrote" in forced.stderr and "4 guesses" in forced.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--discover",), "--discover needs --tag KEY=VALUE"),
        (("--discover", "--tag", "a=b", "--stack", "s"), "not both"),
        (("--discover", "--tag", "novalue"), "give KEY=VALUE"),
        (("--discover", "--tag", "a=b", "--tag", "a=c"), "given twice"),
        (("--discover", "--from-bia"), "one of them"),
        (("--discover", "--tag", "a=b", "--dr-region", "west"), "--dr-region 'west'"),
        (("--discover", "--tag", "a=b", "--name", "Shop!"), "--name 'Shop!'"),
        (("--from-bia", "--tag", "a=b"), "go with --discover"),
        (("--discover", "--tag", "a=b", "--criticality", "critical"), "go with --from-bia"),
    ],
)
def test_bad_input_exits_2(args: tuple[str, ...], message: str) -> None:
    result = invoke("plan", "init", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_the_docs_list_every_discovery_permission() -> None:
    from tests.conftest import REPO

    page = (REPO / "docs" / "commands" / "plan.md").read_text()
    [paragraph] = [p for p in page.split("\n\n") if p.startswith("The IAM permissions discovery")]
    listed = set(re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", paragraph))
    assert listed == set(iam_actions(registry()))


def test_iam_policy_for_discovery() -> None:
    result = invoke("iam-policy", "--plan", str(EXAMPLES / "ecommerce-warm-standby.yaml"),
                    "--action", "discover", "-o", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["action"] == "discover"
    [policy] = doc["policies"]
    actions = {a for st in policy["policy"]["Statement"] for a in st["Action"]}
    assert actions == set(iam_actions(registry()))
    assert "tag:GetResources" in actions and "cloudformation:ListStackResources" in actions
