"""Lambda's account concurrency: ``GetAccountSettings`` and the reserve floor, which moto 5.2.5
leaves out (no ``GetAccountSettings``; reservations unlimited unless the
``MOTO_LAMBDA_CONCURRENCY_QUOTA`` variable is set).

A failover that reserves concurrency for the DR function can fail on AWS: the account's
Region has a concurrency quota, and a reservation that would leave less than 100 unreserved is
refused. Without the quota a readiness check could not see it coming, and the sandbox would
accept a reservation AWS refuses.

Sources (Lambda API reference and Developer Guide; botocore ``lambda`` model):

* ``GetAccountSettings`` (https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html,
  ``AccountLimit``: https://docs.aws.amazon.com/lambda/latest/api/API_AccountLimit.html):
  ``ConcurrentExecutions`` (the Region's quota) and ``UnreservedConcurrentExecutions`` ("The
  maximum number of concurrent executions ... minus the reserved concurrency"), and
  ``AccountUsage`` (``FunctionCount``, ``TotalCodeSize``).
* Quota and floor (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html):
  1,000 concurrent executions by default; "Lambda requires at least 100 unreserved
  concurrency"; ``PutFunctionConcurrency`` beyond that is ``InvalidParameterValueException``
  (moto's own message, used when its quota variable is set).

The quota is ``DEFAULT_QUOTA`` unless ``MOTO_LAMBDA_CONCURRENCY_QUOTA`` says otherwise.
"""

from __future__ import annotations

import json
import os
from typing import Any, Final

from drctl.kinds.lambda_function.api import UNRESERVED_FLOOR
from drctl.kinds.sandboxing import PatchSet

__all__ = ["DEFAULT_QUOTA", "UNRESERVED_FLOOR", "install", "is_installed", "uninstall"]

DEFAULT_QUOTA: Final = 1000
_QUOTA_VARIABLE: Final = "MOTO_LAMBDA_CONCURRENCY_QUOTA"
_ACCOUNT_SETTINGS: Final = r"{0}/(?P<api_version>[^/]+)/account-settings/?$"

_patches = PatchSet()
_original_put: Any = None


def _quota() -> int:
    return int(os.environ.get(_QUOTA_VARIABLE) or DEFAULT_QUOTA)


def _reserved(backend: Any, except_function: str | None = None) -> int:
    return sum(
        int(fn.reserved_concurrency)
        for fn in backend.list_functions()
        if fn.reserved_concurrency and fn.function_name != except_function
    )


def _put(backend: Any, function_name: str, reserved_concurrency: str) -> Any:
    """Replacement for ``put_function_concurrency``: the Region's quota always applies."""
    from moto.awslambda.exceptions import InvalidParameterValueException

    fn = backend.get_function(function_name)
    left = _quota() - int(reserved_concurrency) - _reserved(backend, fn.function_name)
    if left < UNRESERVED_FLOOR:
        raise InvalidParameterValueException(
            "Specified ReservedConcurrentExecutions for function decreases account's "
            f"UnreservedConcurrentExecution below its minimum value of [{UNRESERVED_FLOOR}]."
        )
    fn.reserved_concurrency = reserved_concurrency
    return fn.reserved_concurrency


def _get_account_settings(self: Any) -> Any:
    """The ``GetAccountSettings`` action."""
    functions = list(self.backend.list_functions())
    size = sum(int(getattr(fn, "code_size", 0) or 0) for fn in functions)
    body = {
        "AccountLimit": {
            "TotalCodeSize": 80530636800,
            "CodeSizeUnzipped": 262144000,
            "CodeSizeZipped": 52428800,
            "ConcurrentExecutions": _quota(),
            "UnreservedConcurrentExecutions": _quota() - _reserved(self.backend),
        },
        "AccountUsage": {"TotalCodeSize": size, "FunctionCount": len(functions)},
    }
    return 200, {}, json.dumps(body)


def install() -> None:
    """Patch moto's Lambda concurrency; idempotent."""
    global _original_put
    if _patches.active:
        return
    from moto.awslambda import urls
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda.responses import LambdaResponse

    _original_put = LambdaBackend.put_function_concurrency
    _patches.replace(LambdaBackend, "put_function_concurrency", _put)
    _patches.replace(LambdaResponse, "get_account_settings", _get_account_settings)
    _patches.add_item(urls.url_paths, _ACCOUNT_SETTINGS, LambdaResponse.dispatch)


def uninstall() -> None:
    """Restore moto's Lambda concurrency."""
    _patches.restore_all()


def is_installed() -> bool:
    """Whether this extension is in effect."""
    return _patches.active
