"""The one exception family of drctl and the exit codes it maps to (cli.md).

Everything a user can cause -- a bad plan, missing credentials, an AWS error, a
refused gate, a held lock -- is raised as a :class:`DrctlError`. The CLI turns it
into one readable message and the exit code below; nothing else escapes.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the CLI contract (cli.md)."""

    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    REFUSED = 3
    LOCKED = 4
    INTERRUPTED = 130  # 128 + SIGINT: stopped by Ctrl-C, resumable


class DrctlError(Exception):
    """Base of every error drctl reports to a user."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class PlanError(DrctlError):
    """The plan file cannot be used: unreadable, not YAML, or invalid."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, diagnostics: list[str] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


class UsageError(DrctlError):
    """A flag or argument names something that does not exist (e.g. an unknown resource)."""

    exit_code = ExitCode.BAD_INPUT


class GateRefused(DrctlError):
    """A safety gate held, or the operator declined the confirmation."""

    exit_code = ExitCode.REFUSED


class LockHeld(DrctlError):
    """Another run holds this plan's lock."""

    exit_code = ExitCode.LOCKED


class AwsError(DrctlError):
    """An AWS call failed; the message names the resource, region and API call."""

    exit_code = ExitCode.FAILED


class EndpointUnreachable(AwsError):
    """An AWS endpoint did not answer (refused, reset, timed out): its region or service may be
    down. Raised at once, without retries, for a side the run expects may be down."""


class CredentialsError(AwsError):
    """No usable AWS credentials were found."""

    exit_code = ExitCode.BAD_INPUT


class SandboxError(DrctlError):
    """The local sandbox could not be started, reached or stopped."""

    exit_code = ExitCode.FAILED
