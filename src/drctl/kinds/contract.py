"""The kind contract: every capability the rest of drctl asks of a resource kind.

A kind is a folder under ``drctl/kinds/``; its ``__init__.py`` defines one :class:`Kind`
subclass and exposes an instance as ``KIND``. The required capabilities are abstract methods
(a kind that lacks one cannot be instantiated); the optional ones are attributes that are
either ``None`` (not offered) or an object implementing the capability's protocol. The plan
model of the kind declares the same optional capabilities in ``capabilities`` (so that
``plan validate`` can check a drill's resource without importing AWS code); the meta-test in
``tests/kinds/test_contract.py`` proves both agree for every kind.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from drctl.aws.alarms import AlarmSpec
from drctl.aws.config_rules import ConfigRuleSpec
from drctl.engine.context import RunContext
from drctl.engine.gate import LagReading
from drctl.engine.step import Check, Step
from drctl.kinds.discovery import Found, Scope
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import Capability, ResourceBase
from drctl.plan.policies import Policy

# What a kind's IAM lists are keyed by: the commands and capabilities that call AWS
# (compliance rules|status: resource ids; alarms apply: what an alarm watches; discover: what
# plan init --discover lists).
IAM_USES = (
    "check",
    "failover",
    "failback",
    "backup",
    "canary",
    "restore",
    "cleanup",
    "compliance",
    "alarms",
    "discover",
)
IamActions = Mapping[str, tuple[str, ...]]


class LagReader(Protocol):
    """Replication lag of one resource now, for the RPO gate (None: not replicated)."""

    def __call__(self, res: Any, ctx: RunContext) -> LagReading | None: ...


class Backup(Protocol):
    """``drctl backup``: the steps that take a recovery point of a resource and copy it to DR."""

    def applies(self, res: Any) -> bool:
        """Whether this resource is backed up by ``drctl backup`` (e.g. snapshot recovery)."""
        ...

    def steps(self, res: Any, ctx: RunContext) -> list[Step]: ...


@dataclass(frozen=True)
class CanaryMark:
    """A canary written in the primary: what the journal records, and what to look for."""

    where: str  # where it must appear, for messages ("s3://bucket-dr")
    event: dict[str, Any]  # journaled so a crashed drill's canary can be found and removed
    key: Any  # the kind's own handle (object key, item key)


class Canary(Protocol):
    """The replication drill: write a marked record in the primary, watch for it in DR."""

    def mark(self, res: Any, ctx: RunContext, marker: str) -> CanaryMark:
        """Name the canary (journaled before it is written, so a crash cannot orphan it)."""
        ...

    def write(self, res: Any, ctx: RunContext, mark: CanaryMark) -> None: ...

    def arrived(self, res: Any, ctx: RunContext, mark: CanaryMark) -> bool: ...

    def remove(self, res: Any, ctx: RunContext, mark: CanaryMark) -> None:
        """Remove the canary from both sides (also after a failed or interrupted drill)."""
        ...


@dataclass(frozen=True)
class Restored:
    """What the restore drill compares: the restored copy against its source."""

    source: str  # "snapshot X", "replicated automated backups Y"
    comparisons: tuple[tuple[str, Any], ...] = ()  # (property, value in the source)
    # Properties the source changes by itself after the copy was made (its item count, as
    # it is written to): a difference warns -- it is what a restore of this copy would lose
    # -- and only an empty copy of a source that has some fails.
    drifting: frozenset[str] = frozenset()


class Restore(Protocol):
    """The restore drill: restore a throw-away copy in DR, wait for it, compare, delete it."""

    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        """What a restore needs in regions.dr (the source it restores from): ``drctl check``
        runs these for every resource a restore drill names, so a green check predicts a
        restore that can start."""
        ...

    def start(self, res: Any, ctx: RunContext, target: str, tags: dict[str, str]) -> Restored: ...

    def status(self, res: Any, ctx: RunContext, target: str) -> tuple[bool, str]:
        """(ready, status text) of the restored copy."""
        ...

    def observed(self, res: Any, ctx: RunContext, target: str) -> dict[str, Any]:
        """The restored copy's values of the properties in ``Restored.comparisons``."""
        ...

    def delete(self, res: Any, ctx: RunContext, target: str) -> bool:
        """Delete the copy; False when it was never created."""
        ...

    def target_name(self, res: Any, suffix: str) -> str: ...


@dataclass(frozen=True)
class Leftover:
    """Something a failback kept instead of deleting (an old primary renamed aside): kept so
    nothing is lost in the night, listed by ``drctl cleanup`` for a person to remove."""

    resource: str  # the plan's resource name
    side: str  # "primary" | "dr"
    region: str
    identifier: str
    what: str  # "RDS DB instance"
    since: datetime | None  # when it was set aside (or created, when that is all AWS says)
    detail: str = ""


class Cleanup(Protocol):
    """``drctl cleanup``: list and delete what failbacks kept aside."""

    def leftovers(self, res: Any, ctx: RunContext) -> list[Leftover]: ...

    def remove(self, res: Any, ctx: RunContext, leftover: Leftover, *, final_snapshot: bool) -> str:
        """Delete ``leftover`` (a final snapshot first when asked and the kind has them);
        returns what was done, in words."""
        ...


class Alarms(Protocol):
    """``drctl alarms apply``: the CloudWatch alarms that say this resource's DR is at risk
    (replication lag above the RPO, the primary's health check failing). ``drctl check``
    warns about each one missing or different."""

    def __call__(self, res: Any, ctx: RunContext) -> list[AlarmSpec]: ...


class Compliance(Protocol):
    """``drctl check --policy`` and ``drctl compliance rules``: a policy's controls on this
    resource, as checks read from AWS and as the AWS Config managed rules that watch them."""

    def checks(self, res: Any, ctx: RunContext, policy: Policy) -> list[Check]: ...

    def rules(self, res: Any, ctx: RunContext, policy: Policy) -> list[ConfigRuleSpec]:
        """The managed rules for ``res`` (reads AWS for the ids Config knows it by)."""
        ...


class Discover(Protocol):
    """``drctl plan init --discover``: this kind's resources in ``scope``, paired across the
    two Regions, as draft plan entries (guessed values marked), plus what it could not pair
    and the Regions its primaries replicate to. With ``scope.dr`` None, only those Regions
    are asked for (the DR Region is inferred from them)."""

    def __call__(self, scope: Scope) -> Found: ...


class Kind(ABC):
    """One resource kind: what drctl knows about it, all in its folder."""

    name: ClassVar[str]  # the plan's ``kind:``
    model: ClassVar[type[ResourceBase]]
    # IAM actions its steps call, by use (keys from IAM_USES), for ``drctl iam-policy``.
    iam_actions: ClassVar[IamActions]
    # Modules of the kind's folder holding moto extensions (each with install()/uninstall()).
    moto_extensions: ClassVar[tuple[str, ...]] = ()

    # Optional capabilities: None when the kind does not offer it.
    lag: LagReader | None = None
    backup: Backup | None = None
    canary: Canary | None = None
    restore: Restore | None = None
    cleanup: Cleanup | None = None
    # Operator tooling, not drill capabilities (no plan-model counterpart).
    alarms: Alarms | None = None
    compliance: Compliance | None = None
    discover: Discover | None = None

    @abstractmethod
    def checks(self, res: Any, ctx: RunContext) -> list[Check]:
        """Readiness against the plan's objectives."""

    @abstractmethod
    def failover(self, res: Any, ctx: RunContext) -> list[Step]:
        """Steps that move this resource to regions.dr; each prechecks, so reruns are no-ops."""

    @abstractmethod
    def failback(self, res: Any, ctx: RunContext) -> list[Step]:
        """Steps that re-protect and bring this resource home."""

    @abstractmethod
    def build_sandbox(self, b: SandboxBuild, res: Any) -> None:
        """Create this resource in the sandbox (moto), wired as a healthy deployment."""

    def offers(self) -> frozenset[Capability]:
        """The optional capabilities this kind implements."""
        offered = {
            Capability.LAG: self.lag,
            Capability.BACKUP: self.backup,
            Capability.CANARY: self.canary,
            Capability.RESTORE: self.restore,
            Capability.CLEANUP: self.cleanup,
        }
        return frozenset(cap for cap, impl in offered.items() if impl is not None)
