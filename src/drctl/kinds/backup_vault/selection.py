"""Which resources a backup selection assigns to its plan, as AWS Backup decides it: by ARN
(``Resources``, ``NotResources``, with ``*`` wildcards) and by tag (``ListOfTags``,
``Conditions``). No moto here; the extension hands in each resource's ARN and tags.

Sources: BackupSelection (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupSelection.html),
Conditions (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Conditions.html),
Condition (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Condition.html),
ConditionParameter (https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ConditionParameter.html),
Assigning resources programmatically
(https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html#assigning-resources-json):

* ``ListOfTags`` supports ``STRINGEQUALS`` only; "If you specify multiple conditions, the
  resources much match any of the conditions (OR logic)" -- a way of assigning beside
  ``Resources`` (a resource named by either is assigned);
* ``Conditions`` (``StringEquals``, ``StringLike``, ``StringNotEquals``, ``StringNotLike``,
  keys ``aws:ResourceTag/<key>``): "the resources much match all conditions (AND logic)",
  and they refine ``Resources`` (combined with AND); ``*`` is the wildcard of the ``Like``
  forms; everything is case sensitive;
* ``NotResources`` excludes;
* with neither ``Resources`` nor ``ListOfTags``, "Backup attempts to select all supported and
  opted-in storage resources" (then refined by ``Conditions``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

TAG_PREFIX: Final = "aws:ResourceTag/"
CONDITION_TYPES: Final = ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike")


def _key(condition: Mapping[str, Any]) -> str:
    key = str(condition.get("ConditionKey", ""))
    return key[len(TAG_PREFIX) :] if key.startswith(TAG_PREFIX) else key


def _like(pattern: str, value: str) -> bool:
    """``*`` matches any run of characters; the rest literally, case sensitive."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _arn_matches(patterns: list[str], arn: str) -> bool:
    return any(_like(p, arn) for p in patterns)


def _conditions_hold(conditions: Mapping[str, Any], tags: Mapping[str, str]) -> bool:
    for condition in conditions.get("StringEquals") or []:
        if tags.get(_key(condition)) != condition.get("ConditionValue"):
            return False
    for condition in conditions.get("StringNotEquals") or []:
        if tags.get(_key(condition)) == condition.get("ConditionValue"):
            return False
    for condition in conditions.get("StringLike") or []:
        value = tags.get(_key(condition))
        if value is None or not _like(str(condition.get("ConditionValue", "")), value):
            return False
    for condition in conditions.get("StringNotLike") or []:
        value = tags.get(_key(condition))
        if value is not None and _like(str(condition.get("ConditionValue", "")), value):
            return False
    return True


def selects(selection: Mapping[str, Any], arn: str, tags: Mapping[str, str]) -> bool:
    """Whether ``selection`` (a BackupSelection document) assigns the resource ``arn`` that
    carries ``tags``."""
    resources = [str(r) for r in selection.get("Resources") or []]
    list_of_tags = selection.get("ListOfTags") or []
    if resources or list_of_tags:
        named = _arn_matches(resources, arn)
        tagged = any(
            str(c.get("ConditionType", "STRINGEQUALS")).upper() == "STRINGEQUALS"
            and tags.get(_key(c)) == c.get("ConditionValue")
            for c in list_of_tags
        )
        if not (named or tagged):
            return False
    if _arn_matches([str(r) for r in selection.get("NotResources") or []], arn):
        return False
    return _conditions_hold(selection.get("Conditions") or {}, tags)


def names_only(selection: Mapping[str, Any]) -> list[str]:
    """The ARNs a selection names without a wildcard and without tag conditions: assigned
    whether or not the sandbox finds them among the resources it lists (a missing one fails
    its backup job, as on AWS; one of a type the sandbox does not list is backed up as
    named)."""
    if any(selection.get("Conditions", {}).get(k) for k in CONDITION_TYPES):
        return []
    return [
        str(r)
        for r in selection.get("Resources") or []
        if "*" not in str(r)
        and not _arn_matches([str(n) for n in selection.get("NotResources") or []], str(r))
    ]
