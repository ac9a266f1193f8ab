"""Silencing the C++ log lines that mediapipe / TensorFlow Lite print straight to file descriptor 2.

mediapipe's graphs log through absl and TensorFlow Lite writes to ``stderr`` from C++: no Python
logging setting or environment variable reaches them. While :func:`quiet_native_logs` is active,
descriptor 2 goes to a temporary file, Python's ``sys.stderr`` (progress bars) keeps writing to the
terminal, and on exit everything captured is written back except the known noise lines.
"""
import contextlib
import io
import os
import re
import sys
import tempfile
import typing as tp

# Lines of mediapipe / TF Lite start-up chatter (absl "W0000 00:00:..." records, the XNNPACK notice).
NOISE = re.compile(r"^(INFO: Created TensorFlow Lite .*|WARNING: All log messages before absl::InitializeLog\(\).*"
                   r"|[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\] .*)$")


def without_noise(text: str) -> str:
    """``text`` without the lines that match :data:`NOISE`."""
    return "".join(line for line in text.splitlines(keepends=True) if not NOISE.match(line.rstrip("\r\n")))


@contextlib.contextmanager
def quiet_native_logs() -> tp.Iterator[None]:
    """Drop mediapipe / TF Lite start-up lines written to descriptor 2 inside the block; keep all else."""
    sys.stderr.flush()
    terminal = os.dup(2)
    python_stderr = sys.stderr
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        sys.stderr = io.TextIOWrapper(os.fdopen(os.dup(terminal), "wb", buffering=0), write_through=True)
        try:
            yield
        finally:
            sys.stderr.close()
            sys.stderr = python_stderr
            with contextlib.suppress(ValueError):
                python_stderr.flush()
            os.dup2(terminal, 2)
            os.close(terminal)
            capture.seek(0)
            kept = without_noise(capture.read().decode("utf-8", "replace"))
            if kept:
                python_stderr.write(kept)
                python_stderr.flush()
