"""Written reasons for the checkov checks the stack does not follow, next to their resources."""

from __future__ import annotations

from aws_cdk import CfnResource
from constructs import IConstruct


def skip_checks(construct: IConstruct, reasons: dict[str, str]) -> None:
    """Record on the CloudFormation resource behind `construct` why each check is skipped.

    checkov reads `Metadata.checkov.skip` of a resource in a CloudFormation template; an
    L2 construct passes it on to its default child, the resource it wraps.
    """
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path} is not backed by a single CloudFormation resource")
    if not all(reason.strip() for reason in reasons.values()):
        raise ValueError(f"every skipped check on {construct.node.path} needs a written reason")
    resource.add_metadata(
        "checkov", {"skip": [{"id": check, "comment": reason} for check, reason in reasons.items()]}
    )
