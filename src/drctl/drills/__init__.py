"""Drills: what ``drctl test --plan`` runs to prove, every day, that DR still works.

One module per drill type (``drctl.drills.<type>``) exposes
``run(drill, env) -> DrillResult``. The runner (:mod:`drctl.drills.runner`)
picks them by the plan's ``type``, journals each drill as a run, and the CLI
renders the results for people, as JSON, and as JUnit XML.
"""
