"""The local sandbox: a moto server, a builder for a plan's resources, and the project's
moto extensions for behaviours moto fakes or lacks (see docs/sandbox.md)."""
