"""``manual`` by hand: nothing in AWS to read; the person who does the step confirms it."""

from __future__ import annotations

from drctl.engine.context import RunContext
from drctl.kinds.handbook import HandCheck
from drctl.plan.models import Manual


def prechecks(res: Manual, ctx: RunContext) -> list[HandCheck]:
    back = res.failback_instructions or "(nothing written for failback)"
    return [
        HandCheck(
            f"whoever does {res.name!r} is reachable",
            "",
            f"they know the failover step ({res.instructions}) and the failback step ({back})",
            ("instructions", "failback-instructions"),
        )
    ]


def verifications(res: Manual, ctx: RunContext, action: str) -> dict[str, list[HandCheck]]:
    if action == "failover":
        return {
            "confirm": [HandCheck("confirmation", "", f"the person confirms: {res.instructions}")]
        }
    return {
        "confirm-failback": [
            HandCheck("confirmation", "", f"the person confirms: {res.failback_instructions}")
        ]
    }
