"""Find text in a plan that looks like a credential, so the author hears about it.

A plan is meant to be committed, reviewed and shared: drctl never needs a key in
it (it uses the AWS profile, the environment or an assumed role), so a key found
there is a leak waiting to happen. The scan is of the raw text, comments
included, and only warns: a false positive must not stop a failover.

The patterns are deliberately few and specific (AWS's own key shapes and PEM
private keys), and every quantifier is bounded, so a hostile 10 MiB line costs
linear time. A warning never repeats the secret: only its first four characters.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator

# An access key id: AKIA (long-term) or ASIA (temporary, STS) and 16 more.
_ACCESS_KEY_ID = re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])")
# A secret access key is 40 characters of base64; alone that is too common a shape
# (hashes, ids), so only next to a key whose name says it holds a secret: as a mapping's
# value (``key: V``, ``KEY=V``), the next item of a list (``["--secret-key", "V"]``, a
# custom step's command) or a command-line flag's argument (``--aws-secret-access-key V``).
_SECRET_VALUE = re.compile(
    r"(?i)(?:secret|passw(?:or)?d|token|credential|private[_-]?key|api[_-]?key)"
    r"[\w.-]{0,40}+[\"']?[ \t]{0,8}+(?:[:=,][ \t]{0,8}+)?[\"']?"
    r"(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)
_PEM_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----")
_NEWLINE = re.compile("\n")

Finding = tuple[int, int, str]  # line, column (1-based), message


MAX_FINDINGS = 20
"""Past this many, one more line says how many were left out (a file of keys
should not bury the rest of the output)."""


def secret_findings(text: str) -> list[Finding]:
    """Places in ``text`` that look like a credential, in the order written."""
    found = sorted(_matches(text))
    if not found:
        return []
    line_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
    out = []
    for offset, message in found[:MAX_FINDINGS]:
        line = bisect_right(line_starts, offset)
        out.append((line, offset - line_starts[line - 1] + 1, message))
    if len(found) > MAX_FINDINGS:
        offset = found[MAX_FINDINGS][0]
        line = bisect_right(line_starts, offset)
        rest = len(found) - MAX_FINDINGS
        out.append(
            (
                line,
                offset - line_starts[line - 1] + 1,
                f"and {rest} more that look like credentials",
            )
        )
    return out


def _matches(text: str) -> Iterator[tuple[int, str]]:
    advice = "plans are shared and committed; keep credentials out (drctl uses profiles and roles)"
    for m in _ACCESS_KEY_ID.finditer(text):
        yield m.start(), f"this looks like an AWS access key id ({m.group()[:4]}...); {advice}"
    for m in _SECRET_VALUE.finditer(text):
        value = m.group("value")
        yield (
            m.start("value"),
            f"this looks like a secret access key ({value[:4]}...); {advice}",
        )
    for m in _PEM_PRIVATE_KEY.finditer(text):
        yield m.start(), f"this is a PEM private key block; {advice}"


def redact(text: str) -> str:
    """``text`` with whatever the patterns above find replaced by ``[REDACTED]``: the same
    shapes the plan scan warns about, removed from output that is kept (a custom step's
    output, journaled and mirrored, must not carry a key it happened to print)."""
    text = _ACCESS_KEY_ID.sub("[REDACTED]", text)
    text = _SECRET_VALUE.sub(
        lambda m: m.group(0)[: m.start("value") - m.start(0)] + "[REDACTED]", text
    )
    return _PEM_BLOCK.sub("[REDACTED PRIVATE KEY]", text)


# A whole PEM private key block (header to footer, bounded), or a header without its end.
_PEM_BLOCK = re.compile(
    r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----(?:[A-Za-z0-9+/=\s]{0,16384}?"
    r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----)?"
)
