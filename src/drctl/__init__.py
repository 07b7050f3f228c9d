"""drctl: disaster-recovery orchestration for applications on AWS."""

__version__ = "0.1.0"
