"""Spanish questions also read in English: machine translation by Apertium, when it is installed.

The corpus is English and the bundled model reads Spanish poorly. A Spanish question is searched
as itself *and* its English translation ("¿Quién escribió el artículo?" + "Who wrote the article?"):
on the dev sets' Spanish questions this lifted R@1 from .667 to .795 and R@3 from .795 to .949
(eval/README.md). The quoted passages are never translated: only the question, for searching.

Apertium (GPL, Debian's `apertium-en-es`) is a rule-based translator: no model weights, no
network. Its pipeline is started once and kept running in null-flush mode, so a question costs a
few milliseconds. It is optional: without it (or if it fails or stalls) Spanish questions are
searched as before, with cognates, and the log says so once.
"""

from __future__ import annotations

import logging
import os
import re
import select
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

MODES_DIR = Path("/usr/share/apertium/modes")
PAIR = "spa-eng"  # questions, for searching
TO_SPANISH = "eng-spa"  # quoted passages, for a Spanish reader's gist (the "Ver traducción" button)
TIMEOUT = 2.0  # seconds a translation may take before the translator is given up
START_TIMEOUT = 15.0  # the first one also loads the pipeline's dictionaries (~0.4 s on an idle machine)
RETRY_AFTER = 60.0  # seconds without translation after a failure or stall, then a fresh pipeline is tried
_ESCAPE_RE = re.compile(r"([\^$\[\]/\\@<>{}*#+~])")
_UNKNOWN_MARK_RE = re.compile(r"[*#@](?=\w)")


def apertium_pipeline(pair: str = PAIR, modes_dir: Path = MODES_DIR) -> list[str] | None:
    """The shell command running the `pair` mode with every stage in null-flush mode, or None if not installed."""
    mode = modes_dir / f"{pair}.mode"
    if not mode.is_file():
        return None
    stages = []
    for stage in mode.read_text(encoding="utf-8").strip().split("|"):
        program, _, rest = stage.strip().partition(" ")
        if shutil.which(program) is None:
            return None
        # $1 is the generation mode (-n: no marks on unknown words), $2 the tagger's extra option.
        stages.append(f"{program} -z {rest.replace('$1', '-n').replace('$2', '')}")
    return ["bash", "-c", " | ".join(stages)]


class MachineTranslator:
    """A running translation pipeline; thread-safe.

    A failure or stall (a busy machine can make one) stops the pipeline and rests translation for
    `retry_after` seconds, Spanish questions meanwhile using cognates only; the next question after
    that starts a fresh pipeline. One bad moment never turns translation off for the process's life.
    """

    def __init__(self, command: Sequence[str] | None, *, timeout: float = TIMEOUT,
                 start_timeout: float = START_TIMEOUT, retry_after: float = RETRY_AFTER,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._command = list(command) if command else None
        self._timeout = timeout
        self._start_timeout = start_timeout
        self._retry_after = retry_after
        self._clock = clock
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._resting_until: float | None = None
        self.failures = 0

    @classmethod
    def apertium(cls, pair: str = PAIR) -> MachineTranslator:
        return cls(apertium_pipeline(pair))

    @property
    def available(self) -> bool:
        """Installed (a pipeline to run), whether or not it is resting after a failure."""
        return self._command is not None

    @property
    def resting(self) -> bool:
        return self._resting_until is not None and self._clock() < self._resting_until

    def translate(self, text: str) -> str | None:
        """`text` translated (into English for the default pair), or None when no translation can be had now."""
        with self._lock:
            if self._command is None or self.resting:
                return None
            try:
                return self._translate(" ".join(text.split()))
            except (OSError, ValueError, TimeoutError) as exc:
                self.failures += 1
                log.warning("machine translation failed (%s): resting it %.0f s (Spanish questions use cognates "
                            "only meanwhile)", exc, self._retry_after)
                self._resting_until = self._clock() + self._retry_after
                self.close()
                return None

    def _translate(self, text: str) -> str:
        timeout = self._timeout
        if self._process is None or self._process.poll() is not None:
            assert self._command is not None
            timeout = max(timeout, self._start_timeout)
            self._process = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=subprocess.DEVNULL)
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(_ESCAPE_RE.sub(r"\\\1", text).encode("utf-8") + b"\n\0")
        process.stdin.flush()
        out = b""
        while not out.endswith(b"\0"):
            ready, _, _ = select.select([process.stdout], [], [], timeout)
            if not ready:
                raise TimeoutError(f"no translation within {timeout:.0f} s")
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                raise OSError("the translator stopped")
            out += chunk
        translated = out[:-1].decode("utf-8", errors="replace")
        return _UNKNOWN_MARK_RE.sub("", re.sub(r"\\(.)", r"\1", translated)).strip()

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def __repr__(self) -> str:
        return f"MachineTranslator({shlex.join(self._command) if self._command else None})"
