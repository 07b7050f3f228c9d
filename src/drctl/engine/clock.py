"""Time, injectable: the engine never calls ``time`` directly, so tests run waits instantly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


_default_clock: Callable[[], Clock] | None = None


def set_default_clock(factory: Callable[[], Clock] | None) -> None:
    """Which clock runs use when none is given: the sandbox installs its AWS clock while it
    runs in this process (its extensions model time); None returns to the system clock."""
    global _default_clock
    _default_clock = factory


def default_clock() -> Clock:
    return _default_clock() if _default_clock is not None else SystemClock()


class ScaledClock:
    """Wall time running ``scale`` times faster, for a whole run inside a sandbox (``drctl
    demo``): the sandbox's AWS clock follows it, so a 5 s poll is 5 AWS seconds and a state
    AWS holds for a minute is seen after 0.1 real seconds at 600, none skipped."""

    def __init__(self, scale: float, start: datetime | None = None) -> None:
        if scale <= 0:
            raise ValueError(f"time scale must be > 0, got {scale}")
        self.scale = scale
        self._start = start or datetime.now(UTC)
        self._real = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._real) * self.scale

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.scale)


class FakeClock:
    """A clock that only moves when something sleeps; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._elapsed += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        self.sleep(seconds)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """The inverse of :func:`iso` (journals store ``...Z`` timestamps)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
