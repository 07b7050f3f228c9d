"""Amazon DocumentDB clusters in moto, whose RDS backend answers the ``docdb`` client.

The ``docdb`` client calls the RDS endpoint with the same actions (botocore's ``docdb``
model: ``endpointPrefix`` ``rds``, ``signingName`` ``rds``), so moto's RDS backend serves it:
global clusters, members, ``DescribeDBClusters``. What it lacks: it refuses
``CreateDBCluster`` with ``Engine`` ``docdb`` ("not supported to satisfy constraint"), and it
has no DocumentDB defaults. This extension accepts the engine with DocumentDB's defaults:

* engine version ``5.0.0`` when none is given, port ``27017``, and the default cluster
  parameter group ``default.docdb5.0`` / ``default.docdb4.0`` by major version
  ("Managing Amazon DocumentDB cluster parameter groups",
  https://docs.aws.amazon.com/documentdb/latest/developerguide/cluster_parameter_groups.html;
  ``CreateDBCluster``, https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBCluster.html).

Switchover and failover of a DocumentDB global cluster -- the same actions, states and faults
as Aurora's (``SwitchoverGlobalCluster``, ``FailoverGlobalCluster`` with ``AllowDataLoss``,
``FailoverState``) -- are :mod:`drctl.kinds.moto_global_clusters`, installed with this.
"""

from __future__ import annotations

from typing import Any, Final

from drctl.kinds import moto_global_clusters
from drctl.kinds.sandboxing import PatchSet

ENGINE: Final = "docdb"
DEFAULT_VERSION: Final = "5.0.0"
PORT: Final = 27017

_patches = PatchSet()


def _parameter_group(version: str) -> str:
    return f"default.docdb{'.'.join(version.split('.')[:2])}"


def install() -> None:
    moto_global_clusters.install()
    if _patches.active:
        return
    from moto.rds.models import DBCluster
    from moto.rds.utils import ClusterEngine

    engines = ClusterEngine.list_cluster_engines
    version = DBCluster.default_engine_version
    port = DBCluster.default_port
    storage = DBCluster.default_allocated_storage
    init = DBCluster.__init__

    def list_cluster_engines(cls: Any) -> list[str]:
        return sorted([*engines(), ENGINE])

    def default_engine_version(engine: str) -> str:
        return DEFAULT_VERSION if engine == ENGINE else str(version(engine))

    def default_port(engine: str) -> int:
        return PORT if engine == ENGINE else int(port(engine))

    def default_allocated_storage(engine: str, storage_type: str) -> int:
        # DocumentDB storage grows by itself: no allocated size (as Aurora's 1).
        return 1 if engine == ENGINE else int(storage(engine, storage_type))

    def cluster_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if self.engine == ENGINE and not kwargs.get("db_cluster_parameter_group_name"):
            self.parameter_group = _parameter_group(str(self.engine_version))

    _patches.replace(ClusterEngine, "list_cluster_engines", classmethod(list_cluster_engines))
    _patches.replace(DBCluster, "default_engine_version", staticmethod(default_engine_version))
    _patches.replace(DBCluster, "default_port", staticmethod(default_port))
    _patches.replace(
        DBCluster, "default_allocated_storage", staticmethod(default_allocated_storage)
    )
    _patches.replace(DBCluster, "__init__", cluster_init)


def uninstall() -> None:
    _patches.restore_all()
    moto_global_clusters.uninstall()


def is_installed() -> bool:
    return _patches.active
