"""The shared reads of ``plan init --discover`` (``drctl.aws.discovery``) on AWS's own answer
shapes (botocore's Stubber checks every request against the service model): every page of a
stack's resources, an unknown stack as bad input, zone tags in batches of ten, and failover
records paired by name and type (or listed as a lone half)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from drctl.aws.discovery import (
    failover_pairs,
    stack_resources,
    tagged_arns,
    zone_tags,
)
from drctl.errors import UsageError


def _client(service: str) -> Any:
    return boto3.client(
        service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def _summary(logical: str, physical: str | None, kind: str = "AWS::S3::Bucket") -> dict[str, Any]:
    summary: dict[str, Any] = {
        "LogicalResourceId": logical,
        "ResourceType": kind,
        "LastUpdatedTimestamp": "2026-01-01T00:00:00Z",
        "ResourceStatus": "CREATE_COMPLETE",
    }
    if physical:
        summary["PhysicalResourceId"] = physical
    return summary


def test_stack_resources_reads_every_page_and_skips_the_uncreated() -> None:
    cfn = _client("cloudformation")
    with Stubber(cfn) as stub:
        stub.add_response(
            "list_stack_resources",
            {"StackResourceSummaries": [_summary("A", "bucket-a")], "NextToken": "t1"},
            {"StackName": "shop"},
        )
        stub.add_response(
            "list_stack_resources",
            {"StackResourceSummaries": [_summary("B", None), _summary("C", "bucket-c")]},
            {"StackName": "shop", "NextToken": "t1"},
        )
        found = stack_resources(cfn, "shop")
        stub.assert_no_pending_responses()
    assert [(r.logical_id, r.physical_id) for r in found] == [("A", "bucket-a"), ("C", "bucket-c")]


def test_an_unknown_stack_is_bad_input() -> None:
    cfn = _client("cloudformation")
    with Stubber(cfn) as stub:
        stub.add_client_error(
            "list_stack_resources",
            service_error_code="ValidationError",
            service_message="Stack with id nope does not exist",
            http_status_code=400,
        )
        with pytest.raises(UsageError, match="no CloudFormation stack nope in us-east-1"):
            stack_resources(cfn, "nope")


def test_tagged_arns_asks_for_every_tag_and_reads_every_page() -> None:
    tagging = _client("resourcegroupstaggingapi")
    filters = [{"Key": "Application", "Values": ["shop"]}, {"Key": "env", "Values": ["prod"]}]
    mapping = {"ResourceARN": "arn:aws:s3:::a", "Tags": [{"Key": "env", "Value": "prod"}]}
    with Stubber(tagging) as stub:
        stub.add_response(
            "get_resources",
            {"ResourceTagMappingList": [mapping], "PaginationToken": "p"},
            {"TagFilters": filters, "ResourceTypeFilters": ["s3"]},
        )
        stub.add_response(
            "get_resources",
            {"ResourceTagMappingList": [{**mapping, "ResourceARN": "arn:aws:s3:::b"}]},
            {"TagFilters": filters, "ResourceTypeFilters": ["s3"], "PaginationToken": "p"},
        )
        found = tagged_arns(tagging, {"Application": "shop", "env": "prod"}, ["s3"])
    assert found == {"arn:aws:s3:::a": {"env": "prod"}, "arn:aws:s3:::b": {"env": "prod"}}


def test_zone_tags_asks_ten_zones_at_a_time() -> None:
    route53 = _client("route53")
    ids = [f"Z{n:04d}" for n in range(12)]
    with Stubber(route53) as stub:
        for batch in (ids[:10], ids[10:]):
            stub.add_response(
                "list_tags_for_resources",
                {"ResourceTagSets": [{"ResourceType": "hostedzone", "ResourceId": i,
                                      "Tags": [{"Key": "app", "Value": i}]} for i in batch]},
                {"ResourceType": "hostedzone", "ResourceIds": batch},
            )  # fmt: skip
        found = zone_tags(route53, ids)
        stub.assert_no_pending_responses()
    assert found == {i: {"app": i} for i in ids}


def test_failover_records_pair_by_name_and_type() -> None:
    route53 = _client("route53")

    def rrset(name: str, kind: str, role: str) -> dict[str, Any]:
        return {"Name": name, "Type": kind, "SetIdentifier": role.lower(), "Failover": role,
                "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.1"}]}  # fmt: skip

    records = [
        {"Name": "example.com.", "Type": "NS", "TTL": 60, "ResourceRecords": [{"Value": "ns."}]},
        rrset("api.example.com.", "A", "PRIMARY"),
        rrset("api.example.com.", "A", "SECONDARY"),
        rrset("www.example.com.", "A", "PRIMARY"),
    ]
    with Stubber(route53) as stub:
        stub.add_response(
            "list_resource_record_sets",
            {"ResourceRecordSets": records, "IsTruncated": False, "MaxItems": "100"},
            {"HostedZoneId": "Z1"},
        )
        pairs, halves = failover_pairs(
            route53, {"Id": "/hostedzone/Z1", "Name": "example.com.", "CallerReference": "r"}
        )
    [pair] = pairs
    assert (pair.name, pair.record_type, pair.zone_id) == ("api.example.com.", "A", "Z1")
    assert pair.primary["SetIdentifier"] == "primary"
    assert halves == ["www.example.com. A (PRIMARY only)"]
