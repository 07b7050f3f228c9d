"""Whether an IAM role lets S3 replicate one direction, decided from the role's own documents.

IAM's policy simulator (``iam:SimulatePrincipalPolicy``) is the authority on AWS, but it needs a
permission many DR operators lack and moto does not implement it. Readiness only has to answer
one narrow question -- "may S3 assume this role, and do its policies allow these few actions on
these ARNs?" -- so drctl evaluates the trust policy and the identity policies it reads with
``GetRole``/``GetRolePolicy``/``GetPolicyVersion`` the way IAM's evaluation logic does for them
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit Deny anywhere wins, otherwise some statement must Allow. Statements with a
``Condition`` cannot be decided without the request context: an Allow with one is not counted
(the check says so rather than pass on a guess); a Deny with one is reported as possible.
A permissions boundary, when the role has one, must allow each action too ("the effective
permissions are the intersection": reference_policies_evaluation-logic, and
access_policies_boundaries). SCPs live in AWS Organizations, which a workload account cannot
read: the check says they were not evaluated.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Document = Mapping[str, Any]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _matches(patterns: Iterable[Any], value: str, *, case: bool) -> bool:
    for pattern in patterns:
        text = str(pattern)
        if not case:
            text, candidate = text.lower(), value.lower()
        else:
            candidate = value
        if fnmatch.fnmatchcase(candidate, text.replace("[", "[[]")):
            return True
    return False


def _applies(statement: Document, action: str, resource: str) -> bool:
    if "NotAction" in statement:
        if _matches(_as_list(statement["NotAction"]), action, case=False):
            return False
    elif not _matches(_as_list(statement.get("Action")), action, case=False):
        return False
    if "NotResource" in statement:
        return not _matches(_as_list(statement["NotResource"]), resource, case=True)
    return _matches(_as_list(statement.get("Resource", "*")), resource, case=True)


def decide(documents: Iterable[Document], action: str, resource: str) -> str:
    """ "allow", "deny", "conditional-deny" or "implicit-deny" for one action on one ARN."""
    allowed = conditional_deny = False
    for document in documents:
        for statement in _as_list(document.get("Statement")):
            if not isinstance(statement, Mapping) or not _applies(statement, action, resource):
                continue
            conditional = bool(statement.get("Condition"))
            if statement.get("Effect") == "Deny":
                if not conditional:
                    return "deny"
                conditional_deny = True
            elif statement.get("Effect") == "Allow" and not conditional:
                allowed = True
    if conditional_deny:
        return "conditional-deny"
    return "allow" if allowed else "implicit-deny"


def trusts_service(trust: Document, service: str) -> bool:
    """Whether the trust policy lets ``service`` (``s3.amazonaws.com``) assume the role."""
    for statement in _as_list(trust.get("Statement")):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement.get("Action"))
        principal = statement.get("Principal") or {}
        services = _as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
        if _matches(actions, "sts:AssumeRole", case=False) and service in services:
            return True
    return False


def problems(
    trust: Document,
    documents: Sequence[Document],
    needs: Iterable[tuple[str, str]],
    boundary: Document | None = None,
) -> list[str]:
    """What stops the role doing ``needs`` ([(action, resource ARN)]); empty when nothing.
    ``boundary``: the role's permissions boundary, which must allow each action as well."""
    found = []
    if not trusts_service(trust, "s3.amazonaws.com"):
        found.append("its trust policy does not let s3.amazonaws.com assume it")
    for action, resource in needs:
        verdict = decide(documents, action, resource)
        if verdict == "deny":
            found.append(f"{action} on {resource} is explicitly denied")
        elif verdict == "conditional-deny":
            found.append(f"{action} on {resource} may be denied (a Deny with a Condition)")
        elif verdict == "implicit-deny":
            found.append(f"{action} on {resource} is not allowed")
        elif boundary is not None and decide([boundary], action, resource) != "allow":
            found.append(f"{action} on {resource} is outside the role's permissions boundary")
    return found
