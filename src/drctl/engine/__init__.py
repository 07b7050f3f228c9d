"""The engine: step graph, executor, journal, run records, clock. No AWS here."""
