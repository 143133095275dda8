"""Start a bot as a subprocess with its output in a log file; stop it reliably."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


class BotProcess:
    def __init__(self, args: Sequence[str], env: dict[str, str], log_path: Path) -> None:
        self.args = list(args)
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, *self.args],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill9(self) -> None:
        """Kill without any chance to clean up (SIGKILL)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; the exit status (None if killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return None

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


@contextmanager
def bot_process(args: Sequence[str], env: dict[str, str], log_path: Path) -> Iterator[BotProcess]:
    """Run `python ARGS` for the block; print its log when the block fails."""
    bp = BotProcess(args, {**os.environ, **env}, log_path)
    bp.start()
    try:
        yield bp
    except BaseException:
        sys.stderr.write(f"--- log of {' '.join(args)} ---\n{bp.log()[-8000:]}\n")
        raise
    finally:
        bp.stop()
