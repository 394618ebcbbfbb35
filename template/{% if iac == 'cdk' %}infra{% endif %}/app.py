"""Entry point of `cdk synth` and `cdk deploy` (cdk.json runs `python -m infra.app`).

`-c lambda_zip=PATH` points the function at another deployment package than the one
`make package` builds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

from aws_cdk import App, Environment

from .stack import QueueServiceStack, ServiceSettings


def build(app: App, settings: ServiceSettings) -> QueueServiceStack:
    """Add the service's stack to `app`.

    The region is fixed, as in the Terraform provider block; the account is left to the
    credentials `cdk deploy` runs with, so synthesis needs neither credentials nor lookups.
    """
    return QueueServiceStack(
        app,
        settings.service_name,
        settings=settings,
        env=Environment(region=settings.aws_region),
        description=f"{settings.service_name}: SQS queue, dead-letter queue and Lambda consumer.",
    )


def package_problem(settings: ServiceSettings) -> str | None:
    """Why the package cannot run as the function `settings` describe, or None.

    `make package` writes a manifest beside the zip (dist/lambda.zip -> dist/lambda.json):
    the runtime and architectures it was built for and the zip's SHA-256. Compiled
    dependencies (pydantic_core) import only on the Python version and architecture their
    wheels were built for; deployed elsewhere, every invocation fails with
    Runtime.ImportModuleError.
    """
    package = settings.lambda_code
    manifest_path = package.with_suffix(".json")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = None
    if (
        not isinstance(manifest, dict)
        or manifest.get("sha256") != hashlib.sha256(package.read_bytes()).hexdigest()
    ):
        return (
            f"{manifest_path} is missing or describes another build than {package}: "
            "build the package with `make package`."
        )
    built_for = (manifest.get("runtime"), manifest.get("architectures") or [])
    if built_for[0] != settings.runtime or settings.architecture not in built_for[1]:
        return (
            f"{package} was built for {built_for[0]} on {' or '.join(built_for[1])}, but "
            f"ServiceSettings asks for {settings.runtime} on {settings.architecture}: rebuild "
            f"it with `make package LAMBDA_RUNTIME={settings.runtime} "
            f"LAMBDA_ARCHITECTURE={settings.architecture}` (make deploy takes the same "
            "settings)."
        )
    return None


def main() -> None:
    app = App()
    settings = ServiceSettings()
    lambda_zip = app.node.try_get_context("lambda_zip")
    if lambda_zip:
        settings = dataclasses.replace(settings, lambda_code=Path(lambda_zip))
    if not settings.lambda_code.exists():
        sys.exit(f"{settings.lambda_code} does not exist: run `make package` first.")
    problem = package_problem(settings)
    if problem:
        sys.exit(problem)
    build(app, settings)
    app.synth()


if __name__ == "__main__":
    main()
