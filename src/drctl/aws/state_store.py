"""Remote state for ``state.backend: s3``: run journals in a bucket, the run lock as a
conditional S3 put (If-None-Match) or a conditional DynamoDB write.

Both conditions are evaluated by AWS, so two operators on two machines cannot
both win the lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from botocore.exceptions import ClientError

from drctl.aws.errors import is_not_found


class LockDocument(Protocol):
    """What a store keeps of a lock: the engine's lock record, as JSON."""

    @property
    def lock_id(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


D = TypeVar("D", bound=LockDocument)
Parse = Callable[[dict[str, Any]], D]

_CONFLICT = {"PreconditionFailed", "ConditionalRequestConflict", "412"}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def bucket_region(s3: Any, bucket: str) -> str:
    """The region a bucket lives in (``None`` location means us-east-1)."""
    location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    return str(location or "us-east-1")


class S3LockStore(Generic[D]):
    """``s3://<bucket>/drctl/locks/<app>.lock``, created with ``If-None-Match: *``."""

    def __init__(self, s3: Any, bucket: str, app: str, parse: Parse[D]) -> None:
        self.s3 = s3
        self.parse = parse
        self.bucket = bucket
        self.key = f"drctl/locks/{app}.lock"
        self.where = f"s3://{bucket}/{self.key}"

    def _get(self) -> tuple[D, str] | None:
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            if is_not_found(exc, "NoSuchKey", "404"):
                return None
            raise
        return self.parse(json.loads(obj["Body"].read())), str(obj["ETag"])

    def create(self, info: D) -> D | None:
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=json.dumps(info.as_dict()).encode(),
                IfNoneMatch="*",
                ContentType="application/json",
            )
        except ClientError as exc:
            if _code(exc) not in _CONFLICT:
                raise
            found = self._get()
            return found[0] if found else self.create(info)
        return None

    def read(self) -> D | None:
        found = self._get()
        return found[0] if found else None

    def replace(self, current: D, info: D) -> bool:
        found = self._get()
        if found is None or found[0] != current:
            return False
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=self.key,
                Body=json.dumps(info.as_dict()).encode(),
                IfMatch=found[1],
                ContentType="application/json",
            )
        except ClientError as exc:
            if _code(exc) in _CONFLICT:
                return False
            raise
        return True

    def delete(self, current: D) -> bool:
        found = self._get()
        if found is None or found[0] != current:
            return False
        self.s3.delete_object(Bucket=self.bucket, Key=self.key)
        return True


class DynamoDbLockStore(Generic[D]):
    """An item ``{"lock": "<app>"}`` in ``lock_table`` (partition key ``lock``, a string)."""

    def __init__(self, dynamodb: Any, table: str, app: str, parse: Parse[D]) -> None:
        self.parse = parse
        self.ddb = dynamodb
        self.table = table
        self.app = app
        self.where = f"dynamodb://{table}/{app}"

    def _item(self, info: D) -> dict[str, Any]:
        return {
            "lock": {"S": self.app},
            "lock_id": {"S": info.lock_id},
            "holder": {"S": json.dumps(info.as_dict())},
        }

    def create(self, info: D) -> D | None:
        try:
            self.ddb.put_item(
                TableName=self.table,
                Item=self._item(info),
                ConditionExpression="attribute_not_exists(#l)",
                ExpressionAttributeNames={"#l": "lock"},
            )
        except ClientError as exc:
            if _code(exc) != "ConditionalCheckFailedException":
                raise
            return self.read() or self.create(info)
        return None

    def read(self) -> D | None:
        item = self.ddb.get_item(
            TableName=self.table, Key={"lock": {"S": self.app}}, ConsistentRead=True
        ).get("Item")
        return self.parse(json.loads(item["holder"]["S"])) if item else None

    def _conditional(self, call: Any, **kwargs: Any) -> bool:
        try:
            call(
                TableName=self.table,
                ConditionExpression="lock_id = :id",
                **kwargs,
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def replace(self, current: D, info: D) -> bool:
        return self._conditional(
            self.ddb.put_item,
            Item=self._item(info),
            ExpressionAttributeValues={":id": {"S": current.lock_id}},
        )

    def delete(self, current: D) -> bool:
        return self._conditional(
            self.ddb.delete_item,
            Key={"lock": {"S": self.app}},
            ExpressionAttributeValues={":id": {"S": current.lock_id}},
        )


class S3JournalMirror:
    """Copies a run's journal to ``s3://<bucket>/drctl/runs/<app>/<run>.jsonl`` after each event.

    S3 has no append, so the whole (small) journal is put each time; the local
    fsync'd file stays the first record, the bucket is what a second operator sees.
    """

    def __init__(self, s3: Any, bucket: str, app: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.prefix = f"drctl/runs/{app}/"

    def key(self, run_id: str) -> str:
        return f"{self.prefix}{run_id}.jsonl"

    def upload(self, run_id: str, body: bytes) -> None:
        self.s3.put_object(
            Bucket=self.bucket, Key=self.key(run_id), Body=body, ContentType="application/jsonl"
        )

    def download(self, run_id: str) -> bytes | None:
        try:
            return bytes(
                self.s3.get_object(Bucket=self.bucket, Key=self.key(run_id))["Body"].read()
            )
        except ClientError as exc:
            if is_not_found(exc, "NoSuchKey", "404"):
                return None
            raise

    def run_ids(self) -> list[str]:
        ids: list[str] = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for obj in page.get("Contents", []):
                name = obj["Key"][len(self.prefix) :]
                if name.endswith(".jsonl"):
                    ids.append(name[: -len(".jsonl")])
        return ids
