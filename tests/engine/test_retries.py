"""Throttling and 5xx during a failover: botocore's standard retries ride them out.

Faults are injected where AWS would produce them: in front of moto's request
handler, a protocol-correct error response (Query XML for RDS) is returned
*instead of* executing the request -- so botocore's real retry path runs and
the backend sees only the attempt that gets through. (A plain ``before-send``
handler is not enough: botocore runs every handler, so moto would still execute
the call and only its response would be replaced.) Backoff sleeps go to a
recorder instead of the wall clock, so the test is fast and can assert them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from drctl.engine.run import Run, RunRequest
from drctl.kinds.registry import registry
from tests.support import run_action

THROTTLED = b"""<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
<Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>
<RequestId>00000000-0000-0000-0000-000000000001</RequestId></ErrorResponse>"""
INTERNAL = b"""<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
<Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>oops</Message></Error>
<RequestId>00000000-0000-0000-0000-000000000002</RequestId></ErrorResponse>"""


class Faults:
    """Fail the first ``n`` calls of ``operation`` with ``body``/``status``."""

    def __init__(self) -> None:
        self.plan: dict[str, list[tuple[int, bytes]]] = {}
        self.injected: list[str] = []

    def add(self, operation: str, status: int, body: bytes, times: int) -> None:
        self.plan.setdefault(operation, []).extend([(status, body)] * times)

    def response_for(self, event_name: str, request: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        queue = self.plan.get(operation)
        if not queue:
            return None
        status, body = queue.pop(0)
        self.injected.append(f"{operation}:{status}")
        raw = _Raw(body)
        return AWSResponse(request.url, status, {"Content-Type": "text/xml"}, raw)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record botocore's retry backoff instead of sleeping it."""
    import botocore.endpoint

    recorded: list[float] = []

    class FakeTime:
        def __getattr__(self, name: str) -> Any:
            import time

            return getattr(time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            recorded.append(seconds)

    monkeypatch.setattr(botocore.endpoint, "time", FakeTime())
    return recorded


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    from moto.core.botocore_stubber import BotocoreStubber

    injected = Faults()
    real_call = BotocoreStubber.__call__

    def call(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        return injected.response_for(event_name, request) or real_call(
            self, event_name, request, **kwargs
        )

    monkeypatch.setattr(BotocoreStubber, "__call__", call)
    return injected


def _failover(built_plan: Any, settings: Any, faults: Faults) -> Any:
    return run_action(built_plan, settings, "failover", only=["orders-db"])


def _standalone() -> bool:
    inst = boto3.client("rds", region_name="us-west-2").describe_db_instances(
        DBInstanceIdentifier="shop-orders-dr"
    )["DBInstances"][0]
    return "ReadReplicaSourceDBInstanceIdentifier" not in inst


def test_throttling_and_5xx_are_retried_and_the_promotion_happens_once(
    built_plan: Any, settings: Any, sleeps: list[float], faults: Faults
) -> None:
    faults.add("PromoteReadReplica", 400, THROTTLED, 4)
    faults.add("PromoteReadReplica", 500, INTERNAL, 2)
    faults.add("DescribeDBInstances", 400, THROTTLED, 3)
    record = _failover(built_plan, settings, faults)
    assert record.status == "succeeded", (
        [(s.id, s.detail, s.calls) for s in record.steps],
        faults.injected,
    )
    assert faults.injected.count("PromoteReadReplica:400") == 4
    assert faults.injected.count("PromoteReadReplica:500") == 2
    assert len(sleeps) >= 9 and all(s >= 0 for s in sleeps)  # backoff between attempts
    step = next(s for s in record.steps if s.id == "orders-db.promote")
    assert [c["operation"] for c in step.calls] == ["PromoteReadReplica"]  # one success
    assert _standalone()


def test_a_throttling_storm_beyond_the_retry_budget_fails_the_step_clearly(
    built_plan: Any, settings: Any, sleeps: list[float], faults: Faults
) -> None:
    faults.add("PromoteReadReplica", 400, THROTTLED, 50)
    record = _failover(built_plan, settings, faults)
    assert record.status == "failed"
    step = next(s for s in record.steps if s.id == "orders-db.promote")
    assert step.status == "failed"
    assert "Throttling" in step.detail or "throttl" in step.detail.lower()
    assert faults.injected.count("PromoteReadReplica:400") == 11  # 1 + 10 retries
    assert not _standalone()


def test_a_5xx_after_rds_acted_is_not_a_failure(
    built_plan: Any, settings: Any, sleeps: list[float]
) -> None:
    """The dangerous case: RDS promoted, but the response was lost (500); botocore
    retries and RDS refuses ("not a read replica"). The step must see the effect.

    A ``before-send`` handler registered first answers the first attempt with a 500;
    botocore still runs moto's own handler for it (every handler runs, the first
    answer wins), so moto *does* promote -- exactly a lost response.
    """
    calls = {"n": 0}

    def lost_response(request: Any, **_: Any) -> AWSResponse | None:
        calls["n"] += 1
        if calls["n"] > 1:
            return None
        return AWSResponse(request.url, 500, {"Content-Type": "text/xml"}, _Raw(INTERNAL))

    run = Run(built_plan, settings, registry(), RunRequest("failover", only=["orders-db"]))
    run.ctx.client("rds", "dr").meta.events.register_first(
        "before-send.rds.PromoteReadReplica", lost_response
    )
    record = run.execute(confirm=lambda question: None)
    assert record.status == "succeeded", [(s.id, s.detail) for s in record.steps]
    promote = next(s for s in record.steps if s.id == "orders-db.promote")
    assert "already promoted" in promote.detail
    assert calls["n"] == 2 and _standalone()
