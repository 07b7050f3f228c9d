"""Faithful moto extensions: AWS behaviour that moto fakes or leaves out.

drctl's tests and its sandbox (``drctl demo``) run against moto. Where moto answers with a
stand-in (RDS promotion that leaves replica links behind, Route 53 health that is always
"Success", S3 replication that copies nothing), a drill would "pass" against behaviour AWS
never shows. Each kind's ``moto_*.py`` modules re-implement one such gap on moto's own
backend/response classes, from the AWS API reference and the botocore service model, so the
fake behaves like the real service for the paths drctl depends on.

Patches are applied at class level (not to backend instances), which is why the same
``install()`` serves both in-process ``mock_aws`` and a ``moto.server.ThreadedMotoServer``
running in the same process: both dispatch into the same classes. Call ``install()`` before
the server handles its first request, because moto's server builds each service's URL map
lazily on that service's first request.

The same ``install()`` puts in the outage layer (:mod:`drctl.sandbox.outages`): with no outage
declared it lets every request through.

moto is an optional dependency (the ``sandbox`` extra), so the extension modules are imported
only when ``install()`` is called.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

from drctl.sandbox import moto_stepfunctions, outages

__all__ = ["install", "is_installed", "uninstall"]


_lock = threading.Lock()
_installed = False


def _modules() -> list[ModuleType]:
    """Every kind's moto extensions (``Kind.moto_extensions``), each with install()/uninstall()."""
    from drctl.kinds.registry import module_for, registry

    return [
        importlib.import_module(f"{module_for(kind.name)}.{name}")
        for kind in registry().all()
        for name in kind.moto_extensions
    ]


def install() -> None:
    """Patch moto with every extension; calling it again is a no-op."""
    global _installed
    with _lock:
        if _installed:
            return
        for module in _modules():
            module.install()
        from drctl.sandbox import moto_config_rules  # account-level (AWS Config): no kind's

        moto_config_rules.install()
        moto_stepfunctions.install()
        outages.install()
        _installed = True
        # The extensions move AWS state over the sandbox's AWS clock: runs in this process
        # poll on that clock too (see drctl.kinds.sandboxing.AwsClock).
        from drctl.engine.clock import set_default_clock
        from drctl.kinds.sandboxing import AwsClock

        set_default_clock(AwsClock)


def uninstall() -> None:
    """Restore moto's original classes and clear the extensions' test state."""
    global _installed
    with _lock:
        outages.uninstall()
        from drctl.sandbox import moto_config_rules

        moto_config_rules.uninstall()
        moto_stepfunctions.uninstall()
        for module in reversed(_modules()):
            module.uninstall()
        from drctl.engine.clock import set_default_clock

        set_default_clock(None)
        _installed = False


def is_installed() -> bool:
    """Whether ``install()`` is in effect."""
    return _installed
