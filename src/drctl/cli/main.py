"""The ``drctl`` command: global options, the command tree, and the one place errors end.

Every command module imports only click at module level; boto3, moto and
rich.live are imported inside the commands that need them, so ``drctl --help``
and ``drctl plan validate`` start fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from drctl import __version__
from drctl.cli.app import AppContext
from drctl.errors import DrctlError, ExitCode

# Every command, by name: "module:attribute" under drctl.cli. A command's module is imported
# only when the command runs or help lists it, and no command module imports this one.
COMMANDS = {
    "plan": "plan_cmd:plan",
    "check": "check_cmd:check",
    "failover": "failover_cmd:failover",
    "failback": "failback_cmd:failback",
    "backup": "backup_cmd:backup",
    "runs": "runs_cmd:runs",
    "sandbox": "sandbox_cmd:sandbox",
    "demo": "sandbox_cmd:demo",
    "unlock": "unlock_cmd:unlock",
    "cleanup": "cleanup_cmd:cleanup",
    "test": "test_cmd:test",
    "chaos": "chaos_cmd:chaos",
    "report": "report_cmd:report",
    "alarms": "alarms_cmd:alarms",
    "compliance": "compliance_cmd:compliance",
    "bia": "bia_cmd:bia",
    "runbook": "runbook_cmd:runbook",
    "iam-policy": "iam_policy_cmd:iam_policy",
    "schedule": "schedule_cmd:schedule",
    "cost": "cost_cmd:cost",
    "export": "export_cmd:export",
    "approve": "approve_cmd:approve",
    "deploy": "deploy_cmd:deploy",
}


class LazyGroup(click.Group):
    """A group whose commands are imported by name when first needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        import importlib

        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(f"drctl.cli.{module}"), attribute)
        _accept_output_after(command)
        return command


def _set_output(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(AppContext).output = value


def _accept_output_after(command: click.Command) -> None:
    """``drctl check --plan P -o json`` works like ``drctl -o json check --plan P``: every
    leaf command also takes ``--output`` (and ``-o`` where it does not mean a file)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _accept_output_after(sub)
        return
    taken = {opt for p in command.params for opt in getattr(p, "opts", [])}
    if "--output" in taken:
        return
    flags = ["--output"] + ([] if "-o" in taken else ["-o"])
    command.params.append(
        click.Option(
            flags,
            type=click.Choice(["text", "json"]),
            expose_value=False,
            is_eager=True,
            callback=_set_output,
            help="Same as the global --output: text or json.",
        )
    )


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--profile", metavar="NAME", help="AWS profile (else the usual boto3 chain).")
@click.option(
    "--endpoint-url",
    metavar="URL",
    envvar="AWS_ENDPOINT_URL",
    help="Send every AWS call there (moto server, LocalStack). AWS_ENDPOINT_URL works too.",
)
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people; json: one JSON document on stdout, nothing else.",
)
@click.option("-v", "--verbose", count=True, help="More detail (twice: tracebacks on errors).")
@click.option("-q", "--quiet", is_flag=True, help="Less output.")
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="DRCTL_STATE_DIR",
    help="Where run journals and locks live (default ./.drctl).",
)
@click.version_option(__version__, prog_name="drctl")
@click.pass_context
def cli(
    ctx: click.Context,
    profile: str | None,
    endpoint_url: str | None,
    output: str,
    verbose: int,
    quiet: bool,
    state_dir: Path | None,
) -> None:
    """drctl -- disaster recovery for applications on AWS.

    One YAML plan per application; drctl validates it, checks readiness against
    its RTO/RPO, fails over and back in a safe order, and measures the RTO.

    \b
    Start here:
      drctl demo                        the whole story in a local sandbox
      drctl plan validate shop.yaml     is the plan well formed?
      drctl check --plan shop.yaml      is the DR side ready?
      drctl failover --plan shop.yaml --dry-run
    """
    ctx.obj = AppContext(
        profile=profile,
        endpoint_url=endpoint_url or None,
        output=output,
        verbose=verbose,
        quiet=quiet,
        state_dir=state_dir,
    )


def _wants_json(argv: list[str]) -> bool:
    for i, arg in enumerate(argv):
        if arg in ("--output", "-o") and i + 1 < len(argv):
            return argv[i + 1] == "json"
        if arg in ("--output=json", "-ojson"):
            return True
    return False


def _fail(
    message: str,
    code: int,
    *,
    hint: str | None,
    as_json: bool,
    diagnostics: list[str] | None = None,
) -> NoReturn:
    """``diagnostics``: a plan's ``PLAN:LINE:COL: message`` lines (already on stderr), which
    the JSON document carries too: a script reading it learns where the plan is wrong."""
    click.echo(f"drctl: error: {message}", err=True)
    if hint:
        click.echo(f"  hint: {hint}", err=True)
    if as_json:
        import json

        error: dict[str, object] = {"message": message, "hint": hint, "exit_code": code}
        if diagnostics:
            error["diagnostics"] = diagnostics
        click.echo(json.dumps({"error": error}))
    sys.exit(code)


def _exit_now(message: str, hint: str | None, *, as_json: bool) -> NoReturn:
    """After a second Ctrl-C: say so and leave without joining the step threads."""
    try:
        _fail(message, ExitCode.INTERRUPTED, hint=hint, as_json=as_json)
    except SystemExit:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map every error to one message and an exit code."""
    # drctl's models use no pydantic plugin; skipping the entry-point scan of every
    # installed distribution saves ~20 ms of each `plan validate` (docs/performance.md).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(args)
    debug = os.environ.get("DRCTL_DEBUG") == "1" or "-vv" in args
    try:
        code = cli.main(args=args, prog_name="drctl", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("aborted", ExitCode.REFUSED, hint=None, as_json=as_json)
    except click.UsageError as exc:
        exc.show()
        if as_json:  # stdout still gets its one document
            import json

            doc = {"message": exc.format_message(), "hint": None, "exit_code": 2}
            click.echo(json.dumps({"error": doc}))
        sys.exit(ExitCode.BAD_INPUT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except DrctlError as exc:
        if debug:
            raise
        if exc.exit_code == ExitCode.INTERRUPTED:
            _exit_now(exc.message, exc.hint, as_json=as_json)
        diagnostics = getattr(exc, "diagnostics", None)
        _fail(exc.message, exc.exit_code, hint=exc.hint, as_json=as_json, diagnostics=diagnostics)
    except KeyboardInterrupt:
        _fail("interrupted", ExitCode.INTERRUPTED, hint=None, as_json=as_json)
    except BrokenPipeError:
        sys.exit(ExitCode.OK)
    except Exception as exc:
        if debug:
            raise
        _fail(
            f"internal error: {type(exc).__name__}: {exc}",
            ExitCode.FAILED,
            hint="this is a drctl bug; rerun with DRCTL_DEBUG=1 for the traceback and report it",
            as_json=as_json,
        )
    sys.exit(code if isinstance(code, int) else 0)
