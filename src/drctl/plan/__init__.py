"""The plan format: models, durations, tiers, the positional loader and the JSON Schema.

Imports nothing from AWS, so validating a plan stays fast.
"""

from drctl.plan.loader import Diagnostic, LoadedPlan, load_plan, load_plan_text
from drctl.plan.models import Plan

__all__ = ["Diagnostic", "LoadedPlan", "Plan", "load_plan", "load_plan_text"]
