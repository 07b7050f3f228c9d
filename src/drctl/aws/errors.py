"""botocore exceptions -> drctl errors that name the resource, region and API call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    TokenRetrievalError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from drctl.errors import AwsError, CredentialsError, DrctlError

P = ParamSpec("P")
T = TypeVar("T")

CREDENTIALS_HINT = (
    "set AWS_PROFILE / --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; "
    "for the local sandbox run `drctl sandbox up` and export the AWS_ENDPOINT_URL it prints"
)


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def translate(exc: BaseException, where: str) -> DrctlError:
    """One readable error for any botocore failure; ``where`` names what we were doing."""
    if isinstance(exc, DrctlError):
        return exc
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError, TokenRetrievalError)):
        return CredentialsError(
            f"{where}: no usable AWS credentials ({exc})", hint=CREDENTIALS_HINT
        )
    if isinstance(exc, ProfileNotFound):
        return CredentialsError(f"{where}: {exc}", hint="check --profile / AWS_PROFILE")
    if isinstance(exc, NoRegionError):
        return AwsError(f"{where}: no region configured")
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "Error")
        message = err.get("Message", "") or str(exc)
        if code in {
            "ExpiredToken",
            "ExpiredTokenException",
            "InvalidClientTokenId",
            "UnrecognizedClientException",
            "AuthFailure",
            "SignatureDoesNotMatch",
        }:
            return CredentialsError(
                f"{where}: {exc.operation_name}: {code}: {message}", hint=CREDENTIALS_HINT
            )
        return AwsError(f"{where}: {exc.operation_name} failed: {code}: {message}")
    if isinstance(exc, BotoConnectionError):
        return AwsError(
            f"{where}: cannot reach the AWS endpoint ({exc})",
            hint="check the network, --endpoint-url / AWS_ENDPOINT_URL",
        )
    if isinstance(exc, BotoCoreError):
        return AwsError(f"{where}: {exc}")
    return AwsError(f"{where}: {type(exc).__name__}: {exc}")


@contextmanager
def aws_errors(where: str) -> Iterator[None]:
    """Re-raise botocore errors inside the block as drctl errors naming ``where``."""
    try:
        yield
    except DrctlError:
        raise
    except (BotoCoreError, ClientError) as exc:
        raise translate(exc, where) from None


def wrapped(where: Callable[..., str]) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorator form of :func:`aws_errors`; ``where`` builds the context from the args."""

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> T:
            with aws_errors(where(*args, **kwargs)):
                return fn(*args, **kwargs)

        return inner

    return decorate


def is_not_found(exc: BaseException, *codes: str) -> bool:
    return error_code(exc) in set(codes)
