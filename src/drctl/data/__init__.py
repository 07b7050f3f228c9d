"""Data files shipped with drctl (the bundled demo plan)."""
