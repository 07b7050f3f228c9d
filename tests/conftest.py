"""Shared fixtures: fake AWS, a network guard, the sandbox builder, a fake clock.

The network guard is autouse: any socket connection or DNS lookup for a host
that is not loopback fails the test. Under moto some services are not mocked
(arc-region-switch, for one) and their calls would otherwise leave the machine.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drctl.engine.clock import FakeClock

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
DEMO_PLAN = REPO / "src" / "drctl" / "data" / "demo.yaml"


def _moto_default_amis_only() -> None:
    """Each EC2 backend moto creates (one per account and Region) loads its AMI catalogue:
    the 44 default AMIs plus some 1,300 "latest" AMIs of the Region, each with an EBS volume
    and snapshot -- about 0.2 s per backend, and as much again when ``mock_aws`` resets it.
    No test reads those regional AMIs (the sandbox and the tests take the first Amazon-owned
    image, ``ami-03cf127a``, the first of the defaults), so point moto at its own default list
    (``MOTO_AMIS_PATH``, set before moto's EC2 models are imported; subprocesses inherit it).
    """
    import atexit
    import json
    import os
    import shutil
    import tempfile

    if "MOTO_AMIS_PATH" in os.environ:
        return
    from moto.utilities.utils import load_resource

    directory = tempfile.mkdtemp(prefix="drctl-tests-amis-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = Path(directory) / "amis.json"
    path.write_text(json.dumps(load_resource("ec2/resources/amis.json")))
    os.environ["MOTO_AMIS_PATH"] = str(path)


_moto_default_amis_only()


def _state_outside_the_checkout() -> None:
    """Journals, locks and kept targets of this test process go to a directory of its own.

    Each test gets ``DRCTL_STATE_DIR`` under its ``tmp_path`` (``fake_aws_env``), but a
    module- or session-scoped fixture runs before that: without a fallback it wrote to the
    checkout's ``./.drctl``, shared by concurrent runs (a lock held there by another run
    failed a test with exit 4)."""
    import atexit
    import os
    import shutil
    import tempfile

    if "DRCTL_STATE_DIR" not in os.environ:
        directory = tempfile.mkdtemp(prefix="drctl-tests-state-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ["DRCTL_STATE_DIR"] = directory


_state_outside_the_checkout()


def _fewer_garbage_collections() -> None:
    """A test process holds a large heap (botocore's models, moto's backends, their
    modules) and makes and drops a moto world per test: at CPython's default thresholds
    (700, 10, 10) the cyclic collector ran a full collection every second or so, each
    walking that heap -- over a third of the CPU of a sample of modules (12.7 s of 34.1 s).
    Larger thresholds keep collecting every cycle, less often (4.8 s of 28.4 s; peak memory
    480 -> 510 MB). Subprocesses keep the defaults."""
    import gc

    gc.set_threshold(10_000, 50, 50)


_fewer_garbage_collections()


class NetworkGuardError(RuntimeError):
    """A test tried to reach a host that is not this machine."""


def _is_local(host: Any) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).strip("[]")).is_loopback
    except ValueError:
        return str(host).endswith(".localhost")


def guard_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection or DNS lookup for a host that is not this machine."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise NetworkGuardError(f"test tried to connect to {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise NetworkGuardError(f"test tried to connect to {address!r}")
        return real_connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host):
            raise NetworkGuardError(f"test tried to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture(autouse=True, scope="session")
def no_fsync() -> Iterator[None]:
    """``os.fsync`` returns at once in this process: a run's journal fsyncs every event (and
    the lock its file), a few milliseconds each on a disk, thousands of times over a suite.
    No test survives a power cut to need them; tests/engine/test_journal.py still spies that
    the journal calls it for every event. Subprocesses keep the real one."""
    import os

    def fsync(fd: int) -> None:
        os.fstat(fd)  # still fails on a closed or invalid descriptor, as fsync does

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "fsync", fsync)
        yield


@pytest.fixture(autouse=True, scope="session")
def boto_client_methods_reused() -> Iterator[None]:
    """Every boto3 client built makes its class again, one method per API operation, each
    with a lazily built docstring: about 20 ms for EC2's 700 operations, and the tests build
    clients by the thousand (drctl per run context, moto's Step Functions interpreter per
    task). Here each service's methods are made once per process and every client class
    still gets a fresh dict of them, so botocore's ``creating-client-class`` handlers add or
    remove methods as before. A method only calls ``self._make_api_call`` with its
    operation's name (``botocore.client.ClientCreator._create_api_method``): sharing the
    function objects between classes changes nothing a call does. Subprocesses keep
    botocore's own."""
    from botocore.client import ClientCreator

    original = ClientCreator._create_methods
    made: dict[tuple[str, str, tuple[str, ...]], dict[str, Any]] = {}

    def _create_methods(self: Any, service_model: Any) -> dict[str, Any]:
        key = (
            service_model.service_name,
            service_model.api_version,
            tuple(service_model.operation_names),
        )
        methods = made.get(key)
        if methods is None:
            methods = made[key] = original(self, service_model)
        return dict(methods)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ClientCreator, "_create_methods", _create_methods)
        yield


class _KeyPairOnFirstUse:
    """moto's KMS key pair of one key, generated the first time it is used."""

    def __init__(self, key_spec: str, generate: Any) -> None:
        self._key_spec, self._generate, self._pair = key_spec, generate, None

    def __getattr__(self, name: str) -> Any:
        if name in ("_key_spec", "_generate", "_pair"):  # not set yet (a copy being made)
            raise AttributeError(name)
        if self._pair is None:
            self._pair = self._generate(self._key_spec)
        return getattr(self._pair, name)


@pytest.fixture(autouse=True, scope="session")
def kms_key_pairs_on_first_use() -> Iterator[None]:
    """moto makes an RSA key pair (about 50 ms) for every KMS key it creates, symmetric keys
    included, for Sign/Verify/GetPublicKey; the sandboxes create KMS keys for their
    encrypted resources and never sign with them. Here each key's pair is made the first time
    one of those calls uses it: what they answer is unchanged."""
    import moto.kms.models

    original = moto.kms.models.generate_private_key

    def generate_private_key(key_spec: str) -> Any:
        return _KeyPairOnFirstUse(key_spec, original)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(moto.kms.models, "generate_private_key", generate_private_key)
        yield


@pytest.fixture(autouse=True, scope="session")
def asl_parse_trees_reused() -> Iterator[None]:
    """moto's Step Functions parses a definition's text with its ANTLR grammar (pure Python,
    about 0.3 s for one of the examples' 100 kB definitions) when the state machine is
    created and again at every execution: a both-engines test parses the same text three
    times or more. Here the parse tree of each recent text is kept and every caller still
    gets evaluation components built afresh from it by moto's own preprocessor, so no
    execution shares state with another; a text with a syntax error is parsed (and refused)
    every time. Subprocesses (the sandbox server) keep moto's own parser."""
    import threading
    from collections import OrderedDict

    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    original = AmazonStateLanguageParser.parse
    trees: OrderedDict[str, Any] = OrderedDict()
    lock = threading.Lock()

    def parse(definition: str) -> tuple[Any, Any]:
        with lock:
            tree = trees.get(definition)
            if tree is not None:
                trees.move_to_end(definition)
        if tree is None:
            program, tree = original(definition)
            with lock:
                trees[definition] = tree
                while len(trees) > 4:  # the machines of one test: memory stays bounded
                    trees.popitem(last=False)
            return program, tree
        return Preprocessor().visit(tree), tree

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(AmazonStateLanguageParser, "parse", staticmethod(parse))
        yield


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)


@pytest.fixture(autouse=True)
def fake_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test ever sees real credentials, profiles or config files."""
    isolate_aws_env(monkeypatch, tmp_path)


def isolate_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "DRCTL_DEBUG",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("DRCTL_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture
def aws() -> Iterator[None]:
    """In-process moto for every service, with the project's extensions installed."""
    from moto import mock_aws

    from drctl.kinds.sandboxing import aws_time
    from drctl.sandbox.extensions import install

    install()
    try:
        with mock_aws(config={"core": {"reset_boto3_session": False}}):
            yield
    finally:
        aws_time.reset()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def demo_plan() -> Any:
    from drctl.plan.loader import load_plan

    return load_plan(DEMO_PLAN)


@pytest.fixture
def settings(tmp_path: Path, clock: FakeClock) -> Any:
    from drctl.engine.settings import default_settings

    return default_settings(state_dir=tmp_path / "state", clock=clock)


@pytest.fixture
def built_plan(aws: None, demo_plan: Any, settings: Any) -> Any:
    """The demo plan built in moto, healthy: replicas, replication rules, failover records."""
    from drctl.engine.settings import make_context
    from drctl.kinds.sandboxing import aws_time
    from drctl.sandbox.builders import SandboxBuilder

    aws_time.follow(settings.clock.now)  # AWS's states pass as the run's fake clock sleeps
    ctx = make_context(demo_plan.plan, settings)
    SandboxBuilder(demo_plan.plan, ctx.sessions, settings.clock).build()
    return demo_plan


@pytest.fixture
def built_now(aws: None, tmp_path: object) -> object:
    """The demo plan built in moto on the clock the CLI commands will read it with.

    In this process that is the sandbox's AWS clock (``AwsClock``: wall time, and a wait lets
    that much AWS time pass at once), for the build and for every ``drctl`` invoked after it.
    (The shared ``built_plan`` fixture builds on a fake clock instead.)
    """
    from drctl.engine.settings import default_settings, make_context
    from drctl.plan.loader import load_plan
    from drctl.sandbox.builders import SandboxBuilder

    loaded = load_plan(DEMO_PLAN)
    settings = default_settings()
    ctx = make_context(loaded.plan, settings)
    SandboxBuilder(loaded.plan, ctx.sessions, settings.clock).build()
    return loaded


@pytest.fixture(scope="module")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo plan built once for a whole module, on the sandbox's AWS clock.

    For modules whose tests only read (dry runs, refused or declined runs, bad input):
    each of them asserts that AWS is unchanged afterwards, so sharing one build is safe and
    saves a build per test. A module that changes AWS state uses ``built_now`` instead.
    Never mix it with the function-scoped ``aws`` fixture in one module: starting a second
    mock resets moto's state under the shared build.
    """
    from moto import mock_aws

    from drctl.engine.settings import default_settings
    from drctl.plan.loader import load_plan
    from drctl.sandbox.extensions import install
    from tests.support import build_sandbox

    with pytest.MonkeyPatch.context() as mp:
        guard_network(mp)
        isolate_aws_env(mp, tmp_path_factory.mktemp("shared-sandbox"))
        install()
        with mock_aws(config={"core": {"reset_boto3_session": False}}):
            loaded = load_plan(DEMO_PLAN)
            build_sandbox(loaded.plan, default_settings())
            yield loaded
