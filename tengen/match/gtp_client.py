"""Client side of GTP: run any engine as a subprocess and talk to it.

Per-command timeouts, crash detection and the engine's stderr in a log file of its own.
Failures are typed, with ``kind`` in ``timeout``, ``crash``, ``protocol``, ``error`` so a
match runner can count them.
"""
from __future__ import annotations

import os
import queue
import shlex
import subprocess
import threading
import time


class GtpClientError(RuntimeError):
    kind = "protocol"

    def __init__(self, message: str, kind: str | None = None):
        super().__init__(message)
        if kind:
            self.kind = kind


class GtpCommandError(GtpClientError):
    """The engine answered ``? message``."""
    kind = "error"


_EOF = object()


class GtpClient:
    def __init__(self, command: str | list[str], *, stderr_path: str | None = None,
                 cwd: str | None = None, env: dict | None = None,
                 default_timeout: float | None = 60.0):
        self.argv = shlex.split(command) if isinstance(command, str) else list(command)
        self.default_timeout = default_timeout
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "ab") if stderr_path else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self._stderr,
                                         cwd=cwd, env=env,
                                         # Ctrl-C in the terminal stops the match, which
                                         # then closes its engines: they must not die first
                                         # (a killed engine would read as a forfeit)
                                         start_new_session=True)
        except OSError as e:
            self._close_log()
            raise GtpClientError(f"cannot start {self.argv[0]}: {e.strerror}", "crash") from None
        self._lines: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._next_id = 1

    def _read(self) -> None:
        for raw in self.proc.stdout:
            self._lines.put(raw.decode("utf-8", "replace"))
        self._lines.put(_EOF)

    def _close_log(self) -> None:
        if self._stderr not in (None, subprocess.DEVNULL):
            self._stderr.close()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, command: str, timeout: float | None = -1.0) -> str:
        """Send one command; return the response text (without ``=``/id), or raise."""
        timeout = self.default_timeout if timeout == -1.0 else timeout
        if not self.alive:
            raise GtpClientError(f"engine exited with code {self.proc.returncode}", "crash")
        ident = self._next_id
        self._next_id += 1
        try:
            self.proc.stdin.write(f"{ident} {command}\n".encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise GtpClientError("engine closed its input", "crash") from None
        deadline = None if timeout is None else time.monotonic() + timeout
        lines: list[str] = []
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = self._lines.get(timeout=wait)
            except queue.Empty:
                raise GtpClientError(f"no answer to {command.split()[0]!r} within "
                                     f"{timeout:g} s", "timeout") from None
            if item is _EOF:
                self.proc.wait(timeout=5)
                raise GtpClientError(f"engine died during {command.split()[0]!r} "
                                     f"(exit code {self.proc.returncode})", "crash")
            line = item.rstrip("\r\n")
            if not lines and not line.strip():
                continue  # stray blank lines between responses
            if line.strip() == "" and lines:
                break
            lines.append(line)
        head = lines[0]
        if head[:1] not in "=?":
            raise GtpClientError(f"unparsable answer {head[:80]!r}", "protocol")
        status, rest = head[0], head[1:]
        got = rest.split(" ", 1)[0] if rest[:1].isdigit() else ""
        if got and got != str(ident):
            raise GtpClientError(f"answer id {got} for command id {ident}", "protocol")
        first = rest[len(got):].lstrip(" ")
        text = "\n".join([first] + lines[1:]).strip()
        if status == "?":
            raise GtpCommandError(text or "error")
        return text

    def close(self, timeout: float = 5.0) -> int | None:
        """Ask the engine to quit; kill it if it does not."""
        if self.alive:
            try:
                self.send("quit", timeout=timeout)
            except GtpClientError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self._close_log()
        return self.proc.returncode

    def __enter__(self) -> "GtpClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


GNUGO = "/usr/games/gnugo"


def gnugo_command(level: int = 10, extra: str = "") -> str:
    binary = GNUGO if os.path.exists(GNUGO) else "gnugo"
    return f"{binary} --mode gtp --level {level} --chinese-rules {extra}".strip()
