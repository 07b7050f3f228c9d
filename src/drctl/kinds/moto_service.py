"""What the services drctl adds to moto share (Route 53 ARC's two APIs, Global Accelerator).

moto 5.2.5 mocks neither, so each is added the way moto adds its own newer services: a
global backend (one per account, which moto keys by the partition) and a response class
whose parameters are parsed, and whose results are serialized, from the botocore service
model (``automated_parameter_parsing``). Doing both in one place keeps the added services
wired alike; each still registers its own URL patterns (:func:`register_service`).
"""

from __future__ import annotations

from typing import Final, Generic, TypeVar

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.responses import BaseResponse

PARTITION: Final = "aws"

B = TypeVar("B", bound=BaseBackend)


def account_backends(backend: type[B], service: str) -> BackendDict[B]:
    """The backends of a global service: one per account, under :data:`PARTITION`."""
    return BackendDict(backend, service, use_boto3_regions=False, additional_regions=[PARTITION])


class ModelResponse(BaseResponse, Generic[B]):
    """A response class serving ``service`` from the botocore model, on the calling account's
    backend. moto builds one per request with no arguments (``dispatch``), so a subclass
    names its service and backends in an ``__init__`` of its own."""

    def __init__(self, service: str, backends: BackendDict[B]) -> None:
        super().__init__(service_name=service)
        self.automated_parameter_parsing = True
        self._backends = backends

    @property
    def backend(self) -> B:
        return self._backends[self.current_account][PARTITION]
