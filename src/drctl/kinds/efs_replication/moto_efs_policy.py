"""EFS file system policies as AWS answers them, where moto 5.2.5 is kinder or silent: moto
stores any text as the policy, answers an unknown file system with an internal error (a
``KeyError``), and has no ``DeleteFileSystemPolicy`` at all ("not implemented"). This module
keeps moto's storage and adds what the API reference says (sources:
https://docs.aws.amazon.com/efs/latest/ug/API_PutFileSystemPolicy.html,
https://docs.aws.amazon.com/efs/latest/ug/API_DescribeFileSystemPolicy.html,
https://docs.aws.amazon.com/efs/latest/ug/API_DeleteFileSystemPolicy.html,
https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html):

* an unknown file system: ``FileSystemNotFound`` (404), for each of the three calls;
* one that is not ``available``: ``IncorrectFileSystemLifeCycleState`` (409) for put and
  delete;
* ``InvalidPolicyException`` (400) -- "The FileSystemPolicy is malformed or contains an error
  such as a parameter value that is not valid or a missing required parameter. Returned in the
  case of a policy lockout safety check error" -- for text that is not a JSON object, over
  the "20,000 character limit", without statements, with a statement whose ``Effect`` is not
  ``Allow``/``Deny`` or that has no ``Principal`` or ``Action``; and, unless
  ``BypassPolicyLockoutSafetyCheck``, for a policy denying ``PutFileSystemPolicy`` (by name,
  ``elasticfilesystem:*`` or ``*``) to every principal without a condition: it would lock
  the caller out (the sandbox's reading of the check: AWS evaluates the caller's identity);
* ``DescribeFileSystemPolicy`` of a file system without one: ``PolicyNotFound`` (404) -- "the
  default policy is in effect";
* ``DeleteFileSystemPolicy``: the default policy again; of a file system that has none it
  succeeds (the reference lists no ``PolicyNotFound`` for it).

A Region that is down refuses these calls like every other (the sandbox's outage layer).
Not modelled: NFS clients -- the sandbox has no file data and no mounts, so a policy's effect
on clients (including the minutes a change takes) is not observable here.
"""

from __future__ import annotations

import json
from typing import Any, Final

from drctl.kinds.sandboxing import PatchSet

__all__ = ["MAX_POLICY_CHARS", "install", "is_installed", "uninstall"]

MAX_POLICY_CHARS: Final = 20_000
_patches = PatchSet()
_LOCKOUT_ACTIONS: Final = {"elasticfilesystem:putfilesystempolicy", "elasticfilesystem:*", "*"}


def _error(code: str, message: str) -> Exception:
    from moto.efs import exceptions

    if code == "FileSystemNotFound":
        return exceptions.FileSystemNotFound(message)
    if code == "PolicyNotFound":
        return exceptions.PolicyNotFound(message)

    class PolicyError(exceptions.EFSError):
        def __init__(self) -> None:
            super().__init__(code, message)

    PolicyError.code = 409 if code == "IncorrectFileSystemLifeCycleState" else 400
    return PolicyError()


def _file_system(backend: Any, fs_id: str, *, changing: bool) -> Any:
    fs = backend.file_systems_by_id.get(fs_id)
    if fs is None:
        raise _error("FileSystemNotFound", f"File system '{fs_id}' does not exist.")
    if changing and fs.life_cycle_state != "available":
        raise _error(
            "IncorrectFileSystemLifeCycleState",
            f"File system {fs_id} is {fs.life_cycle_state}, not available.",
        )
    return fs


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))


def validate(policy: str, *, bypass_lockout: bool) -> None:
    """Raise ``InvalidPolicyException`` for what AWS refuses (see the module's docstring)."""

    def invalid(why: str) -> Exception:
        return _error("InvalidPolicyException", f"The FileSystemPolicy is malformed: {why}.")

    if len(policy) > MAX_POLICY_CHARS:
        raise invalid(f"{len(policy)} characters, over the limit of {MAX_POLICY_CHARS}")
    try:
        doc = json.loads(policy)
    except ValueError as exc:
        raise invalid(f"not JSON ({exc})") from None
    if not isinstance(doc, dict) or not doc.get("Statement"):
        raise invalid("no Statement")
    for statement in _as_list(doc["Statement"]):
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise invalid("a statement's Effect must be Allow or Deny")
        if "Principal" not in statement or "Action" not in statement:
            raise invalid("a statement needs a Principal and an Action")
        actions = {str(a).lower() for a in _as_list(statement["Action"])}
        if (
            not bypass_lockout
            and statement["Effect"] == "Deny"
            and _everyone(statement["Principal"])
            and "Condition" not in statement
            and actions & _LOCKOUT_ACTIONS
        ):
            raise _error(
                "InvalidPolicyException",
                "The policy would lock the caller out of PutFileSystemPolicy on this file "
                "system (set BypassPolicyLockoutSafetyCheck if that is intended).",
            )


def _json(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return json.dumps(body), {"status": 200, "Content-Type": "application/json"}


def _describe_response(self: Any) -> tuple[str, dict[str, Any]]:
    fs_id = str(self._get_param("FileSystemId"))
    fs = _file_system(self.efs_backend, fs_id, changing=False)
    if not fs.file_system_policy:
        raise _error(
            "PolicyNotFound",
            f"File system {fs_id} has no file system policy: the default policy is in effect.",
        )
    return _json({"FileSystemId": fs_id, "Policy": fs.file_system_policy})


def _put_response(self: Any) -> tuple[str, dict[str, Any]]:
    fs_id = str(self._get_param("FileSystemId"))
    fs = _file_system(self.efs_backend, fs_id, changing=True)
    policy = str(self._get_param("Policy") or "")
    validate(policy, bypass_lockout=bool(self._get_param("BypassPolicyLockoutSafetyCheck")))
    fs.file_system_policy = policy
    return _json({"FileSystemId": fs_id, "Policy": policy})


def _delete_response(self: Any) -> tuple[str, dict[str, Any]]:
    fs_id = str(self._get_param("FileSystemId"))
    fs = _file_system(self.efs_backend, fs_id, changing=True)
    fs.file_system_policy = None
    return "", {"status": 200, "Content-Type": "application/json"}


def install() -> None:
    """Make moto's file system policies answer as AWS does; idempotent."""
    if _patches.active:
        return
    from moto.efs.responses import EFSResponse

    _patches.replace(EFSResponse, "describe_file_system_policy", _describe_response)
    _patches.replace(EFSResponse, "put_file_system_policy", _put_response)
    _patches.replace(EFSResponse, "delete_file_system_policy", _delete_response)


def uninstall() -> None:
    """Restore moto's file system policies."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
