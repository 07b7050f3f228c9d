"""What a kind's sandbox code works with: a build context and reversible moto patches.

Each kind's ``sandbox.py`` builds its resources in moto (wired as a healthy deployment would
be) and its ``moto_*.py`` modules patch moto where it fakes or lacks AWS behaviour. The
``drctl.sandbox`` package drives both for a whole plan; the pieces a kind needs live here, one
floor down, so a kind never imports the sandbox package. Addresses come from the documentation
ranges (RFC 5737) and the account is moto's default: nothing here names a real host or account.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping, MutableMapping, MutableSequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from botocore.exceptions import ClientError

from drctl.aws.session import AwsSessions
from drctl.engine.clock import Clock, SystemClock
from drctl.engine.context import GLOBAL_REGION
from drctl.plan.models import Plan

SANDBOX_ACCOUNT = "123456789012"  # moto's default account

_MISSING: Final = object()


class AwsTime:
    """The sandbox's AWS clock: what "now" is for every moto extension.

    AWS moves through states over minutes (a promotion, a parameter group applying, a global
    database switching over). Extensions never jump a state; they record when each transition
    is due on this clock and report the state that is current when asked. Two ways to run it:

    * scaled wall time (the sandbox server, ``drctl demo``): ``scale`` AWS seconds pass per real
      second (600: one AWS minute is 0.1 s), so a run sees every state in seconds;
    * a test's clock (:meth:`follow`): the extensions read the same clock the engine sleeps
      on (a ``FakeClock``), so a poll loop that "waits" 15 s moves AWS 15 s forward.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scale = 1.0
        self._real_epoch = time.monotonic()
        self._aws_epoch = datetime.now(UTC)
        self._follow: Callable[[], datetime] | None = None
        self._waited = 0.0  # AWS seconds the sandbox's engine clock has waited (AwsClock)

    @property
    def scale(self) -> float:
        return self._scale

    def now(self) -> datetime:
        with self._lock:
            if self._follow is not None:
                return self._follow() + timedelta(seconds=self._waited)
            elapsed = (time.monotonic() - self._real_epoch) * self._scale + self._waited
            return self._aws_epoch + timedelta(seconds=elapsed)

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of AWS time pass at once (nothing else happens in between, so no
        state is skipped: a poll after it sees whatever state is current then)."""
        with self._lock:
            self._waited += max(0.0, seconds)

    def set_scale(self, scale: float) -> None:
        """AWS seconds per real second from now on (time already passed is kept)."""
        if scale <= 0:
            raise ValueError(f"time scale must be > 0, got {scale}")
        current = self.now()
        with self._lock:
            self._aws_epoch, self._real_epoch, self._scale = current, time.monotonic(), scale
            self._waited = 0.0  # already in current

    def follow(self, now: Callable[[], datetime] | None) -> None:
        """Read time from ``now`` (a test's fake clock); None returns to scaled wall time."""
        current = self.now()
        with self._lock:
            self._follow, self._waited = now, 0.0
            if now is None:
                self._aws_epoch, self._real_epoch = current, time.monotonic()

    def reset(self) -> None:
        """Wall time at scale 1 (tests restore this between cases)."""
        with self._lock:
            self._scale, self._follow, self._waited = 1.0, None, 0.0
            self._aws_epoch, self._real_epoch = datetime.now(UTC), time.monotonic()


aws_time = AwsTime()

DownPeriods = list[tuple[datetime, datetime | None]]


class Unreachable:
    """When the sandbox's outage layer had a service of a region down, on the AWS clock.

    Requests to a region that is out are dropped before they reach moto, but some AWS state
    also depends on what is out: Global Accelerator's health checks find the endpoints of a
    Region that is down unhealthy; a DynamoDB replica goes ``REGION_DISABLED`` as seen from
    the other Regions, then leaves its global table. The outage layer lives in
    ``drctl.sandbox``, a floor above the kinds, so it hands its answers down through this
    hook; with no layer installed nothing is ever down.
    """

    def __init__(self) -> None:
        self._periods: Callable[[str, str], DownPeriods] | None = None

    def set_source(self, periods: Callable[[str, str], DownPeriods] | None) -> None:
        """Where :meth:`periods` reads from (the outage layer), or None."""
        self._periods = periods

    def periods(self, service: str, region: str) -> DownPeriods:
        """(start, end or None while it lasts) of each outage covering ``service@region``."""
        return self._periods(service, region) if self._periods is not None else []

    def since(self, service: str, region: str) -> datetime | None:
        """When ``service`` in ``region`` stopped answering (AWS time); None while it answers."""
        open_ = [start for start, end in self.periods(service, region) if end is None]
        return min(open_) if open_ else None


unreachable = Unreachable()


class AwsClock:
    """The engine's clock while the sandbox runs in this process (``drctl demo``, the tests'
    in-process moto): "now" is the AWS clock's, and a poll's sleep lets that much AWS time
    pass instead of real time, so a promotion that takes AWS minutes is polled through in
    milliseconds, every state seen as AWS would show it."""

    def now(self) -> datetime:
        return aws_time.now()

    def monotonic(self) -> float:
        return (aws_time.now() - _EPOCH).total_seconds()

    def sleep(self, seconds: float) -> None:
        # Short waits too (a replication drill polls every 0.2 s): no sandbox work runs on
        # real timers any more (S3 replication settles on this clock), so sleeping them in
        # real time only made every drill take its lag again in wall time.
        aws_time.wait(seconds)
        time.sleep(0)  # let other threads run


APP_TAG: Final = "Application"  # the seed's tag convention (engine.schedule reads it too)
_EPOCH: Final = datetime(2000, 1, 1, tzinfo=UTC)


class SandboxBuild:
    """Clients for one plan's sides (pointed at moto) and the sandbox's clock."""

    def __init__(self, plan: Plan, sessions: AwsSessions, clock: Clock | None = None) -> None:
        self.plan = plan
        self.sessions = sessions
        self.clock = clock or SystemClock()

    def region(self, side: str) -> str:
        return self.plan.regions.primary if side == "primary" else self.plan.regions.dr

    def client(self, service: str, side: str) -> Any:
        region = GLOBAL_REGION if side == "global" else self.region(side)
        return self.sessions.client(service, region, side)

    def app_tags(self) -> dict[str, str]:
        """The tag every built resource carries, as a real deployment's do: the app under
        ``Application`` (what ``drctl cost`` filters on and ``plan init --discover --tag``
        finds)."""
        return {APP_TAG: self.plan.app}

    def tag_list(self) -> list[dict[str, str]]:
        """:meth:`app_tags` as the ``[{"Key": .., "Value": ..}]`` list most APIs take."""
        return [{"Key": k, "Value": v} for k, v in self.app_tags().items()]


def ignore_codes(call: Callable[..., Any], *codes: str, **kwargs: Any) -> Any:
    """Call ``call(**kwargs)``; an error with one of ``codes`` (already exists) is fine."""
    try:
        return call(**kwargs)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in codes:
            raise
        return None


class PatchSet:
    """Class-level replacements that can be undone exactly, in reverse order.

    The extensions replace methods on moto classes and add entries to moto's URL tables.
    Tests must be able to restore moto as it was (``uninstall()``), including the case where
    the replaced attribute was inherited rather than defined on the class itself, so the
    original is recorded from the owner's own ``__dict__``.
    """

    def __init__(self) -> None:
        self._undo: list[tuple[str, object, object, object]] = []

    @property
    def active(self) -> bool:
        """Whether any replacement is currently applied."""
        return bool(self._undo)

    def replace(self, owner: object, name: str, new: object) -> None:
        """Set ``owner.name`` to ``new``, remembering what was there."""
        own = vars(owner).get(name, _MISSING)
        self._undo.append(("attr", owner, name, own))
        setattr(owner, name, new)

    def add_item(self, mapping: MutableMapping[Any, Any], key: object, value: object) -> None:
        """Set ``mapping[key] = value``, remembering any previous value."""
        self._undo.append(("item", mapping, key, mapping.get(key, _MISSING)))
        mapping[key] = value

    def insert(self, sequence: MutableSequence[Any], index: int, value: object) -> None:
        """Insert ``value`` into ``sequence`` at ``index`` (e.g. moto's URL pattern list, which
        both the in-process stub and the server read by reference); undone by identity."""
        sequence.insert(index, value)
        self._undo.append(("insert", sequence, None, value))

    def restore_all(self) -> None:
        """Undo every replacement, newest first."""
        while self._undo:
            kind, owner, name, original = self._undo.pop()
            if kind == "attr":
                assert isinstance(name, str)
                if original is _MISSING:
                    delattr(owner, name)
                else:
                    setattr(owner, name, original)
            elif kind == "insert":
                assert isinstance(owner, MutableSequence)
                for index, item in enumerate(owner):
                    if item is original:
                        del owner[index]
                        break
            else:
                assert isinstance(owner, MutableMapping)
                if original is _MISSING:
                    owner.pop(name, None)
                else:
                    owner[name] = original


def register_service(
    patches: PatchSet, backends: Mapping[str, Any], patterns: list[tuple[str, str]]
) -> None:
    """Add a service moto lacks: moto dispatches ``patterns`` (service, URL regex) to
    ``backends`` by service name.

    ``moto.backend_index.backend_url_patterns`` is read on every in-process request and shared
    by reference with the server's dispatcher, so entries go into that list; and
    ``moto.backends.get_backend`` (looked up at call time by both) learns the names.
    """
    import moto.backend_index as backend_index
    import moto.backends as moto_backends

    for service, pattern in patterns:
        patches.insert(backend_index.backend_url_patterns, 0, (service, re.compile(pattern)))
    original = moto_backends.get_backend

    def get_backend(name: str) -> Any:
        if name in backends:
            return backends[name]
        return original(name)  # type: ignore[call-overload]

    patches.replace(moto_backends, "get_backend", get_backend)
