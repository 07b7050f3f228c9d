"""The sandbox's state file and server log are owner-only, like the journals and locks that
share their directory (``drctl sandbox up`` is often what creates it)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from drctl.sandbox.server import log_file, open_log, read_state, state_file, write_state


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    old = os.umask(0)  # the modes asserted are the ones asked for, not the umask's
    try:
        yield
    finally:
        os.umask(old)


def test_state_file_log_and_the_directories_they_create_are_owner_only(tmp_path: Path) -> None:
    state_dir = tmp_path / "project" / ".drctl"
    write_state(state_dir, {"pid": 4242, "endpoint_url": "http://127.0.0.1:5000"})
    assert read_state(state_dir) == {"pid": 4242, "endpoint_url": "http://127.0.0.1:5000"}
    assert mode(state_file(state_dir)) == 0o600
    assert mode(state_dir) == 0o700 and mode(tmp_path / "project") == 0o700
    assert [p.name for p in state_dir.iterdir()] == [state_file(state_dir).name]  # no temp left

    with open_log(state_dir) as log:
        log.write("GET /moto-api/\n")
    assert mode(log_file(state_dir)) == 0o600
    assert log_file(state_dir).read_text() == "GET /moto-api/\n"


def test_a_state_file_left_readable_by_others_is_made_private_when_rewritten(
    tmp_path: Path,
) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    state_file(state_dir).write_text("{}")
    os.chmod(state_file(state_dir), 0o644)
    state_file(state_dir).with_suffix(".tmp").write_text("{}")
    os.chmod(state_file(state_dir).with_suffix(".tmp"), 0o644)  # an interrupted earlier write
    write_state(state_dir, {"pid": 1})
    assert mode(state_file(state_dir)) == 0o600
    assert json.loads(state_file(state_dir).read_text()) == {"pid": 1}
    log_file(state_dir).write_text("old")
    os.chmod(log_file(state_dir), 0o644)
    open_log(state_dir).close()
    assert mode(log_file(state_dir)) == 0o600 and log_file(state_dir).read_text() == ""
