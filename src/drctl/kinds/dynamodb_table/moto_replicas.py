"""DynamoDB global tables (version 2019.11.21) through ``UpdateTable ReplicaUpdates``.

AWS API reference (DynamoDB, 2012-08-10): ``UpdateTable`` takes ``ReplicaUpdates``,
a list of ``{"Create": {"RegionName": r}}`` / ``{"Delete": {"RegionName": r}}``;
creating a replica makes the table a global table of version ``2019.11.21``
whose ``DescribeTable`` shows ``GlobalTableVersion`` and ``Replicas``
(``RegionName``, ``ReplicaStatus``) in every member region, and the replica table
exists in the other region with the same key schema. Writes to any member are
replicated to the others. A ``Create`` for a region that already holds a
replica, or a ``Delete`` of a region that does not, is a ``ValidationException``.
DynamoDB Streams (``NEW_AND_OLD_IMAGES``) carry replication; they are enabled
on the members when absent.

moto 5.2.5 ignores ``ReplicaUpdates``. This extension keeps a replica group per
table (shared by its member ``Table`` objects, so moto's reset forgets it),
creates and deletes the replica tables, adds the two fields to ``describe``, and
carries ``PutItem`` / ``UpdateItem`` / ``DeleteItem`` (and the batch and
transaction writes built on them) to the other members synchronously.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from drctl.kinds.sandboxing import PatchSet

_patches = PatchSet()
_lock = threading.RLock()
_GROUP = "_drctl_replica_group"
VERSION = "2019.11.21"


def _group(table: Any) -> dict[str, Any] | None:
    group: dict[str, Any] | None = getattr(table, _GROUP, None)
    return group


def _backend(account: str, region: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[account][region]


def _validation(message: str) -> Exception:
    from moto.dynamodb.exceptions import MockValidationException

    return MockValidationException(message)


def _create_replica(table: Any, region: str) -> None:
    group = _group(table) or {table.region_name: table}
    if region in group:
        raise _validation(
            f"Failed to create a the new replica of table with name: '{table.name}' because "
            f"one or more replicas already existed as tables in region {region}."
        )
    backend = _backend(table.account_id, region)
    streams = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    replica = backend.create_table(
        name=table.name,
        schema=copy.deepcopy(table.schema),
        throughput=copy.deepcopy(table.throughput),
        attr=copy.deepcopy(table.attr),
        global_indexes=[i.describe() for i in table.global_indexes] or None,
        indexes=[i.describe() for i in table.indexes] or None,
        streams=streams,
        billing_mode=table.billing_mode,
        sse_specification=None,
        tags=[],
        deletion_protection_enabled=None,
        warm_throughput=None,
    )
    if not (table.stream_specification or {}).get("StreamEnabled"):
        table.set_stream_specification(streams)
    for item in list(table.all_items()):
        replica.put_item(copy.deepcopy(item.to_json()["Attributes"]))
    group[region] = replica
    for member in group.values():
        setattr(member, _GROUP, group)


def _delete_replica(table: Any, region: str) -> None:
    group = _group(table)
    if not group or region not in group or region == table.region_name:
        raise _validation(f"Replica in region {region} of table {table.name} does not exist")
    _backend(table.account_id, region).delete_table(table.name)
    del group[region]
    for member in group.values():
        setattr(member, _GROUP, group if len(group) > 1 else None)


def _wrap_update_table(original: Any) -> Any:
    def update_table(self: Any) -> Any:
        updates = self.body.get("ReplicaUpdates") or []
        if updates:
            table = self.dynamodb_backend.get_table(self.body["TableName"])
            with _lock:
                for update in updates:
                    if "Create" in update:
                        _create_replica(table, update["Create"]["RegionName"])
                    elif "Delete" in update:
                        _delete_replica(table, update["Delete"]["RegionName"])
        return original(self)

    return update_table


def _wrap_describe(original: Any) -> Any:
    def describe(self: Any, base_key: str = "TableDescription") -> Any:
        result = original(self, base_key)
        group = _group(self)
        if group and len(group) > 1:
            result[base_key]["GlobalTableVersion"] = VERSION
            result[base_key]["Replicas"] = [
                {"RegionName": region, "ReplicaStatus": "ACTIVE"}
                for region in sorted(group)
                if region != self.region_name
            ]
        return result

    return describe


def _others(table: Any) -> list[Any]:
    group = _group(table)
    return [t for r, t in (group or {}).items() if r != table.region_name]


def _key(table: Any, key: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


def _carry(backend: Any, table_name: str, key: dict[str, Any]) -> None:
    """Make every other member hold what this member now holds for ``key``."""
    table = backend.get_table(table_name)
    others = _others(table)
    if not others:
        return
    hash_key, range_key = _key(table, key)
    item = table.get_item(hash_key, range_key)
    for other in others:
        if item is None:
            other.delete_item(hash_key, range_key)  # None when already absent there
        else:
            other.put_item(copy.deepcopy(item.to_json()["Attributes"]))


def _key_of(table: Any, attrs: dict[str, Any]) -> dict[str, Any]:
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _wrap_write(original: Any, kind: str) -> Any:
    def write(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        result = original(self, table_name, *args, **kwargs)
        with _lock:
            table = self.get_table(table_name)
            if _others(table):
                if kind == "put":
                    attrs = args[0] if args else kwargs["item_attrs"]
                    _carry(self, table_name, _key_of(table, attrs))
                else:
                    key = args[0] if args else kwargs["key"]
                    _carry(self, table_name, key)
        return result

    return write


def install() -> None:
    if _patches.active:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    _patches.replace(DynamoHandler, "update_table", _wrap_update_table(DynamoHandler.update_table))
    _patches.replace(Table, "describe", _wrap_describe(Table.describe))
    _patches.replace(DynamoDBBackend, "put_item", _wrap_write(DynamoDBBackend.put_item, "put"))
    _patches.replace(
        DynamoDBBackend, "update_item", _wrap_write(DynamoDBBackend.update_item, "key")
    )
    _patches.replace(
        DynamoDBBackend, "delete_item", _wrap_write(DynamoDBBackend.delete_item, "key")
    )


def uninstall() -> None:
    _patches.restore_all()


def is_installed() -> bool:
    return _patches.active
