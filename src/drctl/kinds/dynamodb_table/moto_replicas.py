"""DynamoDB global tables (version 2019.11.21) through ``UpdateTable ReplicaUpdates``.

moto 5.2.5 ignores ``ReplicaUpdates``. This extension keeps a replica group per table and moves
it through the states AWS reports, on the sandbox's AWS clock
(:data:`drctl.kinds.sandboxing.aws_time`), never skipping one. Nothing runs in the background:
every DynamoDB request that reads a table, and every CloudWatch metric read, first applies what
is due at ``aws_time.now()`` (``settle``).

Behaviour, and where it comes from (DynamoDB API reference 2012-08-10, botocore
``dynamodb/2012-08-10``, the global tables developer guide):

- ``UpdateTable`` ``ReplicaUpdates`` ``{"Create": {"RegionName": r}}`` adds a replica
  (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ReplicaUpdate.html): the
  table becomes a ``GlobalTableVersion`` ``2019.11.21`` global table, the replica table exists
  in ``r`` with the same key schema and the items, and the new replica is ``CREATING``
  (``ReplicaStatus``; its ``TableStatus`` too, the other members ``UPDATING``) for
  ``CREATE_SECONDS``, then ``ACTIVE``. ``{"Delete": ...}`` makes it ``DELETING`` for
  ``DELETE_SECONDS``, then the replica table is gone. A ``Create`` for a Region that already
  holds a replica, or a table of that name, and a ``Delete`` of a Region that holds none, are
  ``ValidationException``. Streams (``NEW_AND_OLD_IMAGES``) are enabled on the members.
- ``ReplicaStatus`` ``REGION_DISABLED`` (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ReplicaDescription.html):
  while a Region's DynamoDB is out (the sandbox's outage layer: ``us-east-1`` or
  ``dynamodb@us-east-1``) the other members describe its replica as ``REGION_DISABLED`` with
  ``ReplicaInaccessibleDateTime``; "If the AWS Region remains inaccessible for more than 20
  hours, DynamoDB will remove this replica from the replication group. The replica will not be
  deleted and replication will stop from and to this region": after ``REMOVAL_SECONDS`` the
  other members no longer list it, and its table (when the Region answers again) is a plain
  table holding what it held, outside the group. A removal is applied when a request observes
  the outage past 20 hours.
- Writes (``PutItem``, ``UpdateItem``, ``DeleteItem`` and the batch and transaction writes
  built on them) replicate asynchronously: each reaches the other members
  ``replication delay`` AWS seconds after it was made (the sandbox's choice, 0.8 s by default:
  AWS says replication typically completes within a second), only while both Regions answer,
  and only once the receiving replica is past ``CREATING``. Conflicting writes to the same key
  resolve last-writer-wins on the write timestamps
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html):
  a replicated write older than what the receiving replica already holds for the key (a write
  or a delete) is discarded; equal timestamps go to the Region name that sorts last.
- ``ReplicationLatency`` (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_monitoring.html):
  one datapoint per replicated write, in the source Region, namespace ``AWS/DynamoDB``,
  dimensions ``TableName`` and ``ReceivingRegion``, Milliseconds: the time from the write to
  its arrival (longer when an outage held it back). No writes, no datapoints.

A table created with the tag ``drctl-sandbox-established: true`` (the sandbox builder's) stands
for a global table set up long before the sandbox's clock started: its replicas are ``ACTIVE``
at once.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from drctl.kinds.sandboxing import PatchSet, aws_time, unreachable

__all__ = [
    "CREATE_SECONDS",
    "DEFAULT_DELAY_SECONDS",
    "DELETE_SECONDS",
    "ESTABLISHED_TAG",
    "REMOVAL_SECONDS",
    "VERSION",
    "get_replication_delay",
    "install",
    "is_installed",
    "pending_writes",
    "set_replication_delay",
    "settle_all",
    "uninstall",
]

VERSION: Final = "2019.11.21"
CREATE_SECONDS: Final = 180.0  # a replica CREATING (the sandbox's choice: AWS says minutes)
DELETE_SECONDS: Final = 60.0  # a replica DELETING
DEFAULT_DELAY_SECONDS: Final = 0.8  # write -> other replicas
REMOVAL_SECONDS: Final = 20 * 3600.0  # REGION_DISABLED this long: out of the group
ESTABLISHED_TAG: Final = "drctl-sandbox-established"
SERVICE: Final = "dynamodb"

_patches = PatchSet()
_lock = threading.RLock()
_GROUP: Final = "_drctl_replica_group"
_WAS_GLOBAL: Final = "_drctl_was_global"
_delay_seconds = DEFAULT_DELAY_SECONDS
_local = threading.local()

# What last-writer-wins compares: (write time, Region, sequence). Equal times in two Regions go
# to the Region that sorts last; two writes in one Region at one instant keep their order.
Stamp = tuple[datetime, str, int]
_sequence = itertools.count()


@dataclass(eq=False)
class _Replica:
    """One member of a group: its moto table and its timeline."""

    table: Any
    ready_at: datetime  # CREATING until then
    deleting_until: datetime | None = None


@dataclass(eq=False)
class _Write:
    """A write made in ``source`` that ``dest`` has yet to receive."""

    source: str
    dest: str
    key: dict[str, Any]
    item: dict[str, Any] | None  # None: a delete
    stamp: Stamp
    due: datetime
    held: bool = False  # an outage kept it back past ``due``


@dataclass(eq=False)
class _Group:
    """A global table: its replicas by Region, the writes in flight, the stamps per key."""

    name: str
    account: str
    replicas: dict[str, _Replica]
    queue: list[_Write] = field(default_factory=list)
    stamps: dict[str, dict[str, Stamp]] = field(default_factory=dict)


_groups: weakref.WeakSet[_Group] = weakref.WeakSet()


def set_replication_delay(seconds: float) -> None:
    """The AWS seconds a write takes to reach the other replicas, from now on."""
    global _delay_seconds
    if seconds < 0:
        raise ValueError(f"replication delay must be >= 0, got {seconds}")
    _delay_seconds = float(seconds)


def get_replication_delay() -> float:
    return _delay_seconds


def _group(table: Any) -> _Group | None:
    group = table.__dict__.get(_GROUP)
    return group if isinstance(group, _Group) else None


def _attach(table: Any, group: _Group | None) -> None:
    table.__dict__[_GROUP] = group


def _backend(account: str, region: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[account][region]


def _validation(message: str) -> Exception:
    from moto.dynamodb.exceptions import MockValidationException

    return MockValidationException(message)


def _down(region: str) -> datetime | None:
    return unreachable.since(SERVICE, region)


def _established(table: Any) -> bool:
    """A sandbox table's first replicas, which stand for ones made long ago. Only the first:
    a replica added later (re-added after an outage, say) takes its minutes like any other."""
    if table.__dict__.get(_WAS_GLOBAL):
        return False
    return any(
        t.get("Key") == ESTABLISHED_TAG and str(t.get("Value")).lower() == "true"
        for t in table.tags or []
    )


# --- keys and stamps --------------------------------------------------------------------------


def _key_of(table: Any, attrs: dict[str, Any]) -> dict[str, Any]:
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def _key_id(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True)


def _current(table: Any, key: dict[str, Any]) -> dict[str, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    item = table.get_item(hash_key, range_key)
    return None if item is None else copy.deepcopy(item.to_json()["Attributes"])


def _apply(table: Any, key: dict[str, Any], item: dict[str, Any] | None) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    if item is None:
        hash_key = DynamoType(key[table.hash_key_attr])
        range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        table.delete_item(hash_key, range_key)  # None when already absent
    else:
        table.put_item(copy.deepcopy(item))


# --- states -----------------------------------------------------------------------------------


def _status(replica: _Replica, region: str, now: datetime) -> str:
    if replica.deleting_until is not None:
        return "DELETING"
    if now < replica.ready_at:
        return "CREATING"
    if _down(region) is not None:
        return "REGION_DISABLED"
    return "ACTIVE"


def _settle(group: _Group) -> None:
    """Apply to ``group`` everything due at ``aws_time.now()``, in the order it fell due."""
    if getattr(_local, "settling", False):
        return
    _local.settling = True
    try:
        with _lock:
            now = aws_time.now()
            _deliver(group, now)  # what arrived before a removal below
            for region, replica in list(group.replicas.items()):
                down = _down(region)
                if down is not None and now - down >= timedelta(seconds=REMOVAL_SECONDS):
                    _leave(group, region)  # the table stays, outside the group
                elif replica.deleting_until is not None and now >= replica.deleting_until:
                    _leave(group, region)
                    backend = _backend(group.account, region)
                    if backend.tables.get(group.name) is replica.table:
                        del backend.tables[group.name]
            _deliver(group, now)
    finally:
        _local.settling = False


def _leave(group: _Group, region: str) -> None:
    replica = group.replicas.pop(region)
    _attach(replica.table, None)
    group.queue = [w for w in group.queue if region not in (w.source, w.dest)]
    group.stamps.pop(region, None)
    if len(group.replicas) == 1:  # the last member is a plain table again
        [last] = group.replicas.values()
        _attach(last.table, None)
        group.replicas.clear()
        group.queue.clear()


def _held(region: str, arrives: datetime) -> bool:
    """Whether an outage of ``region`` that began before ``arrives`` holds a write back (one
    that was due before the outage began arrived then, though nobody looked until now)."""
    down = _down(region)
    return down is not None and down <= arrives


def _deliver(group: _Group, now: datetime) -> None:
    remaining: list[_Write] = []
    for write in sorted(group.queue, key=lambda w: w.due):
        dest = group.replicas.get(write.dest)
        arrives = max(write.due, dest.ready_at) if dest is not None else write.due
        if dest is None or dest.deleting_until is not None:
            continue  # the receiving replica left the group: nothing to deliver to
        if arrives > now:
            remaining.append(write)
            continue
        if _held(write.source, arrives) or _held(write.dest, arrives):
            write.held = True
            remaining.append(write)
            continue
        at = now if write.held else arrives
        stamps = group.stamps.setdefault(write.dest, {})
        ident = _key_id(write.key)
        if ident not in stamps or stamps[ident] < write.stamp:  # last writer wins
            stamps[ident] = write.stamp
            _apply(dest.table, write.key, write.item)
        _publish_latency(group, write, at)
    group.queue = remaining


def _publish_latency(group: _Group, write: _Write, at: datetime) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    millis = max(0.0, (at - write.stamp[0]).total_seconds() * 1000.0)
    backend = cloudwatch_backends[group.account][write.source]
    backend.put_metric_data(
        "AWS/DynamoDB",
        [
            {
                "MetricName": "ReplicationLatency",
                "Dimensions": [
                    {"Name": "TableName", "Value": group.name},
                    {"Name": "ReceivingRegion", "Value": write.dest},
                ],
                "Timestamp": at.astimezone(UTC).replace(tzinfo=None),  # moto keeps naive UTC
                "Value": round(millis, 3),
                "Unit": "Milliseconds",
            }
        ],
    )


def _alive(group: _Group) -> bool:
    """Whether moto still holds the group's tables (a reset replaces every backend: the old
    group must not publish into the new CloudWatch backend)."""
    return any(
        _backend(group.account, region).tables.get(group.name) is replica.table
        for region, replica in group.replicas.items()
    )


def settle_all() -> None:
    """Settle every live group (a CloudWatch read sees the latency datapoints due by now)."""
    for group in list(_groups):
        if _alive(group):
            _settle(group)
        else:
            _groups.discard(group)


def pending_writes(table: str) -> int:
    """Replicated writes still in flight for the group of ``table`` (all accounts, Regions)."""
    settle_all()
    with _lock:
        return sum(len(g.queue) for g in list(_groups) if g.name == table)


# --- replica updates --------------------------------------------------------------------------


def _create_replica(table: Any, region: str) -> None:
    group = _group(table)
    if group is None:
        now = aws_time.now()
        group = _Group(table.name, table.account_id, {table.region_name: _Replica(table, now)})
    if region in group.replicas or table.name in _backend(table.account_id, region).tables:
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
    group.stamps[region] = dict(group.stamps.get(table.region_name, {}))
    now = aws_time.now()
    ready = now if _established(table) else now + timedelta(seconds=CREATE_SECONDS)
    group.replicas[region] = _Replica(replica, ready)
    for member in group.replicas.values():
        _attach(member.table, group)
        member.table.__dict__[_WAS_GLOBAL] = True
    _groups.add(group)


def _delete_replica(table: Any, region: str) -> None:
    group = _group(table)
    if group is None or region not in group.replicas or region == table.region_name:
        raise _validation(f"Replica in region {region} of table {table.name} does not exist")
    replica = group.replicas[region]
    if replica.deleting_until is None:
        replica.deleting_until = aws_time.now() + timedelta(seconds=DELETE_SECONDS)


def _wrap_update_table(original: Callable[..., Any]) -> Callable[..., Any]:
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


# --- reads ------------------------------------------------------------------------------------


def _wrap_get_table(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_table(self: Any, table_name: str) -> Any:
        table = original(self, table_name)
        group = _group(table)
        if group is not None:
            _settle(group)
        return table

    return get_table


def _wrap_describe(original: Callable[..., Any]) -> Callable[..., Any]:
    def describe(self: Any, base_key: str = "TableDescription") -> Any:
        result = original(self, base_key)
        group = _group(self)
        if group is None:
            return result
        _settle(group)
        group = _group(self)
        if group is None:
            return result
        now = aws_time.now()
        out = result[base_key]
        others = []
        for region in sorted(group.replicas):
            replica = group.replicas[region]
            if region == self.region_name:
                continue
            status = _status(replica, region, now)
            entry: dict[str, Any] = {"RegionName": region, "ReplicaStatus": status}
            down = _down(region)
            if status == "REGION_DISABLED" and down is not None:
                entry["ReplicaInaccessibleDateTime"] = down.timestamp()  # epoch seconds
            others.append(entry)
        out["GlobalTableVersion"] = VERSION
        out["Replicas"] = others
        mine = group.replicas.get(self.region_name)
        own = _status(mine, self.region_name, now) if mine is not None else "ACTIVE"
        if own in ("CREATING", "DELETING"):
            out["TableStatus"] = own
        elif any(e["ReplicaStatus"] in ("CREATING", "DELETING") for e in others):
            out["TableStatus"] = "UPDATING"  # a replica is being added or removed
        return result

    return describe


# --- writes -----------------------------------------------------------------------------------


def _record(backend: Any, table_name: str, key: dict[str, Any]) -> None:
    """Stamp a write made in this Region and queue it for every other member."""
    table = backend.get_table(table_name)
    group = _group(table)
    if group is None:
        return
    now = aws_time.now()
    region = table.region_name
    stamp: Stamp = (now, region, next(_sequence))
    ident = _key_id(key)
    group.stamps.setdefault(region, {})[ident] = stamp
    item = _current(table, key)
    due = now + timedelta(seconds=_delay_seconds)
    for other, replica in group.replicas.items():
        if other != region and replica.deleting_until is None:
            group.queue.append(_Write(region, other, copy.deepcopy(key), item, stamp, due))


def _wrap_write(original: Callable[..., Any], kind: str) -> Callable[..., Any]:
    def write(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            result = original(self, table_name, *args, **kwargs)
            table = self.get_table(table_name)
            if _group(table) is not None:
                if kind == "put":
                    attrs = args[0] if args else kwargs["item_attrs"]
                    _record(self, table_name, _key_of(table, attrs))
                else:
                    key = args[0] if args else kwargs["key"]
                    _record(self, table_name, _key_of(table, key))
        return result

    return write


def _wrap_metric_read(original: Callable[..., Any]) -> Callable[..., Any]:
    def read(self: Any, *args: Any, **kwargs: Any) -> Any:
        settle_all()
        return original(self, *args, **kwargs)

    return read


def install() -> None:
    if _patches.active:
        return
    from moto.cloudwatch.models import CloudWatchBackend
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    _patches.replace(DynamoHandler, "update_table", _wrap_update_table(DynamoHandler.update_table))
    _patches.replace(Table, "describe", _wrap_describe(Table.describe))
    _patches.replace(DynamoDBBackend, "get_table", _wrap_get_table(DynamoDBBackend.get_table))
    _patches.replace(DynamoDBBackend, "put_item", _wrap_write(DynamoDBBackend.put_item, "put"))
    _patches.replace(
        DynamoDBBackend, "update_item", _wrap_write(DynamoDBBackend.update_item, "key")
    )
    _patches.replace(
        DynamoDBBackend, "delete_item", _wrap_write(DynamoDBBackend.delete_item, "key")
    )
    for name in ("get_metric_statistics", "get_metric_data"):
        _patches.replace(
            CloudWatchBackend, name, _wrap_metric_read(getattr(CloudWatchBackend, name))
        )


def uninstall() -> None:
    _patches.restore_all()
    _groups.clear()
    set_replication_delay(DEFAULT_DELAY_SECONDS)


def is_installed() -> bool:
    return _patches.active
