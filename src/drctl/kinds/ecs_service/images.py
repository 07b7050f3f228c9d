"""Where a container image is pulled from: the ECR registry's Region, read from the image URI.

An ECR image is ``<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]``
(Amazon ECR User Guide, "Pushing an image"): its Region is where the pull goes, and a task
whose image lives in the primary Region cannot start while that Region is out.
"""

from __future__ import annotations

import re
from typing import Final

_ECR: Final = re.compile(r"^\d{12}\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/")


def ecr_region(image: str) -> str | None:
    """The Region of the ECR registry ``image`` is pulled from; None for other registries."""
    found = _ECR.match(image)
    return found["region"] if found else None
