"""A real ``streamlit run app.py`` for tests and benchmarks: start it, wait until healthy, stop it."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
STREAM_PATH = "/_stcore/stream"  # Streamlit's websocket
XSRF_COOKIE = "_streamlit_xsrf"


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(
    url: str, process: subprocess.Popen, *, timeout: float = 90.0, poll_seconds: float = 0.1
) -> Message:
    """Wait for a Streamlit server's ``/_stcore/health`` to answer "ok"; return that answer's headers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Streamlit server exited with code {process.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return response.headers
        except OSError:
            pass
        time.sleep(poll_seconds)
    raise RuntimeError(f"the Streamlit server at {url} did not become healthy within {timeout:.0f} s")


@dataclass
class App:
    """A running ``streamlit run app.py``."""

    url: str
    pid: int
    xsrf: str  # the XSRF cookie the server set; the browser sends it back as a subprotocol
    log: Path
    cache: Path  # the server's $SIAMESE_CACHE (its class database is classes.sqlite in it)

    @property
    def stream_url(self) -> str:
        return self.url.replace("http://", "ws://") + STREAM_PATH


@contextmanager
def running_app(
    cache: Path | str,
    *,
    max_trainings: int | None = None,
    log: Path | None = None,
    startup_timeout: float = 90.0,
    port: int | None = None,
    database_url: str | None = None,
):
    """``streamlit run app.py`` on a free loopback port with embedded MNIST and the model cache ``cache``.

    ``max_trainings`` sets ``SIAMESE_MAX_TRAININGS`` (default: the app's own). The server's
    output goes to ``log``, or to a temporary file deleted unless something failed. ``port``
    (default: a free one) lets a restarted server answer where the killed one did;
    ``database_url`` sets ``SIAMESE_DATABASE_URL`` (default: ``classes.sqlite`` in ``cache``).
    The server is stopped on exit.
    """
    keep_log = log is not None
    log = Path(log) if keep_log else Path(tempfile.mkstemp(prefix="siamese-server-", suffix=".log")[1])
    process, url = start_app(cache, log=log, port=port, max_trainings=max_trainings, database_url=database_url)
    try:
        xsrf = _xsrf_cookie(wait_until_healthy(url, process, timeout=startup_timeout))
        yield App(url, process.pid, xsrf, log, Path(cache))
    except BaseException:
        print(f"streamlit's output is in {log}", file=sys.stderr)
        raise
    else:
        if not keep_log:
            log.unlink(missing_ok=True)
    finally:
        stop_app(process)


def start_app(
    cache: Path | str,
    *,
    log: Path,
    port: int | None = None,
    max_trainings: int | None = None,
    database_url: str | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run app.py`` (see ``running_app``) and return its process and URL, without waiting."""
    port = port or free_port()
    environment = {**os.environ, "SIAMESE_MNIST": "embedded", "SIAMESE_CACHE": str(cache), "TF_CPP_MIN_LOG_LEVEL": "2"}
    # Its class database is classes.sqlite in ``cache``, whatever database the test process was given.
    for variable in ("SIAMESE_DATABASE_URL", "SIAMESE_DATABASE"):
        environment.pop(variable, None)
    if database_url is not None:
        environment["SIAMESE_DATABASE_URL"] = database_url
    if max_trainings is not None:
        environment["SIAMESE_MAX_TRAININGS"] = str(max_trainings)
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.headless", "true",
    ]  # fmt: skip
    with Path(log).open("ab") as output:
        process = subprocess.Popen(command, cwd=REPOSITORY, env=environment, stdout=output, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def stop_app(process: subprocess.Popen) -> None:
    """Stop a server politely, then by force."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def _xsrf_cookie(headers) -> str:
    """The XSRF token the health answer sets as a cookie, which a browser sends back (empty if none)."""
    for header in headers.get_all("Set-Cookie") or []:
        name, _, value = header.split(";", 1)[0].partition("=")
        if name.strip() == XSRF_COOKIE:
            return value.strip()
    return ""


def process_memory_megabytes(pid: int) -> dict[str, float]:
    """Peak (VmHWM) and current (VmRSS) resident memory of a process, from /proc."""
    memory = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            memory[name] = int(value.split()[0]) / 1024
    return memory


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
