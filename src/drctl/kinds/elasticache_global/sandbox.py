"""Sandbox: a Valkey/Redis OSS global datastore -- its primary replication group in
regions.primary, an associated secondary in regions.dr -- encrypted in transit and at rest.

Both groups carry the tag ``drctl-sandbox-established: true``: they stand for a datastore set
up long before the sandbox's clock started, so it is ``available`` and the secondary
``associated`` at once instead of creating for minutes (``moto_global_datastore``), and the
secondary's ``GlobalDatastoreReplicationLag`` has been published for the last minutes.
"""

from __future__ import annotations

from drctl.kinds.elasticache_global.api import suffix_of
from drctl.kinds.elasticache_global.moto_global_datastore import ESTABLISHED_TAG
from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import ElastiCacheGlobal

ENGINE_VERSION = "7.1"
NODE_TYPE = "cache.r7g.large"


def build(b: SandboxBuild, res: ElastiCacheGlobal) -> None:
    tags = [{"Key": ESTABLISHED_TAG, "Value": "true"}]
    b.client("elasticache", "primary").create_replication_group(
        ReplicationGroupId=res.primary,
        ReplicationGroupDescription=f"{res.name}: primary of {res.global_datastore}",
        Engine="redis",
        EngineVersion=ENGINE_VERSION,
        CacheNodeType=NODE_TYPE,
        NumCacheClusters=2,
        AutomaticFailoverEnabled=True,
        MultiAZEnabled=True,
        TransitEncryptionEnabled=True,
        AtRestEncryptionEnabled=True,
        Tags=tags,
    )
    made = b.client("elasticache", "primary").create_global_replication_group(
        GlobalReplicationGroupIdSuffix=suffix_of(res.global_datastore),
        GlobalReplicationGroupDescription=f"{res.name}: {b.plan.app} cache",
        PrimaryReplicationGroupId=res.primary,
    )
    b.client("elasticache", "dr").create_replication_group(
        ReplicationGroupId=res.dr,
        ReplicationGroupDescription=f"{res.name}: secondary of {res.global_datastore}",
        GlobalReplicationGroupId=made["GlobalReplicationGroup"]["GlobalReplicationGroupId"],
        NumCacheClusters=2,
        Tags=tags,
    )
