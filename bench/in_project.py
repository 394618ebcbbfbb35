"""Benchmarks that run inside a rendered service's own environment (its .venv).

    .venv/bin/python in_project.py producer|batch|batch-fifo-10-groups|per-record|...

Each prints one JSON object with its figures; bench/run.py collects them. The
rendered package, its local/ tooling and bench/seed_handler.py must be importable
(run.py sets PYTHONPATH).
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

PACKAGE = os.environ["BENCH_PACKAGE"]
REGION = "eu-west-1"


@contextmanager
def http_server(answer: Callable[[bytes, dict[str, str]], bytes], delay: float) -> Iterator[str]:
    """A loopback HTTP server that answers every POST with ``answer`` after ``delay`` seconds."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(delay)
            reply = answer(body, dict(self.headers))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def producer(messages: int = 10_000, latency: float = 0.020) -> dict[str, Any]:
    """The rendered producer against the seed's sequential loop, same stand-in for SQS."""
    import boto3  # here, not at the top: first-call times its import
    from botocore.config import Config

    seed_handler = importlib.import_module("seed_handler")
    producer_module = importlib.import_module(f"{PACKAGE}.producer")
    received: list[str] = []
    lock = threading.Lock()

    def send_message_batch(body: bytes, headers: dict[str, str]) -> bytes:
        entries = json.loads(body)["Entries"]
        with lock:
            received.extend(entry["MessageBody"] for entry in entries)
        successful = [
            {
                "Id": entry["Id"],
                "MessageId": str(uuid.uuid4()),
                "MD5OfMessageBody": hashlib.md5(entry["MessageBody"].encode()).hexdigest(),
            }
            for entry in entries
        ]
        return json.dumps({"Successful": successful, "Failed": []}).encode()

    results: dict[str, Any] = {"messages": messages, "latency_ms": latency * 1000}
    with http_server(send_message_batch, latency) as endpoint:
        client = boto3.client(
            "sqs",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=Config(max_pool_connections=50),
        )
        queue_url = f"{endpoint}/123456789012/bench"
        bodies = [json.dumps({"type": "noop", "payload": {"n": n}}) for n in range(messages)]
        started = time.perf_counter()
        seed_handler.send_sequentially(client, queue_url, bodies)
        results["seed_seconds"] = time.perf_counter() - started
        received.clear()

        outgoing = [producer_module.OutgoingMessage("noop", {"n": n}) for n in range(messages)]
        started = time.perf_counter()
        batch = producer_module.Producer(queue_url, client).send_batch(outgoing)
        results["rendered_seconds"] = time.perf_counter() - started
        payloads = [json.loads(body)["payload"]["n"] for body in received]
        results["lost"] = messages - len(set(payloads))
        results["duplicated"] = len(payloads) - len(set(payloads))
        results["failed"] = len(batch.failed)
    results["seed_per_second"] = messages / results["seed_seconds"]
    results["rendered_per_second"] = messages / results["rendered_seconds"]
    return results


def _local_stack(extra_env: dict[str, str]) -> tuple[Any, Any, str]:
    """moto in-process with the service's resources; the handler module cold-started on it."""
    import boto3  # here, not at the top: first-call times its import
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "POWERTOOLS_SERVICE_NAME": "bench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            **extra_env,
        }
    )
    resources = importlib.import_module("local.resources")
    os.environ.update(resources.create_all(None, boto3.Session(region_name=REGION)))
    handler = importlib.import_module(f"{PACKAGE}.handler")
    sqs = boto3.client("sqs", region_name=REGION)
    return handler, sqs, os.environ["QUEUE_URL"]


def _event(sqs: Any, queue_url: str, bodies: list[str], groups: int = 0) -> dict[str, Any]:
    """Send ``bodies`` and receive them as one event; FIFO: spread over ``groups`` groups."""
    records_module = importlib.import_module("local.records")
    for n, body in enumerate(bodies):
        fifo = (
            {"MessageGroupId": f"group-{n % groups}", "MessageDeduplicationId": uuid.uuid4().hex}
            if groups
            else {}
        )
        sqs.send_message(QueueUrl=queue_url, MessageBody=body, **fifo)
    messages = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    )["Messages"]
    arn = records_module.queue_arn(sqs, queue_url)
    return {"Records": [records_module.to_record(m, arn, REGION) for m in messages]}


def _add_endpoint(receiver: str) -> dict[str, Any]:
    """Configure the webhook endpoint "bench" (its URL and secret in SSM) at ``receiver``.

    The rendered webhook job sends to a named endpoint, never to a URL in the payload; the
    seed's job posts to $BENCH_RECEIVER_URL. Returns the payload fields that name it.
    """
    import boto3  # here, not at the top: first-call times its import

    url = f"{receiver}/hook"
    os.environ["BENCH_RECEIVER_URL"] = url
    secret = "whsec_" + base64.b64encode(b"0" * 32).decode()
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=f"{os.environ['WEBHOOK_ENDPOINTS_PATH']}bench",
        Value=json.dumps({"url": url, "secret": secret}),
        Type="SecureString",
        Overwrite=True,
    )
    return {"endpoint": "bench"}


def _post(message: dict[str, Any]) -> None:
    """The seed's webhook job: a plain POST."""
    request = urllib.request.Request(os.environ["BENCH_RECEIVER_URL"], data=b"{}", method="POST")
    with urllib.request.urlopen(request, timeout=5):
        pass


class _Receiver:
    """Answers every POST at once and counts them, so a run that delivers nothing fails."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.posts = 0

    def __call__(self, body: bytes, headers: dict[str, str]) -> bytes:
        with self.lock:
            self.posts += 1
        return b"{}"

    def take(self) -> int:
        with self.lock:
            posts, self.posts = self.posts, 0
        return posts


def batch(groups: int = 0, repeats: int = 5, delay: float = 0.050) -> dict[str, Any]:
    """A batch of 10 webhook records to a receiver that answers after 50 ms.

    ``groups``: 0 on a standard queue; on a FIFO queue, the records' message groups.
    """
    seed_handler = importlib.import_module("seed_handler")
    answer = _Receiver()
    with http_server(answer, delay) as receiver:
        handler, sqs, queue_url = _local_stack({"WEBHOOK_ALLOWED_HOSTS": "127.0.0.1"})
        context = importlib.import_module("local.emulator").LocalLambdaContext(60)
        endpoint = _add_endpoint(receiver)

        def payload(n: int) -> dict[str, Any]:
            return {**endpoint, "event": "bench", "data": {"n": n}}

        rendered, seed = [], []
        for round_ in range(repeats):
            bodies = [
                json.dumps({"type": "webhook", "payload": payload(round_ * 10 + n)})
                for n in range(10)
            ]
            event = _event(sqs, queue_url, bodies, groups)
            started = time.perf_counter()
            response = handler.handler(event, context)
            rendered.append(time.perf_counter() - started)
            assert not response["batchItemFailures"], response
            # A record dead-lettered without a request would pass the line above, faster.
            assert answer.take() == 10, "the rendered handler did not deliver all 10"
            for record in event["Records"]:  # as the mapping does; FIFO unlocks the groups
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])

            started = time.perf_counter()
            seed_response = seed_handler.handle(event, _post)
            seed.append(time.perf_counter() - started)
            assert not seed_response["batchItemFailures"], seed_response
            assert answer.take() == 10, "the seed handler did not deliver all 10"
    return {
        "records": 10,
        "groups": groups,
        "receiver_delay_ms": delay * 1000,
        "rendered_ms": statistics.median(rendered) * 1000,
        "seed_ms": statistics.median(seed) * 1000,
    }


def per_record(records: int = 2000) -> dict[str, Any]:
    """Microseconds per record for a no-op job: rendered handler, bare Powertools, a loop.

    Idempotency is switched off (POWERTOOLS_IDEMPOTENCY_DISABLED) for the main figure:
    against moto its DynamoDB calls would measure moto, not the handler.
    """
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    handler, sqs, queue_url = _local_stack({"POWERTOOLS_IDEMPOTENCY_DISABLED": "true"})
    job_module = importlib.import_module(f"{PACKAGE}.jobs")
    base = importlib.import_module(f"{PACKAGE}.jobs.base")
    from pydantic import BaseModel

    class Noop(BaseModel):
        n: int

    job_module.JOBS["noop"] = base.Job(name="noop", payload_model=Noop, run=lambda p, c: None)
    handler.JOBS["noop"] = job_module.JOBS["noop"]
    context = importlib.import_module("local.emulator").LocalLambdaContext(60)
    event = _event(
        sqs, queue_url, [json.dumps({"type": "noop", "payload": {"n": n}}) for n in range(10)]
    )
    rounds = records // 10

    def timed(run: Callable[[], object]) -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            run()
        return (time.perf_counter() - started) / (rounds * 10) * 1e6

    processor = BatchProcessor(event_type=EventType.SQS)

    def bare() -> object:
        return process_partial_response(
            event=event, record_handler=lambda record: None, processor=processor, context=context
        )

    def loop() -> object:
        return [json.loads(record["body"]) for record in event["Records"]]

    timed(lambda: handler.handler(event, context))  # warm up: first-call work is not per record
    return {
        "records": records,
        "rendered_us": timed(lambda: handler.handler(event, context)),
        "powertools_us": timed(bare),
        "loop_us": timed(loop),
    }


def first_call_setup(receiver: str) -> dict[str, Any]:
    """Create the stack on the moto server at AWS_ENDPOINT_URL; return the event to time.

    Runs in its own process, so the timed process has imported neither boto3 nor moto.
    """
    import boto3  # here, not at the top: first-call times its import

    request = urllib.request.Request(
        f"{os.environ['AWS_ENDPOINT_URL']}/moto-api/reset", method="POST"
    )
    with urllib.request.urlopen(request, timeout=10):
        pass
    resources = importlib.import_module("local.resources")
    environment = resources.create_all(
        os.environ["AWS_ENDPOINT_URL"], boto3.Session(region_name=REGION)
    )
    os.environ.update(environment)
    endpoint = _add_endpoint(receiver)
    environment["BENCH_RECEIVER_URL"] = os.environ["BENCH_RECEIVER_URL"]
    sqs = boto3.client("sqs", region_name=REGION)
    body = json.dumps({"type": "webhook", "payload": {**endpoint, "event": "e"}})
    return {"environment": environment, "event": _event(sqs, os.environ["QUEUE_URL"], [body])}


def first_call(which: str) -> dict[str, Any]:
    """Import the handler and run its first batch (one webhook), as a cold start does.

    One fresh process per sample, against a moto server (AWS_ENDPOINT_URL). The clock
    covers the import and the first call, so work that a lazy import moves from the
    import to the first call is still counted.
    """
    answer = _Receiver()
    with http_server(answer, 0.0) as receiver:
        setup = subprocess.run(
            [sys.executable, __file__, "first-call-setup", receiver],
            capture_output=True,
            text=True,
            check=True,
        )
        prepared = json.loads(setup.stdout.strip().splitlines()[-1])
        os.environ.update(prepared["environment"])
        os.environ.update({"WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "POWERTOOLS_LOG_LEVEL": "WARNING"})
        context = SimpleNamespace(
            function_name="bench",
            memory_limit_in_mb=256,
            invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:bench",
            aws_request_id=str(uuid.uuid4()),
            get_remaining_time_in_millis=lambda: 60_000,
        )
        assert "boto3" not in sys.modules, "the timed process must start without boto3"
        started = time.perf_counter()
        if which == "rendered":
            response = importlib.import_module(f"{PACKAGE}.handler").handler(
                prepared["event"], context
            )
            assert not response["batchItemFailures"], response
        else:
            importlib.import_module("seed_handler").handle(prepared["event"], _post)
        elapsed_ms = (time.perf_counter() - started) * 1000
        assert answer.take() == 1, f"the {which} handler did not deliver its webhook"
        return {"which": which, "ms": elapsed_ms}


if __name__ == "__main__":
    benchmarks: dict[str, Callable[[], dict[str, Any]]] = {
        "producer": producer,
        "batch": batch,
        "batch-fifo-10-groups": lambda: batch(groups=10),
        "batch-fifo-1-group": lambda: batch(groups=1),
        "per-record": per_record,
        "first-call-setup": lambda: first_call_setup(sys.argv[2]),
        "first-call-rendered": lambda: first_call("rendered"),
        "first-call-seed": lambda: first_call("seed"),
    }
    print(json.dumps(benchmarks[sys.argv[1]]()))
