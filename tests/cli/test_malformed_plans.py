"""Property: whatever is done to a good plan, `drctl plan validate` answers in the contract.

Hypothesis starts from the plans in examples/ and breaks them: in the YAML text
(lines dropped, duplicated or re-indented, garbage bytes spliced in, the file cut
short) and in the parsed structure (keys dropped or added, values of the wrong
type, bad durations, unknown kinds, duplicated names). Each result goes through
the real entry point, ``drctl.cli.main.main``, and must:

- exit 2 (or 0 when the mutation happened to leave a valid plan; never 0 after a mutation
  that certainly breaks a plan: an unknown kind, a required key dropped, a bad version),
- print only ``PLAN:LINE:COL: message`` lines (and, on 0, the one "valid" summary),
- never print "internal error" or a traceback.

A run tries 200 plans in about 1.5 s and prints its tally (``-s`` shows it). Recorded
on the development machine: 200 tried, 162 exit 2, 38 exit 0, 0 internal errors;
and five deeper runs (DRCTL_FUZZ_EXAMPLES=3000, seeds 1-5): 15 000 tried, 12 905
exit 2, 2 095 exit 0, 0 internal errors. (They found one bug before that: a key
or kind spelt with a line break inside split its diagnostic over two lines.) Since the
"certainly broken" check (2026-11-30): 200 tried, 161 exit 2, 39 exit 0, 0 internal errors,
17 certainly broken (all exit 2); with DRCTL_FUZZ_EXAMPLES=3000: 3000 tried, 2569 exit 2,
431 exit 0, 0 internal errors, 520 certainly broken (all exit 2).
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.conftest import invoke
from tests.conftest import EXAMPLES

# 200 keeps the suite quick; DRCTL_FUZZ_EXAMPLES=3000 for a deeper hunt.
EXAMPLES_TRIED = int(os.environ.get("DRCTL_FUZZ_EXAMPLES", "200"))
EXAMPLE_TEXTS = {p.name: p.read_bytes() for p in sorted(EXAMPLES.glob("*.yaml"))}
EXAMPLE_DATA = {name: yaml.safe_load(text) for name, text in EXAMPLE_TEXTS.items()}

GARBAGE = st.one_of(
    st.binary(min_size=1, max_size=12),
    st.sampled_from(
        [b"\xff", b"\x00", b"\t", b"\xc3(", b"[", b"{", b"}", b": ", b"- ", b"&a ", b"*a",
         b"*nope", b"!!binary ", b"!Ref ", b"<<: ", b"? ", b"'", b'"', b"\n  ", b"---\n",
         b"!!bool ", b"!!timestamp ", b"!!int ", b"!!float ", b"!!set ", b"!!omap ",
         b"%YAML 1.1\n", b"\xef\xbb\xbf", b"\r", b"\xe2\x80\xa8", b"#"]
    ),
)  # fmt: skip
WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        ["30", "15x", "-5m", "1.5h", "PT5M", "nope-kind", "US-EAST-1", "a\nb", "", " ", "é"]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into the parsed plan (mapping keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


REQUIRED = ("version", "app", "strategy", "regions")  # top-level keys every plan must have


@st.composite
def structural(draw: st.DrawFn, data: dict[str, Any]) -> tuple[bytes, bool]:
    """Mutate the parsed plan, then write it back as YAML; also say whether one of the
    mutations certainly broke it (an unknown kind, a required key dropped, a version that is
    not the integer 1), when exit 0 would be a missed error, not a harmless mutation."""
    data = copy.deepcopy(data)
    broken = False
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, last = _parent(data, path), path[-1]
        action = draw(
            st.sampled_from(["drop", "retype", "duration", "kind", "duplicate", "unknown-key"])
        )
        if action == "drop":
            del parent[last]
            broken |= len(path) == 1 and last in REQUIRED
        elif action == "retype":
            parent[last] = value = draw(WRONG_VALUES)
            broken |= path == ("version",) and not (type(value) is int and value == 1)
        elif action == "duration":
            parent[last] = draw(st.sampled_from(["0s", "10", "5 m", "1w", "-1h", "99999999999d"]))
        elif action == "kind":
            resources = data.get("resources")
            if isinstance(resources, list) and resources and isinstance(resources[0], dict):
                resources[0]["kind"] = draw(st.sampled_from(["ec2-instance", "", "S3-Bucket"]))
                broken = True
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))  # duplicate names, drills, actions
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(WRONG_VALUES)
    text = yaml.safe_dump(data, sort_keys=draw(st.booleans()), allow_unicode=True)
    return text.encode("utf-8"), broken


@st.composite
def textual(draw: st.DrawFn, raw: bytes) -> bytes:
    """Mutate the YAML bytes directly."""
    lines = raw.split(b"\n")
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        action = draw(st.sampled_from(["drop", "dup", "indent", "splice", "cut"]))
        i = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
        if action == "drop" and lines:
            del lines[i]
        elif action == "dup" and lines:
            lines.insert(i, lines[i])
        elif action == "indent" and lines:
            lines[i] = b" " * draw(st.integers(min_value=1, max_value=3)) + lines[i]
        elif action == "splice" and lines:
            at = draw(st.integers(min_value=0, max_value=len(lines[i])))
            lines[i] = lines[i][:at] + draw(GARBAGE) + lines[i][at:]
        elif action == "cut":
            lines = lines[: max(i, 1)]
    return b"\n".join(lines)


def malformed_plans() -> st.SearchStrategy[tuple[bytes, bool]]:
    return st.sampled_from(sorted(EXAMPLE_TEXTS)).flatmap(
        lambda name: st.one_of(
            textual(EXAMPLE_TEXTS[name]).map(lambda raw: (raw, False)),
            structural(EXAMPLE_DATA[name]),
        )
    )


def test_every_malformed_plan_gets_exit_2_and_positioned_lines_never_an_internal_error() -> None:
    counts: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.yaml"
        positioned = re.compile(rf"^{re.escape(str(path))}:\d+:\d+: \S")

        @settings(
            max_examples=EXAMPLES_TRIED,
            deadline=None,
            database=None,  # nothing written into the work tree
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(malformed_plans())
        def check(mutated: tuple[bytes, bool]) -> None:
            raw, broken = mutated
            path.write_bytes(raw)
            result = invoke("plan", "validate", str(path))
            counts["tried"] += 1
            counts[f"exit {result.exit_code}"] += 1
            counts["certainly broken"] += broken
            if broken:  # exit 0 here is an error drctl missed, not a harmless mutation
                assert result.exit_code == 2, (raw, result.output)
            if "internal error" in result.output or "Traceback" in result.output:
                counts["internal errors"] += 1
            assert "internal error" not in result.output, (raw, result.output)
            assert "Traceback" not in result.output, (raw, result.output)
            assert result.exit_code in (0, 2), (raw, result.output)
            lines = result.stdout.splitlines()
            if result.exit_code == 0:
                assert lines and lines[-1].startswith(f"{path}: valid -- "), result.output
                lines = lines[:-1]  # the rest are warnings
            else:
                assert lines, (raw, result.output)  # at least one error, said where
            for line in lines:
                assert positioned.match(line), (raw, line)
            assert all(positioned.match(line) for line in result.stderr.splitlines()), (
                raw,
                result.stderr,
            )

        check()
    print(
        f"\nmalformed plans: {counts['tried']} tried, {counts['exit 2']} exit 2, "
        f"{counts['exit 0']} exit 0, {counts['internal errors']} internal errors; "
        f"{counts['certainly broken']} certainly broken, all exit 2"
    )
    assert counts["internal errors"] == 0
    assert counts["tried"] >= 100
    assert counts["certainly broken"] > 0  # the must-break assertion did run
    assert counts["exit 2"] > counts["tried"] // 2  # the mutations do break plans
