"""How much a plan may ask of the loader before it is refused as hostile or broken.

Plans come from anywhere: a repository, a ticket, a colleague's laptop. YAML can
describe far more than it spells out (an alias of an alias of an alias is the
"billion laughs"), a path can name a FIFO or ``/dev/zero`` instead of a file, and
a plan can nest until the parser's stack gives out. Each limit below turns one of
those into a positioned error (exit 2) in well under a second and a few MiB,
instead of a hang, a MemoryError or an "internal error".

The numbers are far above what a real plan needs: the 10 000-resource plan of
``benchmarks/validate_large.py`` is under 1 MiB, nests 4 levels and uses no
aliases. docs/plan-format.md ("Limits and hostile input") repeats them for
plan authors.
"""

from __future__ import annotations

MAX_PLAN_BYTES = 10 * 1024 * 1024
"""A plan file larger than this is refused before it is read (10 MiB)."""

MAX_EVENTS = 250_000
"""A plan of more YAML events than this (about one per key, value and list item,
and one more per collection) is refused before any of it becomes Python objects:
each one costs ~700 bytes until validation ends, so ten dense MiB (``[0,0,0,...]``)
would otherwise take seconds and gigabytes. The 10 000-resource plan has 131 000."""

EVENTS_CHECK_CHARS = MAX_EVENTS // 2
"""Texts shorter than this are not counted first: YAML needs at least about one
character per event, so they cannot hold MAX_EVENTS (counting costs ~40% of a parse)."""

MAX_DEPTH = 64
"""Collections nested deeper than this are refused (libyaml itself stops at 1000,
which Python's recursion would not survive when the nodes become data)."""

MAX_ALIAS_VALUES = 10_000
"""Aliases (``*name``) may add at most this many values to the plan in total:
each value reached through an alias counts, however deep, so nine levels of
nine aliases are refused after 10 000 values, not after a billion."""
