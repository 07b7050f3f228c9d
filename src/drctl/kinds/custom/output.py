"""What a custom action printed or returned, as the journal keeps it: secrets redacted, then
cut to the last few KiB.

The journal is kept, mirrored to a bucket, shown by ``runs show``: a team script that echoes a
token would put it there. Redaction uses the patterns the plan loader warns with
(:func:`drctl.plan.secretscan.redact`), on the whole text before it is cut, so a key is never
half-kept at the cut. The end of the output is kept because that is where a failure says why.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import IO

from drctl.plan.secretscan import redact

KEEP_BYTES = 4096  # what the journal keeps of one action's output
READ_LIMIT = 64 * 1024  # what is held in memory of a command's output while it runs


def captured(text: str, limit: int = KEEP_BYTES) -> str:
    """``text`` redacted, then its last ``limit`` bytes (marked when cut)."""
    clean = redact(text)
    data = clean.encode("utf-8")
    if len(data) <= limit:
        return clean
    kept = data[-limit:].decode("utf-8", errors="ignore")
    return f"[... {len(data) - len(kept.encode())} bytes cut]\n{kept}"


class TailReader:
    """Reads a stream to its end in a thread, holding only its last ``READ_LIMIT`` bytes, so
    a command that prints gigabytes costs drctl no more than that; closes it at the end."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._dropped = 0
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        try:
            for chunk in iter(lambda: stream.read1(8192), b""):  # type: ignore[attr-defined]
                self._chunks.append(chunk)
                self._size += len(chunk)
                while self._size - len(self._chunks[0]) >= READ_LIMIT:
                    dropped = self._chunks.popleft()
                    self._size -= len(dropped)
                    self._dropped += len(dropped)
        except (OSError, ValueError):
            return  # the pipe broke: what was read is what there is
        finally:
            # Closed here, by the reader, once the pipe ends: a child the command left behind
            # may hold it open long after drctl stopped waiting (closing it from another
            # thread would wait for this read to return).
            stream.close()

    def text(self, wait: float = 5.0) -> str:
        """What was read (call once the process has ended)."""
        self._thread.join(wait)
        body = b"".join(self._chunks).decode("utf-8", errors="replace")
        return f"[... {self._dropped} bytes cut]\n{body}" if self._dropped else body
