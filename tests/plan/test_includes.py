"""Plans of plans: ``include:`` validated like the rest of a plan -- every problem at once,
each at its place in the including file (missing file, invalid include with its own errors in
its own file, nested includes, a plan including itself, duplicate apps, unknown or cyclic
depends_on) -- and the stages that order the includes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from drctl.errors import PlanError
from drctl.plan.loader import load_plan

APP = """\
version: 1
app: {app}
tier: gold
strategy: warm-standby
regions: {{primary: us-east-1, dr: us-west-2}}
resources: [{{kind: manual, name: call, instructions: "Call the partner"}}]
"""

ORG = """\
version: 1
app: org
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
include:
"""


def _write(tmp_path: Path, includes: str, **apps: str) -> Path:
    for file, app in apps.items():
        (tmp_path / f"{file}.yaml").write_text(APP.format(app=app))
    path = tmp_path / "org.yaml"
    path.write_text(ORG + textwrap.dedent(includes))
    return path


def _errors(path: Path) -> list[str]:
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert int(info.value.exit_code) == 2
    return info.value.diagnostics


def test_includes_load_with_their_stages(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
          - plan: shop.yaml
            depends_on: [platform]
          - {plan: platform.yaml}
          - {plan: reports.yaml, depends_on: [shop, platform]}
        """,
        shop="shop",
        platform="platform",
        reports="reports",
    )
    loaded = load_plan(path)
    assert loaded.plan.resources == []
    stages = {inc.app: (inc.stage, inc.depends_on) for inc in loaded.includes}
    assert stages == {
        "shop": (1, ("platform",)),
        "platform": (0, ()),
        "reports": (2, ("shop", "platform")),
    }
    assert loaded.includes[0].loaded.path == str(tmp_path / "shop.yaml")


def test_every_include_problem_is_positioned_in_the_including_plan(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(APP.format(app="broken").replace("tier: gold", "tier: x"))
    path = _write(
        tmp_path,
        """\
          - plan: shop.yaml
          - plan: missing.yaml
          - plan: again.yaml
          - plan: org.yaml
          - plan: broken.yaml
          - plan: platform.yaml
            depends_on: [nobody]
        """,
        shop="shop",
        again="shop",
        platform="platform",
    )
    errs = _errors(path)
    broken = str(tmp_path / "broken.yaml")
    assert errs[:4] == [
        f"{path}:8:9: no such plan file: missing.yaml ({tmp_path / 'missing.yaml'})",
        f"{path}:9:9: duplicate app 'shop': again.yaml and shop.yaml are the same app "
        "(each app is locked and named once)",
        f"{path}:10:9: org.yaml is this plan: it cannot include itself",
        f"{path}:11:9: broken.yaml is not a valid plan (errors below)",
    ]
    # The include's own error, in its own file; nothing blamed twice (an include failed to
    # load, so the unknown depends_on is not reported on top).
    assert len(errs) == 5 and errs[4].startswith(f"{broken}:3:7: tier:")


def test_an_include_that_is_not_a_regular_file_says_what_it_is(tmp_path: Path) -> None:
    """A FIFO (which would hang a reader), a device or a directory exists: "no such plan
    file" would be wrong. The loader refuses each, at once, saying what it is."""
    import os

    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "folder.yaml").mkdir()
    path = _write(
        tmp_path,
        """\
          - plan: pipe.yaml
          - plan: folder.yaml
          - plan: /dev/null
        """,
    )
    errs = _errors(path)
    assert errs == [
        f"{path}:7:9: pipe.yaml is not a valid plan (errors below)",
        f"{path}:8:9: folder.yaml is not a valid plan (errors below)",
        f"{path}:9:9: /dev/null is not a valid plan (errors below)",
        f"{tmp_path / 'pipe.yaml'}:1:1: is a FIFO (named pipe), not a plan file",
        f"{tmp_path / 'folder.yaml'}:1:1: is a directory, not a plan file",
        "/dev/null:1:1: is a character device, not a plan file",
    ]


def test_an_include_path_the_system_cannot_open_is_a_plan_error(tmp_path: Path) -> None:
    """A name too long for the file system, or with a NUL in it: positioned, not an
    internal error."""
    path = _write(
        tmp_path,
        f"""\
          - plan: {"a" * 5000}.yaml
          - plan: "x\\0y.yaml"
        """,
    )
    errs = _errors(path)
    assert len(errs) == 2
    assert errs[0].startswith(f"{path}:7:9: cannot read plan file aaa")
    assert errs[0].endswith("a.yaml: File name too long")
    assert errs[1].startswith(f"{path}:8:9: cannot read plan file x")
    assert errs[1].endswith("y.yaml: embedded null byte")


def test_unknown_and_cyclic_depends_on(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
          - plan: shop.yaml
            depends_on: [platform, nobody]
          - plan: platform.yaml
            depends_on: [reports]
          - plan: reports.yaml
            depends_on: [shop, reports]
        """,
        shop="shop",
        platform="platform",
        reports="reports",
    )
    assert _errors(path) == [
        f"{path}:8:26: depends_on 'nobody': no included plan has that app "
        "(included: platform, reports, shop)",
        f"{path}:12:15: include cycle: shop -> platform -> reports -> shop",
        f"{path}:12:22: an include cannot depend on itself ('reports')",
    ]


def test_nested_includes_are_refused(tmp_path: Path) -> None:
    (tmp_path / "inner.yaml").write_text(
        ORG.replace("app: org", "app: inner") + "  - plan: x.yaml\n"
    )
    path = _write(tmp_path, "  - plan: inner.yaml\n")
    assert _errors(path) == [
        f"{path}:7:9: inner.yaml includes plans itself; include those here directly "
        "(one level of include)"
    ]


def test_a_plan_needs_resources_or_includes(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(ORG.replace("include:\n", ""))
    assert _errors(path) == [f"{path}:1:1: missing required key 'resources'"]


def test_an_included_plans_warnings_are_the_including_plans_too(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(APP.format(app="shop") + "# key AKIAABCDEFGHIJKLMNOP\n")
    path = _write(tmp_path, "  - plan: shop.yaml\n")
    warnings = [str(w) for w in load_plan(path).warnings]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{tmp_path / 'shop.yaml'}:7:7: warning: this looks like an AWS")
