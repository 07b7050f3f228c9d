"""DocumentDB's ``AWS/DocDB GlobalClusterReplicationLag`` in the sandbox: the extension every
global cluster shares (Aurora's lag metrics are published the same way), in
:mod:`drctl.kinds.moto_global_lag`."""

from __future__ import annotations

from drctl.kinds.moto_global_lag import install, is_installed, uninstall

__all__ = ["install", "is_installed", "uninstall"]
