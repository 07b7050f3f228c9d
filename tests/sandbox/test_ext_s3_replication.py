"""S3 replication extension: objects reach the DR bucket through the rule's role, over the
sandbox's AWS clock, reporting ReplicationStatus and (where on) the replication metrics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from drctl.engine.clock import FakeClock
from drctl.kinds.s3_bucket import api
from drctl.kinds.s3_bucket import moto_replication as s3_replication
from drctl.kinds.sandboxing import aws_time

ClientFactory = Callable[..., Any]
PRIMARY_REGION = "us-east-1"
DR_REGION = "us-west-2"
SOURCE = "orders-use1"
REPLICA = "orders-usw2"
ROLE_NAME = "s3-replication"
ROLE = f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/{ROLE_NAME}"
DELAY = s3_replication.DEFAULT_DELAY_SECONDS


@pytest.fixture(autouse=True)
def clock() -> Iterator[FakeClock]:
    """AWS time is this fake clock: ``clock.advance(s)`` lets ``s`` AWS seconds pass."""
    fake = FakeClock()
    aws_time.follow(fake.now)
    s3_replication.set_replication_delay(DELAY)
    yield fake
    aws_time.reset()
    s3_replication.set_replication_delay(DELAY)


def _role(aws: ClientFactory, *directions: tuple[str, str], name: str = ROLE_NAME) -> str:
    """A role S3 can assume, allowed exactly the given (source, destination) directions."""
    iam = aws("iam", PRIMARY_REGION)
    arn = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(api.REPLICATION_TRUST)
    )["Role"]["Arn"]
    for number, (source, destination) in enumerate(directions):
        iam.put_role_policy(
            RoleName=name,
            PolicyName=f"direction-{number}",
            PolicyDocument=json.dumps(api.replication_policy(source, destination)),
        )
    return str(arn)


def _settled(clock: FakeClock, seconds: float = DELAY + 1) -> None:
    """Let the replication delay pass in AWS time."""
    clock.advance(seconds)


def _bucket(s3: Any, name: str, region: str) -> None:
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def _rule(rule_id: str, destination: str, priority: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "ID": rule_id,
        "Priority": priority,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Destination": {"Bucket": f"arn:aws:s3:::{destination}"},
        **extra,
    }


def _replicate(s3: Any, source: str, *rules: dict[str, Any], role: str = ROLE) -> None:
    s3.put_bucket_replication(
        Bucket=source, ReplicationConfiguration={"Role": role, "Rules": list(rules)}
    )


@pytest.fixture
def buckets(aws: ClientFactory) -> tuple[Any, Any]:
    """A versioned source in us-east-1 replicating everything to a versioned us-west-2 bucket."""
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA), (REPLICA, SOURCE), (SOURCE, "orders-archive"))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("all", REPLICA))
    return primary, dr


def test_put_object_is_replicated_with_body_metadata_and_tags(
    buckets: tuple[Any, Any], clock: FakeClock
) -> None:
    primary, dr = buckets

    put = primary.put_object(
        Bucket=SOURCE,
        Key="invoices/1.json",
        Body=b'{"total": 42}',
        ContentType="application/json",
        Metadata={"origin": "checkout"},
        Tagging="tier=gold",
    )
    _settled(clock)

    source = primary.head_object(Bucket=SOURCE, Key="invoices/1.json")
    replica = dr.get_object(Bucket=REPLICA, Key="invoices/1.json")
    assert source["ReplicationStatus"] == "COMPLETED"
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["Body"].read() == b'{"total": 42}'
    assert replica["ContentType"] == "application/json"
    assert replica["Metadata"] == {"origin": "checkout"}
    assert replica["ETag"] == put["ETag"]
    assert replica["VersionId"] == put["VersionId"]
    tags = dr.get_object_tagging(Bucket=REPLICA, Key="invoices/1.json")["TagSet"]
    assert tags == [{"Key": "tier", "Value": "gold"}]


def test_pending_on_aws_time_until_the_copy_is_due(
    buckets: tuple[Any, Any], clock: FakeClock
) -> None:
    primary, dr = buckets

    primary.put_object(Bucket=SOURCE, Key="slow", Body=b"eventually")

    assert primary.head_object(Bucket=SOURCE, Key="slow")["ReplicationStatus"] == "PENDING"
    assert primary.get_object(Bucket=SOURCE, Key="slow")["ReplicationStatus"] == "PENDING"
    assert dr.list_objects_v2(Bucket=REPLICA).get("KeyCount") == 0
    assert s3_replication.pending_replications() == 1
    clock.advance(DELAY - 0.5)
    assert primary.head_object(Bucket=SOURCE, Key="slow")["ReplicationStatus"] == "PENDING"

    clock.advance(1)

    assert primary.head_object(Bucket=SOURCE, Key="slow")["ReplicationStatus"] == "COMPLETED"
    assert dr.get_object(Bucket=REPLICA, Key="slow")["Body"].read() == b"eventually"
    assert s3_replication.pending_replications() == 0


def test_larger_objects_take_longer(buckets: tuple[Any, Any], clock: FakeClock) -> None:
    primary, _ = buckets
    size = 50 * 1024 * 1024  # half a second at the modelled throughput
    primary.put_object(Bucket=SOURCE, Key="small", Body=b"s")
    primary.put_object(Bucket=SOURCE, Key="large", Body=b"x" * size)

    clock.advance(DELAY + 0.1)

    assert primary.head_object(Bucket=SOURCE, Key="small")["ReplicationStatus"] == "COMPLETED"
    assert primary.head_object(Bucket=SOURCE, Key="large")["ReplicationStatus"] == "PENDING"
    clock.advance(1)
    assert primary.head_object(Bucket=SOURCE, Key="large")["ReplicationStatus"] == "COMPLETED"


def test_a_role_that_does_not_exist_fails_without_retry(
    aws: ClientFactory, clock: FakeClock
) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("all", REPLICA))  # ROLE never created

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)
    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "FAILED"

    _role(aws, (SOURCE, REPLICA))  # fixing the role does not retry what failed
    _settled(clock, 3600)

    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "FAILED"
    assert dr.list_objects_v2(Bucket=REPLICA).get("KeyCount") == 0


def test_a_role_allowed_only_the_other_direction_fails(
    aws: ClientFactory, clock: FakeClock
) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA))  # primary -> DR only
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(dr, REPLICA, _rule("back", SOURCE))  # DR -> primary with that role

    dr.put_object(Bucket=REPLICA, Key="b", Body=b"b")
    _settled(clock)

    assert dr.head_object(Bucket=REPLICA, Key="b")["ReplicationStatus"] == "FAILED"
    assert primary.list_objects_v2(Bucket=SOURCE).get("KeyCount") == 0


def test_a_role_s3_cannot_assume_fails(aws: ClientFactory, clock: FakeClock) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    iam = aws("iam", PRIMARY_REGION)
    trust_ec2 = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust_ec2))
    iam.put_role_policy(
        RoleName=ROLE_NAME,
        PolicyName="p",
        PolicyDocument=json.dumps(api.replication_policy(SOURCE, REPLICA)),
    )
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("all", REPLICA))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "FAILED"


def test_an_explicit_deny_beats_the_allow(aws: ClientFactory, clock: FakeClock) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA))
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "s3:ReplicateObject", "Resource": "*"}],
    }
    aws("iam", PRIMARY_REGION).put_role_policy(
        RoleName=ROLE_NAME, PolicyName="deny", PolicyDocument=json.dumps(deny)
    )
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("all", REPLICA))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "FAILED"


def _boundary(aws: ClientFactory, *actions: str) -> None:
    """Give the role a permissions boundary allowing only ``actions`` (on every resource)."""
    iam = aws("iam", PRIMARY_REGION)
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }
    arn = iam.create_policy(PolicyName="boundary", PolicyDocument=json.dumps(document))
    iam.put_role_permissions_boundary(RoleName=ROLE_NAME, PermissionsBoundary=arn["Policy"]["Arn"])


def test_a_permissions_boundary_without_the_action_fails_the_allowed_role(
    aws: ClientFactory, clock: FakeClock
) -> None:
    """Effective permissions are the intersection of the identity policies and the boundary
    (IAM User Guide, access_policies_boundaries): the role's own Allow is not enough."""
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA))
    _boundary(aws, "s3:GetReplicationConfiguration", "s3:ListBucket", "s3:GetObjectVersion*")
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("all", REPLICA))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "FAILED"
    assert dr.list_objects_v2(Bucket=REPLICA).get("KeyCount") == 0


def test_a_permissions_boundary_that_allows_it_lets_replication_through(
    aws: ClientFactory, clock: FakeClock
) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA))
    _boundary(aws, "s3:*")
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("all", REPLICA))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "COMPLETED"
    assert dr.get_object(Bucket=REPLICA, Key="a")["Body"].read() == b"a"


def test_objects_that_predate_the_rule_are_not_replicated(
    aws: ClientFactory, clock: FakeClock
) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    primary.put_object(Bucket=SOURCE, Key="old", Body=b"before the rule")

    _replicate(primary, SOURCE, _rule("all", REPLICA))
    primary.put_object(Bucket=SOURCE, Key="new", Body=b"after the rule")
    _settled(clock, 3600)

    assert "ReplicationStatus" not in primary.head_object(Bucket=SOURCE, Key="old")
    keys = [o["Key"] for o in dr.list_objects_v2(Bucket=REPLICA).get("Contents", [])]
    assert keys == ["new"]


def test_replication_metrics_published_where_the_rule_has_them(
    aws: ClientFactory, clock: FakeClock
) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA), (SOURCE, "orders-archive"))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _bucket(dr, "orders-archive", DR_REGION)
    measured = _rule("measured", REPLICA, 2)
    measured["Destination"]["Metrics"] = {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
    _replicate(primary, SOURCE, measured, _rule("quiet", "orders-archive", 1))
    start = clock.now()

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"abc")
    _settled(clock)

    cloudwatch = aws("cloudwatch", PRIMARY_REGION)

    def points(metric: str, destination: str, rule: str) -> list[tuple[Any, float]]:
        answer = cloudwatch.get_metric_statistics(
            Namespace="AWS/S3",
            MetricName=metric,
            Dimensions=[
                {"Name": "SourceBucket", "Value": SOURCE},
                {"Name": "DestinationBucket", "Value": destination},
                {"Name": "RuleId", "Value": rule},
            ],
            StartTime=start - timedelta(minutes=1),
            EndTime=clock.now() + timedelta(minutes=1),
            Period=1,
            Statistics=["Maximum"],
        )
        rows = sorted(answer["Datapoints"], key=lambda p: p["Timestamp"])
        return [(p["Timestamp"], p["Maximum"]) for p in rows]

    assert [v for _, v in points("ReplicationLatency", REPLICA, "measured")] == [DELAY]
    assert [v for _, v in points("OperationsPendingReplication", REPLICA, "measured")] == [1, 0]
    assert [v for _, v in points("BytesPendingReplication", REPLICA, "measured")] == [3, 0]
    assert points("ReplicationLatency", "orders-archive", "quiet") == []


def test_failed_replication_is_counted_in_the_metrics(aws: ClientFactory, clock: FakeClock) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    rule = _rule("all", REPLICA)
    rule["Destination"]["Metrics"] = {"Status": "Enabled"}
    _replicate(primary, SOURCE, rule)  # no such role
    start = clock.now()

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    answer = aws("cloudwatch", PRIMARY_REGION).get_metric_statistics(
        Namespace="AWS/S3",
        MetricName="OperationsFailedReplication",
        Dimensions=[
            {"Name": "SourceBucket", "Value": SOURCE},
            {"Name": "DestinationBucket", "Value": REPLICA},
            {"Name": "RuleId", "Value": "all"},
        ],
        StartTime=start,
        EndTime=clock.now() + timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )
    assert [p["Sum"] for p in answer["Datapoints"]] == [1.0]


def test_objects_outside_the_rule_filter_are_not_replicated(
    aws: ClientFactory, clock: FakeClock
) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("invoices", REPLICA, Filter={"Prefix": "invoices/"}))

    primary.put_object(Bucket=SOURCE, Key="logs/1.txt", Body=b"x")
    primary.put_object(Bucket=SOURCE, Key="invoices/1.txt", Body=b"y")
    _settled(clock)

    assert "ReplicationStatus" not in primary.head_object(Bucket=SOURCE, Key="logs/1.txt")
    assert dr.list_objects_v2(Bucket=REPLICA).get("KeyCount") == 1
    assert dr.head_object(Bucket=REPLICA, Key="invoices/1.txt")["ReplicationStatus"] == "REPLICA"


def test_tag_filter_selects_objects_by_tag(aws: ClientFactory, clock: FakeClock) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    rule = _rule("critical", REPLICA, Filter={"Tag": {"Key": "dr", "Value": "yes"}})
    _replicate(primary, SOURCE, rule)

    primary.put_object(Bucket=SOURCE, Key="keep", Body=b"1", Tagging="dr=yes")
    primary.put_object(Bucket=SOURCE, Key="skip", Body=b"2", Tagging="dr=no")
    _settled(clock)

    keys = [o["Key"] for o in dr.list_objects_v2(Bucket=REPLICA).get("Contents", [])]
    assert keys == ["keep"]


def test_highest_priority_rule_wins_for_the_same_destination(
    aws: ClientFactory, clock: FakeClock
) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    low = _rule("low", REPLICA, priority=1)
    high = _rule("high", REPLICA, priority=5)
    high["Destination"]["StorageClass"] = "STANDARD_IA"
    _replicate(primary, SOURCE, low, high)

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    assert dr.head_object(Bucket=REPLICA, Key="a")["StorageClass"] == "STANDARD_IA"


def test_every_destination_gets_a_copy(aws: ClientFactory, clock: FakeClock) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA), (SOURCE, "orders-archive"))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _bucket(dr, "orders-archive", DR_REGION)
    _replicate(primary, SOURCE, _rule("dr", REPLICA, 2), _rule("archive", "orders-archive", 1))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    assert dr.get_object(Bucket=REPLICA, Key="a")["Body"].read() == b"a"
    assert dr.get_object(Bucket="orders-archive", Key="a")["Body"].read() == b"a"
    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "COMPLETED"


def test_missing_destination_bucket_reports_failed(aws: ClientFactory, clock: FakeClock) -> None:
    primary = aws("s3", PRIMARY_REGION)
    _role(aws, (SOURCE, "no-such-bucket"))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _replicate(primary, SOURCE, _rule("gone", "no-such-bucket"))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "FAILED"


def test_disabled_rule_replicates_nothing(aws: ClientFactory, clock: FakeClock) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("off", REPLICA, Status="Disabled"))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    assert dr.list_objects_v2(Bucket=REPLICA).get("KeyCount") == 0


def test_copy_object_into_source_is_replicated(buckets: tuple[Any, Any], clock: FakeClock) -> None:
    primary, dr = buckets
    primary.put_object(Bucket=SOURCE, Key="original", Body=b"payload")

    primary.copy_object(Bucket=SOURCE, Key="copy", CopySource={"Bucket": SOURCE, "Key": "original"})
    _settled(clock)

    assert dr.get_object(Bucket=REPLICA, Key="copy")["Body"].read() == b"payload"
    assert primary.head_object(Bucket=SOURCE, Key="copy")["ReplicationStatus"] == "COMPLETED"


def test_multipart_upload_is_replicated(buckets: tuple[Any, Any], clock: FakeClock) -> None:
    primary, dr = buckets
    upload = primary.create_multipart_upload(Bucket=SOURCE, Key="big.bin")
    part_one, part_two = b"a" * (5 * 1024 * 1024), b"b" * 10
    parts = [
        {
            "PartNumber": number,
            "ETag": primary.upload_part(
                Bucket=SOURCE,
                Key="big.bin",
                UploadId=upload["UploadId"],
                PartNumber=number,
                Body=body,
            )["ETag"],
        }
        for number, body in ((1, part_one), (2, part_two))
    ]

    done = primary.complete_multipart_upload(
        Bucket=SOURCE,
        Key="big.bin",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": parts},
    )
    _settled(clock)

    replica = dr.head_object(Bucket=REPLICA, Key="big.bin")
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["ETag"] == done["ETag"]
    assert replica["ContentLength"] == len(part_one) + len(part_two)
    assert primary.head_object(Bucket=SOURCE, Key="big.bin")["ReplicationStatus"] == "COMPLETED"


def test_two_way_replication_does_not_loop(aws: ClientFactory, clock: FakeClock) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA), (REPLICA, SOURCE))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("to-dr", REPLICA))
    _replicate(dr, REPLICA, _rule("to-primary", SOURCE))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"from-primary")
    dr.put_object(Bucket=REPLICA, Key="b", Body=b"from-dr")
    _settled(clock, 3600)

    source_versions = primary.list_object_versions(Bucket=SOURCE)["Versions"]
    replica_versions = dr.list_object_versions(Bucket=REPLICA)["Versions"]
    assert sorted(v["Key"] for v in source_versions) == ["a", "b"]
    assert sorted(v["Key"] for v in replica_versions) == ["a", "b"]
    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "COMPLETED"
    assert primary.head_object(Bucket=SOURCE, Key="b")["ReplicationStatus"] == "REPLICA"
    assert dr.head_object(Bucket=REPLICA, Key="b")["ReplicationStatus"] == "COMPLETED"


def test_delete_marker_is_replicated_when_enabled(aws: ClientFactory, clock: FakeClock) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _role(aws, (SOURCE, REPLICA))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(
        primary,
        SOURCE,
        _rule("all", REPLICA, DeleteMarkerReplication={"Status": "Enabled"}),
    )
    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    deleted = primary.delete_object(Bucket=SOURCE, Key="a")
    assert "DeleteMarkers" not in dr.list_object_versions(Bucket=REPLICA)  # takes time too
    _settled(clock)

    markers = dr.list_object_versions(Bucket=REPLICA).get("DeleteMarkers", [])
    assert [(m["Key"], m["VersionId"], m["IsLatest"]) for m in markers] == [
        ("a", deleted["VersionId"], True)
    ]


def test_delete_marker_is_not_replicated_when_disabled(
    buckets: tuple[Any, Any], clock: FakeClock
) -> None:
    primary, dr = buckets
    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")
    _settled(clock)

    primary.delete_object(Bucket=SOURCE, Key="a")
    _settled(clock)

    assert "DeleteMarkers" not in dr.list_object_versions(Bucket=REPLICA)
    assert dr.get_object(Bucket=REPLICA, Key="a")["Body"].read() == b"a"


def test_established_seed_objects_complete_at_once(buckets: tuple[Any, Any]) -> None:
    primary, dr = buckets

    primary.put_object(
        Bucket=SOURCE, Key="seed", Body=b"old", Metadata={"drctl-sandbox-established": "true"}
    )

    assert primary.head_object(Bucket=SOURCE, Key="seed")["ReplicationStatus"] == "COMPLETED"
    assert dr.get_object(Bucket=REPLICA, Key="seed")["Body"].read() == b"old"


def test_negative_delay_is_rejected() -> None:
    with pytest.raises(ValueError):
        s3_replication.set_replication_delay(-1)


def test_replication_through_threaded_server(server: ClientFactory, clock: FakeClock) -> None:
    primary, dr = server("s3", PRIMARY_REGION), server("s3", DR_REGION)
    _role(server, (SOURCE, REPLICA))
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("all", REPLICA))

    primary.put_object(Bucket=SOURCE, Key="a.txt", Body=b"over-http", ContentType="text/plain")
    assert primary.head_object(Bucket=SOURCE, Key="a.txt")["ReplicationStatus"] == "PENDING"
    _settled(clock)

    assert primary.head_object(Bucket=SOURCE, Key="a.txt")["ReplicationStatus"] == "COMPLETED"
    replica = dr.get_object(Bucket=REPLICA, Key="a.txt")
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["ContentType"] == "text/plain"
    assert replica["Body"].read() == b"over-http"


def test_network_guard_refuses_calls_that_moto_would_not_answer(
    boto_session: boto3.session.Session,
) -> None:
    with pytest.raises(RuntimeError, match="leave the machine"):
        boto_session.client("s3", region_name=PRIMARY_REGION).list_buckets()


def test_get_bucket_replication_returns_the_rules_as_stored(aws: ClientFactory) -> None:
    primary = aws("s3", PRIMARY_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    rule = _rule(
        "kms",
        REPLICA,
        Filter={"And": {"Prefix": "p/", "Tags": [{"Key": "dr", "Value": "yes"}]}},
        DeleteMarkerReplication={"Status": "Enabled"},
        SourceSelectionCriteria={"SseKmsEncryptedObjects": {"Status": "Enabled"}},
    )
    rule["Destination"]["EncryptionConfiguration"] = {"ReplicaKmsKeyID": "key"}
    _replicate(primary, SOURCE, rule)

    [got] = primary.get_bucket_replication(Bucket=SOURCE)["ReplicationConfiguration"]["Rules"]

    assert got["Filter"] == rule["Filter"]
    assert got["DeleteMarkerReplication"] == {"Status": "Enabled"}
    assert got["SourceSelectionCriteria"] == rule["SourceSelectionCriteria"]
    assert got["Destination"]["EncryptionConfiguration"] == {"ReplicaKmsKeyID": "key"}
