"""`drctl report`: a self-contained HTML page; headless Chromium proves the chart renders."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from drctl.engine.journal import Journal
from tests.conftest import DEMO_PLAN


def _drill_run(state: Path, run_id: str, at: str, rto: float | None, rpo: float | None) -> None:
    with Journal(state / "runs" / f"{run_id}.jsonl") as journal:
        journal.append(
            {"event": "run-start", "at": at, "run_id": run_id, "app": "shop", "action": "drill",
             "mode": "replication", "drill": "assets-replication", "steps": [],
             "objective_rto_seconds": 900, "objective_rpo_seconds": 300}
        )  # fmt: skip
        journal.append(
            {"event": "run-end", "at": at, "status": "succeeded", "rto_seconds": rto,
             "rpo_seconds": rpo}
        )  # fmt: skip


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_charts_measured_runs(built_now: Any, drctl: Any, tmp_path: Path) -> None:
    state = tmp_path / "state"
    failover = drctl("-o", "json", "--state-dir", str(state), "failover", "--plan",
                     str(DEMO_PLAN), "--yes")  # fmt: skip
    assert failover.exit_code == 0, failover.output
    _drill_run(state, "20261120T100000Z-shop-drill-aaaa", "2026-11-20T10:00:00.000Z", None, 42.0)
    _drill_run(state, "20261121T100000Z-shop-drill-bbbb", "2026-11-21T10:00:00.000Z", None, 420.0)

    page = tmp_path / "report.html"
    result = drctl("-o", "json", "--state-dir", str(state), "report", "--plan", str(DEMO_PLAN),
                   "-o", str(page))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runs"] == 3
    text = page.read_text()
    assert "<script src" not in text and "http://" not in text.replace(
        "http://www.w3.org/2000/svg", ""
    )  # self-contained: nothing to fetch
    assert 'class="over">7m' in text  # 420s RPO is over the 5m objective

    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = dom.stdout
    assert re.search(r'id="rto-chart" data-rendered="1"', rendered), rendered[:2000]
    assert re.search(r'id="rpo-chart" data-rendered="2"', rendered)
    assert rendered.count('class="point"') == 3
    assert rendered.count('class="objective"') == 2
