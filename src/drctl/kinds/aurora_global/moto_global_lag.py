"""Aurora's ``AuroraGlobalDBReplicationLag`` and ``AuroraGlobalDBRPOLag`` in the sandbox,
published each minute by the secondary over the sandbox's AWS time: the extension every global
cluster shares (DocumentDB's lag metric is published the same way), in
:mod:`drctl.kinds.moto_global_lag`."""

from __future__ import annotations

from drctl.kinds.moto_global_lag import install, is_installed, uninstall

__all__ = ["install", "is_installed", "uninstall"]
