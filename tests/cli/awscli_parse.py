"""Parse AWS CLI command lines with the real AWS CLI (awscli, the dev extra), calling nothing.

A runbook's commands are run by a person at 3 a.m.; a misspelt option there costs minutes of
the RTO. This module runs each ``aws ...`` line through awscli's own driver with the calls
replaced by a recorder: the line must parse (service, operation, every option, shorthand and
JSON values, integer values), and the parameters it builds must validate against the botocore
model of the operation (required members present, types right).

Shell around the commands is taken apart first: ``# comments`` are dropped, and each
``$(...)`` substitution is checked as a command of its own (when it is an ``aws`` one) and
stands for a value in the outer line. A ``<placeholder>`` (a value only AWS or the operator
knows) stands for a value of the option's type, and a ``file://NAME`` the operator writes
(described beside the command) for a smallest document of the option's shape, so the
command's options and the shape's required members are still checked.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
from dataclasses import dataclass
from typing import Any
from unittest import mock

A_TIME = "2026-01-01T00:00:00Z"
DUMMY_BY_TYPE = {
    "integer": "1",
    "long": "1",
    "double": "1.5",
    "float": "1.5",
    "map": "{}",
    "structure": "{}",
    "list": "[]",
    "timestamp": A_TIME,
    "boolean": "true",
}

# The global options a runbook leaves to the operator (an ARC cluster's regional endpoint).
GLOBAL_PLACEHOLDERS = {
    "--endpoint-url": "https://endpoint.example.invalid",
    "--region": "us-east-1",
}


@dataclass
class Parsed:
    line: str
    service: str
    operation: str  # botocore operation name, a waiter's operation, or an s3 command
    params: dict[str, Any]


class AwsCliError(AssertionError):
    pass


def _closing(text: str, start: int) -> int:
    """Index of the ``)`` closing a ``$(`` whose body starts at ``start``."""
    depth, quote = 1, None
    for k in range(start, len(text)):
        c = text[k]
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return k
    raise AwsCliError(f"unbalanced $( in: {text}")


def split_substitutions(text: str) -> tuple[str, list[str]]:
    """The line with each ``$(...)`` replaced by a value, and the substituted commands."""
    out: list[str] = []
    inner: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$(", i):
            end = _closing(text, i + 2)
            body = text[i + 2 : end]
            flat, nested = split_substitutions(body)
            inner += [flat, *nested]
            out.append(A_TIME if body.lstrip().startswith("date") else "SUBSTITUTED")
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out), inner


def aws_commands(line: str) -> list[list[str]]:
    """The argv (after ``aws``) of every AWS CLI command in one shell line."""
    outer, inner = split_substitutions(line)
    found = []
    for command in [outer, *inner]:
        try:
            tokens = shlex.split(command, comments=True)
        except ValueError as exc:
            raise AwsCliError(f"not a shell command ({exc}): {line}") from None
        if tokens and tokens[0] == "aws":
            found.append(_without_v2_only(tokens[1:]))
    return found


# Global options of AWS CLI version 2 that version 1 (the parser here) does not have; the
# commands are written for version 2, so these are checked for their value and dropped.
V2_ONLY = {"--cli-binary-format": ("base64", "raw-in-base64-out")}


def _without_v2_only(argv: list[str]) -> list[str]:
    kept: list[str] = []
    skip = False
    for i, token in enumerate(argv):
        if skip:
            skip = False
            continue
        if token in V2_ONLY:
            value = argv[i + 1] if i + 1 < len(argv) else ""
            if value not in V2_ONLY[token]:
                raise AwsCliError(f"{token} {value!r}: not one of {V2_ONLY[token]}")
            skip = True
            continue
        kept.append(token)
    return kept


class AwsCli:
    """One awscli driver, reused: creating it loads every service's command table."""

    def __init__(self) -> None:
        import awscli.clidriver

        self._env = mock.patch.dict(
            os.environ,
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_PAGER": "",
            },
        )
        with self._env:
            self.driver = awscli.clidriver.create_clidriver()
            self.session = self.driver.session
            self._register_file_arguments_once()

    def _register_file_arguments_once(self) -> None:
        """The ``file://`` argument handler, registered once, as one ``aws`` process does when
        its session is initialised. Every ``main()`` of a reused driver initialises the session
        again and would register one more handler, each then run for every argument of every
        later command: parsing slowed down with each line parsed (hundreds of them per runbook).
        """
        from awscli.paramfile import register_uri_param_handler

        register_uri_param_handler(self.session)
        self.session.unregister("session-initialized", register_uri_param_handler)

    def _arg_model(self, argv: list[str], option: str) -> Any:
        try:
            service = self.driver._get_command_table()[argv[0]]
            operation = service._get_command_table()[argv[1]]
            argument = operation.arg_table[option]
        except (KeyError, AttributeError, IndexError):
            return None
        return getattr(argument, "argument_model", None)

    def _fill_placeholders(self, argv: list[str]) -> list[str]:
        """A ``<placeholder>`` value becomes a value of its option's type (and length); a
        ``file://NAME`` the operator writes, a smallest document of the option's shape."""
        filled = list(argv)
        for i, token in enumerate(argv):
            if i and token.startswith("file://") and argv[i - 1][:2] == "--":
                model = self._arg_model(argv, argv[i - 1][2:])
                if model is not None:
                    filled[i] = _document_file(model)
                    continue
            if i and token.startswith("<") and token.endswith(">") and argv[i - 1][:2] == "--":
                if argv[i - 1] in GLOBAL_PLACEHOLDERS:
                    filled[i] = GLOBAL_PLACEHOLDERS[argv[i - 1]]
                    continue
                model = self._arg_model(argv, argv[i - 1][2:])
                kind = getattr(model, "type_name", None) or "string"
                if kind != "string":
                    filled[i] = DUMMY_BY_TYPE.get(kind, token)
                    continue
                bounds = getattr(model, "metadata", {}) or {}
                low, high = int(bounds.get("min", 0)), bounds.get("max")
                if len(token) < low or (high is not None and len(token) > int(high)):
                    filled[i] = "x" * max(low, 1)
        return filled

    def parse(self, line: str) -> list[Parsed]:
        """Every AWS command of ``line``, parsed; raises AwsCliError naming what is wrong."""
        return [self._parse_one(line, argv) for argv in aws_commands(line)]

    def _parse_one(self, line: str, argv: list[str]) -> Parsed:
        from awscli.clidriver import CLIOperationCaller
        from awscli.customizations import waiters
        from awscli.customizations.s3 import subcommands
        from botocore.validate import validate_parameters

        calls: list[tuple[str, str, dict[str, Any]]] = []

        def invoke(_self: Any, service: str, operation: str, params: Any, _g: Any) -> int:
            calls.append((service, operation, dict(params)))
            return 0

        def s3_command(self: Any, parsed_args: Any, _g: Any) -> int:
            calls.append(("s3", self.NAME, vars(parsed_args)))
            return 0

        args = self._fill_placeholders(argv)
        err = io.StringIO()
        with contextlib.ExitStack() as stack:
            stack.enter_context(self._env)
            stack.enter_context(mock.patch.object(CLIOperationCaller, "invoke", invoke))
            stack.enter_context(mock.patch.object(waiters.WaiterCaller, "invoke", invoke))
            for command in (subcommands.S3TransferCommand, subcommands.ListCommand):
                stack.enter_context(mock.patch.object(command, "_run_main", s3_command))
            stack.enter_context(contextlib.redirect_stderr(err))
            try:
                rc = self.driver.main(args)
            except SystemExit as exc:
                rc = exc.code
        if rc != 0 or not calls:
            said = [x for x in err.getvalue().splitlines() if x.strip() and "version 2" not in x]
            raise AwsCliError(f"aws {' '.join(argv)}\n  -> {' / '.join(said)[-600:]}")
        service, operation, params = calls[-1]
        params.pop("PaginationConfig", None)  # --max-items: the CLI's paginator, not the API
        if service != "s3" or argv[0] != "s3":
            model = self.session.get_service_model(service).operation_model(operation)
            try:
                validate_parameters(params, model.input_shape)
            except Exception as exc:
                raise AwsCliError(f"aws {' '.join(argv)}\n  -> {exc}") from None
        return Parsed(line, service, operation, params)


def _smallest(shape: Any) -> Any:
    """The smallest value of a botocore shape with every required member."""
    kind = shape.type_name
    if kind == "structure":
        return {name: _smallest(shape.members[name]) for name in shape.required_members}
    if kind == "list":
        return [_smallest(shape.member)]
    if kind == "map":
        return {}
    if kind == "string":
        enum = shape.enum
        low = int((shape.metadata or {}).get("min", 1))
        return enum[0] if enum else "x" * max(low, 1)
    return {"boolean": True, "timestamp": A_TIME}.get(kind, 1)


def _document_file(shape: Any) -> str:
    """``file://`` of a temporary JSON document of ``shape`` (removed at exit)."""
    import atexit
    import json
    import tempfile

    handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)  # noqa: SIM115
    with handle:
        json.dump(_smallest(shape), handle)
    atexit.register(os.unlink, handle.name)
    return f"file://{handle.name}"
