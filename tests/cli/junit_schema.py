"""The Jenkins xunit plugin's JUnit schema (``junit-10.xsd``), for validating drctl's JUnit files.

The schema is not vendored: third-party files stay out of this repository. pytest's source
distribution ships that very schema (``testing/example_scripts/junit-10.xsd``, MIT, the
Jenkins xunit plugin's file), so the test fetches the installed pytest's sdist from the
package registry once, keeps the schema in the user's cache (``~/.cache/drctl-tests``), and
validates against it with ``xmlschema``. Where the registry cannot be reached, the test
skips and says why, as the report test does when Chromium is missing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

MEMBER = "testing/example_scripts/junit-10.xsd"


def jenkins_junit_xsd(cache_dir: Path) -> Path:
    """The schema's path in ``cache_dir``, fetched on first use (atomic: safe under xdist)."""
    version = pytest.__version__
    target = cache_dir / f"jenkins-junit-10-pytest-{version}.xsd"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", f"pytest=={version}", "--dest", scratch],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        archives = list(Path(scratch).glob("pytest-*.tar.gz"))
        if fetched.returncode != 0 or not archives:
            pytest.skip(f"pytest {version}'s sdist (which ships junit-10.xsd) is not reachable "
                        f"from the package registry: {fetched.stderr.strip()[-300:]}")  # fmt: skip
        with tarfile.open(archives[0]) as sdist:
            member = sdist.extractfile(f"pytest-{version}/{MEMBER}")
            assert member is not None, f"{archives[0].name} no longer ships {MEMBER}"
            partial = Path(scratch) / target.name
            partial.write_bytes(member.read())
        os.replace(partial, target)
    return target


@pytest.fixture(scope="session")
def junit_schema() -> object:
    """An ``xmlschema.XMLSchema`` of the Jenkins xunit JUnit schema."""
    import xmlschema

    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    cache_dir = Path(base) / "drctl-tests" / "junit-schema"
    cache_dir.mkdir(parents=True, exist_ok=True)
    return xmlschema.XMLSchema(str(jenkins_junit_xsd(cache_dir)))
