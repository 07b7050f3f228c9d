"""Sandbox: a secret in regions.primary encrypted with a customer managed multi-Region KMS key,
replicated to regions.dr under that key's DR replica, ``InSync``.

The secret carries the tag ``drctl-sandbox-established: true``: it stands for one replicated
long before the sandbox's clock started, so its replica is ``InSync`` at once instead of
``InProgress`` for its first copy (``moto_secret_replication``). Its value is a placeholder.
"""

from __future__ import annotations

import json

from drctl.kinds.sandboxing import SandboxBuild
from drctl.kinds.secret.moto_secret_replication import ESTABLISHED_TAG
from drctl.plan.models import Secret


def build(b: SandboxBuild, res: Secret) -> None:
    kms = b.client("kms", "primary")
    key = kms.create_key(
        Description=f"drctl sandbox: key of secret {res.secret}",
        MultiRegion=True,
    )["KeyMetadata"]
    replica = kms.replicate_key(KeyId=key["KeyId"], ReplicaRegion=b.region("dr"))
    b.client("secretsmanager", "primary").create_secret(
        Name=res.secret,
        SecretString=json.dumps({"username": "app", "password": "sandbox-placeholder"}),
        KmsKeyId=key["Arn"],
        Tags=[{"Key": ESTABLISHED_TAG, "Value": "true"}],
        AddReplicaRegions=[
            {"Region": b.region("dr"), "KmsKeyId": replica["ReplicaKeyMetadata"]["Arn"]}
        ],
    )
