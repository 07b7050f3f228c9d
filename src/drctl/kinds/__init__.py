"""Resource kinds: readiness checks and failover/failback steps, one module per kind."""
