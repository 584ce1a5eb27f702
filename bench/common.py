"""What every benchmark needs: free ports, servers under gunicorn, wrk, the machine's shape."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    """Block until ``url`` answers, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def gunicorn(app: str, env: dict[str, str], *, workers: int = 2, ready_path: str = "/"):
    """Serve ``app`` (``module:variable``) under gunicorn; yield its base URL."""
    port = free_port()
    command = [
        str(VENV_BIN / "gunicorn"),
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
        app,
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - fixed command
        command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(base_url + ready_path)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


def wrk(
    url: str,
    *,
    connections: int = 32,
    seconds: int = 10,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    form: str | None = None,
) -> dict:
    """Run wrk against ``url`` and return its summary (latencies in microseconds).

    With ``form`` (an urlencoded body), every request is a POST of that form.
    """
    headers = dict(headers or {})
    script = (BENCH / "wrk_report.lua").read_text()
    if form is not None:
        # An urlencoded body holds no quote or backslash, so it is a plain Lua string.
        script = f'wrk.method = "POST"\nwrk.body = "{form}"\n' + script
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script_file:
        script_file.write(script)
        script_file.flush()
        command = [
            "wrk",
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--script", script_file.name,
        ]  # fmt: skip
        for name, value in headers.items():
            command += ["--header", f"{name}: {value}"]
        command.append(url)
        output = subprocess.run(  # noqa: S603 - fixed command
            command, capture_output=True, text=True, check=True
        ).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    return summary


def machine() -> dict:
    """What the figures were measured on."""
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }
