"""`make local`: moto as the AWS endpoint, the stack's resources on it, and the consumer.

    uv run python -m local.server          # start everything; Ctrl-C stops everything
    uv run python -m local.server --stop   # stop a stack left running (make local-stop)

moto runs as a child process on a loopback port (LOCAL_PORT, else the first free
port from 4566) and logs to .local/moto.log. Its state lives in memory: stopping
it discards every queue, table and message. The queues' URLs and the endpoint go
to .local/env, which `make send`, `dlq`, `redrive` and `purge-dlq` read.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing, suppress
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

import boto3

from . import config
from .emulator import EventSourceEmulator, Handler, Invocation
from .resources import create_all, local_session
from .state import (
    SERVER_LOG,
    STATE_DIR,
    STATE_FILE,
    function_environment,
    read_state,
    remove_state,
    write_state,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

DEFAULT_PORT = 4566
PORTS_TO_TRY = 50
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
STATUS_REFRESH_SECONDS = 1.0
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)

logger = logging.getLogger("local")


def port_is_free(port: int, host: str = HOST) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def choose_port(environ: dict[str, str] | None = None) -> int:
    """LOCAL_PORT when set (and free), else the first free port from 4566."""
    environ = dict(os.environ) if environ is None else environ
    explicit = environ.get("LOCAL_PORT", "").strip()
    if explicit:
        port = int(explicit)
        if not port_is_free(port):
            raise SystemExit(f"Port {port} (LOCAL_PORT) is in use; choose another LOCAL_PORT.")
        return port
    for port in range(DEFAULT_PORT, DEFAULT_PORT + PORTS_TO_TRY):
        if port_is_free(port):
            return port
    raise SystemExit(f"No free port in {DEFAULT_PORT}-{DEFAULT_PORT + PORTS_TO_TRY - 1}.")


def start_moto(port: int, log_path: Path = SERVER_LOG) -> subprocess.Popen[bytes]:
    """Start ``moto_server`` in its own session, so that Ctrl-C reaches us, not it."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            [sys.executable, "-m", "moto.server", "--host", HOST, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_listening(process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise SystemExit(f"moto_server exited with {process.returncode}:\n{tail}")
        with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(
        f"moto_server did not listen on {HOST}:{port} within {START_TIMEOUT_SECONDS} s"
    )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class StatusLine:
    """One line that says how the consumer is doing: redrawn in place on a terminal."""

    def __init__(self, sqs: SQSClient, queue_url: str, dlq_url: str, stream: TextIO) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.dlq_url = dlq_url
        self.stream = stream
        self.interactive = stream.isatty()
        self._shown = ""
        self._drawn = False
        self._queried = 0.0
        self._in_flight = "?"
        self._dlq = "?"

    def _depths(self) -> None:
        now = time.monotonic()
        if now - self._queried < STATUS_REFRESH_SECONDS:
            return
        self._queried = now
        names: list[Any] = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        queue = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=names)
        dlq = self.sqs.get_queue_attributes(QueueUrl=self.dlq_url, AttributeNames=names)
        self._in_flight = queue["Attributes"]["ApproximateNumberOfMessagesNotVisible"]
        self._dlq = str(sum(int(value) for value in dlq["Attributes"].values()))

    def text(self, emulator: EventSourceEmulator) -> str:
        stats = emulator.stats
        return (
            f"received {stats.received} | succeeded {stats.succeeded} | failed {stats.failed} | "
            f"forwarded to DLQ {stats.forwarded_to_dlq} | in flight {self._in_flight} | "
            f"in DLQ {self._dlq}"
        )

    def show(self, emulator: EventSourceEmulator) -> None:
        self._depths()
        text = self.text(emulator)
        if self.interactive:
            self.stream.write(f"\r\033[K{text}")
            self._drawn = True
        elif text != self._shown:
            self.stream.write(f"[local] status: {text}\n")
        self._shown = text
        self.stream.flush()

    def clear(self) -> None:
        """Make room for other output (the handler's logs) below a drawn status."""
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[local] %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def load_handler() -> Handler:
    """The deployed entry point, imported after the environment points at the local stack."""
    module = importlib.import_module(f"{config.PACKAGE}.handler")
    handler: Handler = module.handler
    return handler


def serve() -> int:
    existing = read_state()
    if existing is not None:
        pid = int(existing.get("LOCAL_PID", "0") or 0)
        if pid and _is_alive(pid):
            raise SystemExit(
                f"A local stack is already running (pid {pid}, "
                f"{existing.get('AWS_ENDPOINT_URL')}). Stop it with `make local-stop`."
            )
        remove_state()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    _log_to_stderr()
    # Started in the background, a process may inherit an ignored SIGINT: take it back.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # make local-stop sends SIGTERM; closing the terminal sends SIGHUP: both clean up too.
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _raise_interrupt)
    port = choose_port()
    endpoint = f"http://{HOST}:{port}"
    server = start_moto(port)
    emulator: EventSourceEmulator | None = None
    try:
        wait_until_listening(server, port, SERVER_LOG)
        session = local_session()
        resources = create_all(endpoint, session)
        environment = {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": config.REGION,
            "AWS_REGION": config.REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "POWERTOOLS_SERVICE_NAME": config.SERVICE_NAME,
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"),
            "RETRY_BACKOFF_BASE_SECONDS": os.environ.get(
                "RETRY_BACKOFF_BASE_SECONDS", str(config.RETRY_BACKOFF_BASE_SECONDS)
            ),
            "RETRY_BACKOFF_MAX_SECONDS": os.environ.get(
                "RETRY_BACKOFF_MAX_SECONDS", str(config.RETRY_BACKOFF_MAX_SECONDS)
            ),
            **resources,
        }
        write_state(
            {
                **environment,
                "LOCAL_PORT": str(port),
                "LOCAL_PID": str(os.getpid()),
                "LOCAL_SERVER_PID": str(server.pid),
            }
        )
        os.environ.pop("AWS_PROFILE", None)
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.update(function_environment(environment))

        sqs = session.client("sqs", endpoint_url=endpoint)
        status = StatusLine(sqs, environment["QUEUE_URL"], environment["DLQ_URL"], sys.stdout)
        # The consumer makes its clients from boto3's default session: count its DLQ forwards.
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        default_session = boto3.DEFAULT_SESSION
        handler = load_handler()

        def invoke(event: dict[str, Any], context: Any) -> Any:
            status.clear()
            return handler(event, context)

        emulator = EventSourceEmulator(invoke, sqs, environment["QUEUE_URL"])
        emulator.watch_dead_letter_forwards(default_session.events, environment["DLQ_URL"])
        _announce(endpoint, environment, emulator)

        def cycle(invocation: Invocation | None) -> None:
            if invocation is not None and invocation.error is not None:
                status.clear()
                logger.warning(
                    "batch of %d failed: %s", len(invocation.message_ids), invocation.error
                )
            status.show(emulator)

        status.show(emulator)
        emulator.run(lambda: False, on_cycle=cycle)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C (or make passing the first one on) must not cut the cleanup short.
        for stop_signal in (signal.SIGINT, *STOP_SIGNALS):
            signal.signal(stop_signal, signal.SIG_IGN)
        stop_process(server)
        remove_state()
        with suppress(OSError):  # the terminal may be gone
            _report_stop(emulator)
    return 0


def _report_stop(emulator: EventSourceEmulator | None) -> None:
    sys.stdout.write("\n")
    sys.stdout.flush()
    if emulator is None:
        logger.info("stopped moto")
        return
    stats = emulator.stats
    logger.info(
        "stopped moto and the consumer: %d received, %d succeeded, %d failed, "
        "%d forwarded to the DLQ",
        stats.received,
        stats.succeeded,
        stats.failed,
        stats.forwarded_to_dlq,
    )


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _announce(endpoint: str, environment: dict[str, str], emulator: EventSourceEmulator) -> None:
    window = f", batching window {emulator.batching_window_seconds:g} s" if not config.FIFO else ""
    lines = [
        f"moto on {endpoint} (log: {_shown(SERVER_LOG)})",
        f"queue {environment['QUEUE_URL']}",
        f"DLQ   {environment['DLQ_URL']}",
        f"settings for make send/dlq/redrive/purge-dlq: {_shown(STATE_FILE)}",
        f"consumer {config.PACKAGE}.handler.handler: batch size {emulator.batch_size}{window}, "
        f"timeout {config.LAMBDA_TIMEOUT_SECONDS} s, "
        f"{config.MAX_RECEIVE_COUNT} attempts before SQS moves a message to the DLQ",
        "Ctrl-C stops everything (moto's queues and data go with it).",
    ]
    for line in lines:
        logger.info("%s", line)


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _runs(pid: int, marker: str) -> bool:
    """Whether ``pid`` still runs our program (not a process that reused its number)."""
    if not _is_alive(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        return marker in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        ["ps", "-p", str(pid), "-o", "command="],  # noqa: S607 - ps from PATH, as a user would
        capture_output=True,
        text=True,
        check=False,
    )
    return marker in result.stdout


def _wait_for_exit(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_alive(pid):
            return True
        time.sleep(0.1)
    return not _is_alive(pid)


def stop() -> int:
    """Stop a local stack started by `make local` (it cleans up after itself when asked)."""
    state = read_state()
    if state is None:
        print("No local stack is running (no .local/env).")
        return 0
    pid = int(state.get("LOCAL_PID", "0") or 0)
    server_pid = int(state.get("LOCAL_SERVER_PID", "0") or 0)
    if pid and _runs(pid, "local.server"):
        os.kill(pid, signal.SIGTERM)
        if not _wait_for_exit(pid, STOP_TIMEOUT_SECONDS + 5):
            os.kill(pid, signal.SIGKILL)
    if server_pid and _runs(server_pid, "moto.server"):
        os.kill(server_pid, signal.SIGTERM)
        if not _wait_for_exit(server_pid, STOP_TIMEOUT_SECONDS):
            os.kill(server_pid, signal.SIGKILL)
    remove_state()
    print(f"Stopped the local stack on {state.get('AWS_ENDPOINT_URL', '?')}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.server",
        description="Run moto, the stack's resources and the consumer on this machine.",
    )
    parser.add_argument("--stop", action="store_true", help="stop a local stack left running")
    args = parser.parse_args(argv)
    return stop() if args.stop else serve()


if __name__ == "__main__":
    sys.exit(main())
