"""Entry point of `cdk synth` and `cdk deploy` (cdk.json runs `python -m infra.app`).

`-c lambda_zip=PATH` points the function at another deployment package than the one
`make package` builds.
"""

from __future__ import annotations

import dataclasses
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


def main() -> None:
    app = App()
    settings = ServiceSettings()
    lambda_zip = app.node.try_get_context("lambda_zip")
    if lambda_zip:
        settings = dataclasses.replace(settings, lambda_code=Path(lambda_zip))
    if not settings.lambda_code.exists():
        sys.exit(f"{settings.lambda_code} does not exist: run `make package` first.")
    build(app, settings)
    app.synth()


if __name__ == "__main__":
    main()
