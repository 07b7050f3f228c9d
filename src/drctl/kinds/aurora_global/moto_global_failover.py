"""Aurora global database switchover and failover in the sandbox: the extension every global
cluster shares (the RDS endpoint answers Aurora and DocumentDB alike), in
:mod:`drctl.kinds.moto_global_clusters`."""

from __future__ import annotations

from drctl.kinds.moto_global_clusters import (
    FAILOVER_SECONDS,
    RESYNC_SECONDS,
    SWITCHOVER_SECONDS,
    VERIFY_SECONDS,
    install,
    is_installed,
    uninstall,
)

__all__ = [
    "FAILOVER_SECONDS",
    "RESYNC_SECONDS",
    "SWITCHOVER_SECONDS",
    "VERIFY_SECONDS",
    "install",
    "is_installed",
    "uninstall",
]
