"""What a kind's sandbox code works with: a build context and reversible moto patches.

Each kind's ``sandbox.py`` builds its resources in moto (wired as a healthy deployment would
be) and its ``moto_*.py`` modules patch moto where it fakes or lacks AWS behaviour. The
``drctl.sandbox`` package drives both for a whole plan; the pieces a kind needs live here, one
floor down, so a kind never imports the sandbox package. Addresses come from the documentation
ranges (RFC 5737) and the account is moto's default: nothing here names a real host or account.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any, Final

from botocore.exceptions import ClientError

from drctl.aws.session import AwsSessions
from drctl.engine.clock import Clock, SystemClock
from drctl.engine.context import GLOBAL_REGION
from drctl.plan.models import Plan

SANDBOX_ACCOUNT = "123456789012"  # moto's default account

_MISSING: Final = object()


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
            else:
                assert isinstance(owner, MutableMapping)
                if original is _MISSING:
                    owner.pop(name, None)
                else:
                    owner[name] = original
