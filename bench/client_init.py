"""What creating the AWS clients costs a cold start, at init or on first use (Python and Node.js).

Since 2025-08-01 Lambda bills the INIT phase, so a client created at init is paid for
like one created in the first batch: the question is only which clients a cold start
needs at all, and what the first batch waits for. Each figure is the median of fresh
processes (nothing cached between runs), in milliseconds.

Usage: python bench/client_init.py PYTHON_PROJECT NODE_PROJECT [RUNS]
(rendered projects after `make install`; no AWS access is needed: clients are only built).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

SERVICES = ["sqs", "dynamodb", "sesv2", "s3", "ssm"]

PYTHON_PROBE = r"""
import json, sys, threading, time
started = time.perf_counter()
import boto3
from botocore.config import Config
imported = time.perf_counter()
config = Config(retries={"mode": "standard", "max_attempts": 5})
figures = {"import boto3": (imported - started) * 1000}
mode, SERVICES = sys.argv[1], sys.argv[2:]
if mode == "each":
    for service in SERVICES:
        begin = time.perf_counter()
        boto3.client(service, config=config)
        figures[service] = (time.perf_counter() - begin) * 1000
elif mode == "eager":
    begin = time.perf_counter()
    for service in SERVICES + ["dynamodb"]:  # the orders table has its own client
        boto3.client(service, config=config)
    figures["all six clients"] = (time.perf_counter() - begin) * 1000
else:  # ten record threads ask for one DynamoDB client at once
    threads_build = mode == "racing"
    lock, made, built = threading.Lock(), [], [0]
    def get():
        if threads_build:
            if not made:
                built[0] += 1
                made.append(boto3.client("dynamodb", config=config))
            return made[0]
        if not made:
            with lock:
                if not made:
                    built[0] += 1
                    made.append(boto3.client("dynamodb", config=config))
        return made[0]
    threads = [threading.Thread(target=get) for _ in range(10)]
    begin = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures["ten threads, wall"] = (time.perf_counter() - begin) * 1000
    figures["clients built"] = built[0]
print(json.dumps(figures))
"""

NODE_PROBE = r"""
const started = performance.now();
const sdk = {
  sqs: (await import('@aws-sdk/client-sqs')).SQSClient,
  dynamodb: (await import('@aws-sdk/client-dynamodb')).DynamoDBClient,
  sesv2: (await import('@aws-sdk/client-sesv2')).SESv2Client,
  s3: (await import('@aws-sdk/client-s3')).S3Client,
  ssm: (await import('@aws-sdk/client-ssm')).SSMClient,
};
const figures = { 'import the five SDK clients': performance.now() - started };
for (const [name, Client] of Object.entries(sdk)) {
  const begin = performance.now();
  new Client({ maxAttempts: 5, retryMode: 'standard' });
  figures[name] = performance.now() - begin;
}
console.log(JSON.stringify(figures));
"""


def median_figures(command: list[str], cwd: Path, runs: int) -> dict[str, float]:
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1"}
    samples = [
        json.loads(
            subprocess.run(
                command, cwd=cwd, env=env, check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return {name: statistics.median(sample[name] for sample in samples) for name in samples[0]}


def show(title: str, figures: dict[str, float]) -> None:
    print(f"{title}:")
    for name, value in figures.items():
        print(f"  {name:32} {value:8.1f}")


def main() -> None:
    python_project, node_project = Path(sys.argv[1]), Path(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    python = str(python_project / ".venv" / "bin" / "python")
    for mode, title in [
        ("each", "Python: import boto3, then one client per service (first one pays the loader)"),
        ("eager", "Python: every client of a four-job service at init"),
        ("racing", "Python: first batch, ten threads, functools.cache (today)"),
        ("once", "Python: first batch, ten threads, built once under a lock"),
    ]:
        show(
            title,
            median_figures([python, "-c", PYTHON_PROBE, mode, *SERVICES], python_project, runs),
        )
    show(
        "Node.js: import, then one client per service",
        median_figures(["node", "--input-type=module", "-e", NODE_PROBE], node_project, runs),
    )


if __name__ == "__main__":
    main()
