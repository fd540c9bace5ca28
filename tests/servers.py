"""App processes for scale-out tests: gunicorn on a free 127.0.0.1 port, as production
runs it, with the settings passed in the environment."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppProcess:
    """``gunicorn TARGET`` in its own process; ``stop()`` returns what it logged. The
    benchmarks serve their own apps through it too (``target``, ``pythonpath``)."""

    def __init__(
        self,
        env: dict,
        log_path: Path,
        workers: int = 1,
        threads: int = 4,
        *,
        target: str = "app:app",
        pythonpath: Path | None = None,
        health: str = "/healthz",
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path, self.health = log_path, health
        command = [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers), "--threads", str(threads), "--graceful-timeout", "5",
            "--log-level", "warning",
            *(["--pythonpath", str(pythonpath)] if pythonpath else []),
            target,
        ]  # fmt: skip
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={"PATH": os.environ.get("PATH", "/usr/bin"), **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> "AppProcess":
        """Until ``health`` answers below 500 (``/healthz``: 200, or 503 without a
        database); raises if the process exits or the time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"app process exited: {self.log_path.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}{self.health}", timeout=2).status_code < 500:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or too busy starting to answer in 2 s (a loaded CI)
            time.sleep(0.1)  # polling a starting process, not waiting on a page
        raise TimeoutError(f"app process not ready in {timeout}s: {self.log_path.read_text()}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.log.close()
        return self.log_path.read_text()


def run_scheduler_ticks(env: dict, instance_path: Path, count: int = 2) -> list[tuple]:
    """``count`` scheduler processes each running one ``tick()`` at once; returns each
    one's (exit code, runs it executed, stderr)."""
    code = (
        "from wizard import create_app; from wizard.sync.jobs import tick; "
        f"app = create_app({{'INSTANCE_PATH': {str(instance_path)!r}}}); "
        "ctx = app.app_context(); ctx.push(); print(len(tick()))"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env={**env, "PATH": "/usr/bin"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    return [
        (process.returncode, out.strip(), err)
        for process, (out, err) in zip(processes, outputs, strict=True)
    ]
