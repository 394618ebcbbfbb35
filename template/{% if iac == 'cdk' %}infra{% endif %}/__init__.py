"""The CDK app that deploys the service: queue, dead-letter queue, function and their companions.

`cdk synth` runs `python -m infra.app` (see cdk.json); tests build the same stack in process.
"""
