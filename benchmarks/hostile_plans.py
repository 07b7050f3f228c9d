"""Hostile and broken plan inputs: how fast, and in how much memory, each is refused.

Each input is handed to `drctl plan validate` in a fresh process (through
``drctl.cli.main.main``, the console script's entry), which reports its exit code,
the time ``main()`` took (imports of the plan layer included, interpreter start
not), the process wall time, and its peak resident memory: the whole process,
interpreter and imports included, read from ``VmHWM`` in /proc/self/status (on
Linux, ``getrusage``'s ``ru_maxrss`` of a child keeps the high-water mark of the
process it was forked from, which would charge a large test runner's memory to
the plan; elsewhere ``ru_maxrss`` is all there is). The budget
(docs/plan-format.md, "Limits and hostile input"): exit 2 with a positioned
``PLAN:LINE:COL: message``, under 1 s and under 100 MiB. Exits 1 if any input
misses it.

    python benchmarks/hostile_plans.py [--json] [--quick]

``tests/plan/test_hostile_input.py`` imports :func:`attack_inputs` and
:func:`measure` from here and asserts the same budget for every input.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import report

BUDGET_SECONDS = 1.0
BUDGET_MIB = 100.0

VALID_HEAD = """\
version: 1
app: hostile
tier: gold
strategy: warm-standby
regions: {primary: us-east-1, dr: us-west-2}
resources:
  - {kind: manual, name: a, instructions: call someone}
experiments:
  - name: lol
    role_arn: arn:aws:iam::123456789012:role/fis
    actions: {stop: {action_id: "aws:ec2:stop-instances", targets: {Instances: t}}}
    targets:
      t:
        resource_type: aws:ec2:instance
        selection_mode: ALL
        filters:
"""
# Filters are free-form (list of mappings), the one place a plan may hold any shape;
# every attack below sits there so that nothing but the limit itself refuses it.


def billion_laughs() -> str:
    """The classic: ten levels of ten aliases, ~1.3 KB that stands for 10**10 strings."""
    lines = [VALID_HEAD, "          - l0: &l0 [" + ", ".join(["lol"] * 10) + "]\n"]
    for level in range(1, 10):
        refs = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"            l{level}: &l{level} [{refs}]\n")
    return "".join(lines)


def attack_inputs(directory: Path) -> dict[str, tuple[Path, str]]:
    """Every hostile input, built under ``directory``: name -> (path, expected message).

    The expected message is a regular expression the one diagnostic line must
    match after ``PATH:``; it pins the line and column where they are meaningful.
    """
    inputs: dict[str, tuple[Path, str]] = {}

    def write(name: str, content: str | bytes, expected: str) -> None:
        path = directory / f"{name}.yaml"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        inputs[name] = (path, expected)

    laughs = billion_laughs()
    # Refused where the limit is crossed: at the anchor l2, whose aliases in l3 reach 10 000.
    write("billion-laughs", laughs, r"19:17: aliases expand to more than 10,000 values")
    write(
        "self-reference",
        VALID_HEAD + "          - &a {x: *a}\n",
        r"17:17: recursive alias: this value contains an alias of itself",
    )
    write(
        "nested-600-flow",
        VALID_HEAD + "          - x: " + "[" * 600 + "]" * 600 + "\n",
        r"17:\d+: nested more than 64 levels deep",
    )
    write(
        "nested-100k-flow",
        VALID_HEAD + "          - x: " + "[" * 100_000 + "]" * 100_000 + "\n",
        r"17:\d+: YAML syntax error: while increasing flow level exceeded maximum nesting",
    )
    write(
        "nested-3000-block",
        "".join(" " * i + "a:\n" for i in range(3000)),
        r"1000:1001: YAML syntax error: while increasing block level exceeded maximum",
    )
    write(
        "dense-10MiB",  # five million values: under the size cap, over the value cap
        "version: 1\nx: [" + "0," * (5 * 2**20 - 16) + "0]\n",
        r"2:499991: more than 250,000 YAML values; a plan this large is refused",
    )
    head, tail = VALID_HEAD.split("app: hostile\n")
    emoji_lines = (10 * 2**20 - 4096) // 83  # 20 four-byte characters and indent a line
    write(
        "value-10MiB",  # one value of ten MiB, quoted back by its error: kept one short line
        head + "app: |\n" + ("  " + "\U0001f600" * 20 + "\n") * emoji_lines + tail,
        r"2:6: app: '(\\U0001f600|\U0001f600|\\n)+'\.\.\.: use lowercase letters, digits and '-'",
    )
    write("not-utf8", b"version: 1\napp: sh\xffop\n", r"2:8: not UTF-8: byte 0xff")
    write(
        "nul-character",
        'version: 1\napp: "sh\x00op"\n',
        r"2:9: YAML error: unacceptable character #x0000",
    )
    huge = directory / "huge.yaml"
    with huge.open("wb") as fh:  # sparse: 1 GiB of apparent size, no disk used
        fh.truncate(1 << 30)
    inputs["huge-file-1GiB"] = (huge, r"1:1: plan is 1024\.0 MiB; plans larger than 10 MiB")
    fifo = directory / "fifo.yaml"
    os.mkfifo(fifo)
    inputs["fifo-no-writer"] = (fifo, r"1:1: is a FIFO \(named pipe\), not a plan file")
    inputs["dev-zero"] = (Path("/dev/zero"), r"1:1: is a character device, not a plan file")
    subdir = directory / "plans.yaml"
    subdir.mkdir()
    inputs["directory"] = (subdir, r"1:1: is a directory, not a plan file")
    return inputs


_PROBE = r"""
import json, resource, sys, time
start, cpu_start = time.perf_counter(), time.process_time()
code = 0
try:
    from drctl.cli.main import main
    main(["plan", "validate", sys.argv[1]])
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
try:  # this process's own high-water mark; ru_maxrss also counts the parent's (see below)
    with open("/proc/self/status") as fh:
        peak_kib = next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:"))
except OSError:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sys.stdout.flush()
measured = {"exit": code, "main_s": elapsed, "cpu_s": cpu, "peak_kib": peak_kib}
print("\n@@measure " + json.dumps(measured), file=sys.stderr)
"""


def measure(path: Path, timeout: float = 30.0) -> dict[str, Any]:
    """Run ``drctl plan validate PATH`` in a fresh process; its exit code, output and costs."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - start
    stderr, _, tail = proc.stderr.rpartition("@@measure ")
    if not tail:
        raise RuntimeError(f"probe died (exit {proc.returncode}): {proc.stderr[-2000:]}")
    data = json.loads(tail)
    return {
        "exit": data["exit"],
        "main_s": data["main_s"],
        "cpu_s": data["cpu_s"],
        "wall_s": wall,
        "peak_mib": data["peak_kib"] / 1024,
        "stdout": proc.stdout,
        "stderr": stderr.rstrip("\n"),
    }


def verdict(path: Path, expected: str, result: dict[str, Any], *, timed: bool = True) -> list[str]:
    """What, if anything, this result misses of the budget and the output contract.

    ``timed=False`` (``--quick``, the suite's smoke run on a loaded CI machine) checks the
    contract and memory but only reports the time: timings are measured, not asserted."""
    problems = []
    if result["exit"] != 2:
        problems.append(f"exit {result['exit']}, expected 2")
    lines = result["stdout"].splitlines()
    if len(lines) != 1 or not re.match(re.escape(f"{path}:") + expected, lines[0]):
        problems.append(f"output {result['stdout']!r} does not match {expected!r}")
    if result["stderr"].strip():
        problems.append(f"unexpected stderr {result['stderr']!r}")
    if timed and result["main_s"] >= BUDGET_SECONDS:
        problems.append(f"took {result['main_s']:.2f} s (budget {BUDGET_SECONDS} s)")
    if result["peak_mib"] >= BUDGET_MIB:
        problems.append(f"peaked at {result['peak_mib']:.0f} MiB (budget {BUDGET_MIB} MiB)")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quick", action="store_true", help="the same inputs (they are small)")
    args = parser.parse_args()
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (path, expected) in attack_inputs(Path(tmp)).items():
            result = measure(path)
            size = path.stat().st_size if path.is_file() else "-"
            rows.append(
                {
                    "input": name,
                    "bytes": size,
                    "exit": result["exit"],
                    "main_s": result["main_s"],
                    "wall_s": result["wall_s"],
                    "peak_mib": round(result["peak_mib"], 1),
                }
            )
            problems = verdict(path, expected, result, timed=not args.quick)
            failures += [f"{name}: {p}" for p in problems]
    report("hostile plan inputs refused (drctl plan validate, fresh process each)", rows, args.json)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
