"""S3 replication extension: objects reach the DR bucket and report ReplicationStatus."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from drctl.kinds.s3_bucket import moto_replication as s3_replication

ClientFactory = Callable[..., Any]
PRIMARY_REGION = "us-east-1"
DR_REGION = "us-west-2"
SOURCE = "orders-use1"
REPLICA = "orders-usw2"
ROLE = "arn:aws:iam::123456789012:role/s3-replication"


@pytest.fixture(autouse=True)
def _synchronous_replication() -> Iterator[None]:
    s3_replication.set_replication_delay(0)
    yield
    s3_replication.wait_for_replication(timeout=5)
    s3_replication.set_replication_delay(0)


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


def _replicate(s3: Any, source: str, *rules: dict[str, Any]) -> None:
    s3.put_bucket_replication(
        Bucket=source, ReplicationConfiguration={"Role": ROLE, "Rules": list(rules)}
    )


@pytest.fixture
def buckets(aws: ClientFactory) -> tuple[Any, Any]:
    """A versioned source in us-east-1 replicating everything to a versioned us-west-2 bucket."""
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("all", REPLICA))
    return primary, dr


def test_put_object_is_replicated_with_body_metadata_and_tags(buckets: tuple[Any, Any]) -> None:
    primary, dr = buckets

    put = primary.put_object(
        Bucket=SOURCE,
        Key="invoices/1.json",
        Body=b'{"total": 42}',
        ContentType="application/json",
        Metadata={"origin": "checkout"},
        Tagging="tier=gold",
    )

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


def test_get_object_on_source_reports_completed(buckets: tuple[Any, Any]) -> None:
    primary, _ = buckets
    primary.put_object(Bucket=SOURCE, Key="a.txt", Body=b"a")

    assert primary.get_object(Bucket=SOURCE, Key="a.txt")["ReplicationStatus"] == "COMPLETED"


def test_objects_outside_the_rule_filter_are_not_replicated(aws: ClientFactory) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("invoices", REPLICA, Filter={"Prefix": "invoices/"}))

    primary.put_object(Bucket=SOURCE, Key="logs/1.txt", Body=b"x")
    primary.put_object(Bucket=SOURCE, Key="invoices/1.txt", Body=b"y")

    assert "ReplicationStatus" not in primary.head_object(Bucket=SOURCE, Key="logs/1.txt")
    assert dr.list_objects_v2(Bucket=REPLICA).get("KeyCount") == 1
    assert dr.head_object(Bucket=REPLICA, Key="invoices/1.txt")["ReplicationStatus"] == "REPLICA"


def test_tag_filter_selects_objects_by_tag(aws: ClientFactory) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    rule = _rule("critical", REPLICA, Filter={"Tag": {"Key": "dr", "Value": "yes"}})
    _replicate(primary, SOURCE, rule)

    primary.put_object(Bucket=SOURCE, Key="keep", Body=b"1", Tagging="dr=yes")
    primary.put_object(Bucket=SOURCE, Key="skip", Body=b"2", Tagging="dr=no")

    keys = [o["Key"] for o in dr.list_objects_v2(Bucket=REPLICA).get("Contents", [])]
    assert keys == ["keep"]


def test_highest_priority_rule_wins_for_the_same_destination(aws: ClientFactory) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    low = _rule("low", REPLICA, priority=1)
    high = _rule("high", REPLICA, priority=5)
    high["Destination"]["StorageClass"] = "STANDARD_IA"
    _replicate(primary, SOURCE, low, high)

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")

    assert dr.head_object(Bucket=REPLICA, Key="a")["StorageClass"] == "STANDARD_IA"


def test_every_destination_gets_a_copy(aws: ClientFactory) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _bucket(dr, "orders-archive", DR_REGION)
    _replicate(primary, SOURCE, _rule("dr", REPLICA, 2), _rule("archive", "orders-archive", 1))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")

    assert dr.get_object(Bucket=REPLICA, Key="a")["Body"].read() == b"a"
    assert dr.get_object(Bucket="orders-archive", Key="a")["Body"].read() == b"a"
    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "COMPLETED"


def test_missing_destination_bucket_reports_failed(aws: ClientFactory) -> None:
    primary = aws("s3", PRIMARY_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _replicate(primary, SOURCE, _rule("gone", "no-such-bucket"))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")

    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "FAILED"


def test_disabled_rule_replicates_nothing(aws: ClientFactory) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("off", REPLICA, Status="Disabled"))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")

    assert dr.list_objects_v2(Bucket=REPLICA).get("KeyCount") == 0


def test_copy_object_into_source_is_replicated(buckets: tuple[Any, Any]) -> None:
    primary, dr = buckets
    primary.put_object(Bucket=SOURCE, Key="original", Body=b"payload")

    primary.copy_object(Bucket=SOURCE, Key="copy", CopySource={"Bucket": SOURCE, "Key": "original"})

    assert dr.get_object(Bucket=REPLICA, Key="copy")["Body"].read() == b"payload"
    assert primary.head_object(Bucket=SOURCE, Key="copy")["ReplicationStatus"] == "COMPLETED"


def test_multipart_upload_is_replicated(buckets: tuple[Any, Any]) -> None:
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

    replica = dr.head_object(Bucket=REPLICA, Key="big.bin")
    assert replica["ReplicationStatus"] == "REPLICA"
    assert replica["ETag"] == done["ETag"]
    assert replica["ContentLength"] == len(part_one) + len(part_two)
    assert primary.head_object(Bucket=SOURCE, Key="big.bin")["ReplicationStatus"] == "COMPLETED"


def test_two_way_replication_does_not_loop(aws: ClientFactory) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("to-dr", REPLICA))
    _replicate(dr, REPLICA, _rule("to-primary", SOURCE))

    primary.put_object(Bucket=SOURCE, Key="a", Body=b"from-primary")
    dr.put_object(Bucket=REPLICA, Key="b", Body=b"from-dr")

    source_versions = primary.list_object_versions(Bucket=SOURCE)["Versions"]
    replica_versions = dr.list_object_versions(Bucket=REPLICA)["Versions"]
    assert sorted(v["Key"] for v in source_versions) == ["a", "b"]
    assert sorted(v["Key"] for v in replica_versions) == ["a", "b"]
    assert primary.head_object(Bucket=SOURCE, Key="a")["ReplicationStatus"] == "COMPLETED"
    assert primary.head_object(Bucket=SOURCE, Key="b")["ReplicationStatus"] == "REPLICA"
    assert dr.head_object(Bucket=REPLICA, Key="b")["ReplicationStatus"] == "COMPLETED"


def test_delete_marker_is_replicated_when_enabled(aws: ClientFactory) -> None:
    primary, dr = aws("s3", PRIMARY_REGION), aws("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(
        primary,
        SOURCE,
        _rule("all", REPLICA, DeleteMarkerReplication={"Status": "Enabled"}),
    )
    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")

    deleted = primary.delete_object(Bucket=SOURCE, Key="a")

    markers = dr.list_object_versions(Bucket=REPLICA).get("DeleteMarkers", [])
    assert [(m["Key"], m["VersionId"], m["IsLatest"]) for m in markers] == [
        ("a", deleted["VersionId"], True)
    ]


def test_delete_marker_is_not_replicated_when_disabled(buckets: tuple[Any, Any]) -> None:
    primary, dr = buckets
    primary.put_object(Bucket=SOURCE, Key="a", Body=b"a")

    primary.delete_object(Bucket=SOURCE, Key="a")

    assert "DeleteMarkers" not in dr.list_object_versions(Bucket=REPLICA)
    assert dr.get_object(Bucket=REPLICA, Key="a")["Body"].read() == b"a"


def test_delay_keeps_source_pending_until_the_copy_runs(buckets: tuple[Any, Any]) -> None:
    primary, dr = buckets
    s3_replication.set_replication_delay(0.2)

    primary.put_object(Bucket=SOURCE, Key="slow", Body=b"eventually")

    assert primary.head_object(Bucket=SOURCE, Key="slow")["ReplicationStatus"] == "PENDING"
    assert dr.list_objects_v2(Bucket=REPLICA).get("KeyCount") == 0
    assert s3_replication.pending_replications() == 1

    assert s3_replication.wait_for_replication(timeout=5)

    assert primary.head_object(Bucket=SOURCE, Key="slow")["ReplicationStatus"] == "COMPLETED"
    assert dr.get_object(Bucket=REPLICA, Key="slow")["Body"].read() == b"eventually"


def test_negative_delay_is_rejected() -> None:
    with pytest.raises(ValueError):
        s3_replication.set_replication_delay(-1)


def test_replication_through_threaded_server(server: ClientFactory) -> None:
    primary, dr = server("s3", PRIMARY_REGION), server("s3", DR_REGION)
    _bucket(primary, SOURCE, PRIMARY_REGION)
    _bucket(dr, REPLICA, DR_REGION)
    _replicate(primary, SOURCE, _rule("all", REPLICA))

    primary.put_object(Bucket=SOURCE, Key="a.txt", Body=b"over-http", ContentType="text/plain")

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
