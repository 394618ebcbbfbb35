"""Reduce what each IaC tool would deploy to one normalized description, for the parity check.

Terraform: `terraform plan` and `apply` against a moto server (the plan gives the event
source mapping and the redrive allow policy, which the local apply leaves out; the state
gives everything else with real names and ARNs). SAM: template.yaml after SAM's own
transform. CDK: the synthesized template. SAM and CDK are both CloudFormation, so one
reader serves both, resolving intrinsic functions with the parameters at their defaults.

The description keeps what the issue lists as settings: queues and DLQ, the function,
the event source mapping, IAM, log retention, job-type resources, alarms and the topic.
ARNs lose their region and account; URLs become their last path segment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

ACCOUNT = "123456789012"
Description = dict[str, Any]


def short_arn(value: Any) -> Any:
    """arn:aws:sqs:eu-west-1:123:name -> sqs:name; a URL -> its last path segment."""
    if isinstance(value, str):
        match = re.fullmatch(r"arn:aws[a-z-]*:([a-z0-9-]+):[a-z0-9-]*:[0-9]*:(.+)", value)
        if match:
            return f"{match.group(1)}:{match.group(2)}"
        if re.match(r"https?://", value):
            return value.rstrip("/").rsplit("/", 1)[-1]
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def policy_grants(document: Mapping[str, Any]) -> set[tuple[str, str, str]]:
    """(effect, action, resource) for every statement of an IAM policy document."""
    grants = set()
    for statement in as_list(document.get("Statement")):
        for action in as_list(statement.get("Action")):
            for resource in as_list(statement.get("Resource")):
                grants.add((statement.get("Effect", "Allow"), action, short_arn(resource)))
    return grants


def denies_insecure_transport(document: Mapping[str, Any]) -> bool:
    return any(
        statement.get("Effect") == "Deny"
        and str(statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport"))
        .lower()
        .strip('"')
        == "false"
        for statement in as_list(document.get("Statement"))
    )


def fifo_throughput(fifo: Any, scope: str | None, limit: str | None) -> tuple[str, str] | None:
    """A FIFO queue's deduplication scope and throughput limit, with SQS's defaults filled in."""
    if str(fifo).lower() != "true":
        return None
    return (scope or "queue", limit or "perQueue")


def _alarm(
    metric: str,
    namespace: str,
    statistic: str,
    threshold: Any,
    comparison: str,
    period: Any,
    evaluations: Any,
    dimensions: Mapping[str, Any],
) -> tuple[Any, ...]:
    return (
        namespace,
        metric,
        statistic,
        float(threshold),
        comparison,
        int(period),
        int(evaluations),
        tuple(sorted((name, short_arn(value)) for name, value in dimensions.items())),
    )


def _empty() -> Description:
    return {
        "queues": {},
        "function": {},
        "mapping": {},
        "iam": set(),
        "log_groups": {},
        "tables": {},
        "buckets": {},
        "alarms": set(),
        "topic_subscriptions": None,
        "managed_policies": [],
        # Grants of the policy producers elsewhere attach (sender policy).
        "sender_policy": set(),
    }


# --- Terraform ----------------------------------------------------------------------------


def describe_terraform(plan: Mapping[str, Any], state: Mapping[str, Any]) -> Description:
    """From `terraform show -json` of a plan and of the state after applying it to moto."""
    described = _empty()
    resources = [
        resource
        for module in [state["values"]["root_module"]]
        for resource in module.get("resources", [])
        if resource["mode"] == "managed"
    ]
    by_address = {resource["address"]: resource["values"] for resource in resources}
    planned = {change["address"]: change["change"]["after"] for change in plan["resource_changes"]}
    queues_by_arn: dict[str, dict[str, Any]] = {}
    for resource in resources:
        values = resource["values"]
        kind = resource["type"]
        if kind == "aws_sqs_queue":
            redrive = json.loads(values["redrive_policy"]) if values["redrive_policy"] else None
            queue = {
                "fifo": bool(values["fifo_queue"]),
                "content_based_deduplication": bool(values["content_based_deduplication"]),
                "high_throughput": fifo_throughput(
                    values["fifo_queue"],
                    values.get("deduplication_scope"),
                    values.get("fifo_throughput_limit"),
                ),
                "visibility_timeout": int(values["visibility_timeout_seconds"]),
                "retention": int(values["message_retention_seconds"]),
                "receive_wait": int(values["receive_wait_time_seconds"]),
                "sse": bool(values["sqs_managed_sse_enabled"]),
                "max_message_size": int(values["max_message_size"]),
                "dead_letter": (
                    (short_arn(redrive["deadLetterTargetArn"]), int(redrive["maxReceiveCount"]))
                    if redrive
                    else None
                ),
                "redrive_allow": None,
                "tls_only": False,
            }
            described["queues"][values["name"]] = queue
            queues_by_arn[values["arn"]] = queue
            queues_by_arn[values["url"]] = queue
        elif kind == "aws_sqs_queue_policy":
            queues_by_arn[values["queue_url"]]["tls_only"] = denies_insecure_transport(
                json.loads(values["policy"])
            )
        elif kind == "aws_lambda_function":
            described["function"] = {
                "name": values["function_name"],
                "runtime": values["runtime"],
                "architectures": values["architectures"],
                "memory": int(values["memory_size"]),
                "timeout": int(values["timeout"]),
                "handler": values["handler"],
                "environment": {
                    name: short_arn(value)
                    for block in values["environment"]
                    for name, value in block["variables"].items()
                },
                # moto does not keep the logging configuration: it comes from the plan.
                "log_group": planned[resource["address"]]["logging_config"][0]["log_group"],
                "log_format": planned[resource["address"]]["logging_config"][0]["log_format"],
            }
        elif kind == "aws_iam_role_policy":
            described["iam"] |= policy_grants(json.loads(values["policy"]))
        elif kind == "aws_iam_policy":
            described["sender_policy"] |= policy_grants(json.loads(values["policy"]))
        elif kind == "aws_cloudwatch_log_group":
            described["log_groups"][values["name"]] = int(values["retention_in_days"])
        elif kind == "aws_dynamodb_table":
            ttl = [block for block in values["ttl"] if block.get("enabled")]
            described["tables"][values["name"]] = {
                "hash_key": values["hash_key"],
                "billing": values["billing_mode"],
                "ttl": ttl[0]["attribute_name"] if ttl else None,
                "point_in_time_recovery": any(
                    block["enabled"] for block in values["point_in_time_recovery"]
                ),
                "deletion_protection": bool(values["deletion_protection_enabled"]),
            }
        elif kind == "aws_cloudwatch_metric_alarm":
            described["alarms"].add(
                _alarm(
                    values["metric_name"],
                    values["namespace"],
                    values["statistic"],
                    values["threshold"],
                    values["comparison_operator"],
                    values["period"],
                    values["evaluation_periods"],
                    values["dimensions"],
                )
            )
        elif kind == "aws_sns_topic_subscription":
            described["topic_subscriptions"] = sorted(
                [
                    *(described["topic_subscriptions"] or []),
                    (values["protocol"], values["endpoint"]),
                ]
            )
    _terraform_buckets(described, resources, by_address)
    _terraform_planned_only(described, plan)
    _max_message_size_default(described, plan)
    return described


def _max_message_size_default(described: Description, plan: Mapping[str, Any]) -> None:
    """Describe the default max_message_size where the test planned a smaller one.

    It does so only where the pinned provider 5.x refuses 1 MiB (tests/conftest.py,
    provider_override); SAM and CDK are described at their defaults, so Terraform is too.
    """
    planned = plan["variables"]["max_message_size"]["value"]
    default = plan["configuration"]["root_module"]["variables"]["max_message_size"]["default"]
    for queue in described["queues"].values():
        if queue["max_message_size"] == int(planned):
            queue["max_message_size"] = int(default)
    environment = described["function"]["environment"]
    if environment.get("MAX_MESSAGE_SIZE") == str(planned):
        environment["MAX_MESSAGE_SIZE"] = str(default)


def _terraform_buckets(
    described: Description, resources: list[dict[str, Any]], by_address: Mapping[str, Any]
) -> None:
    for resource in resources:
        if resource["type"] != "aws_s3_bucket":
            continue
        name = resource["values"]["bucket"]
        related = {
            other["type"]: other["values"]
            for other in resources
            if other["type"].startswith("aws_s3_bucket_") and other["values"].get("bucket") == name
        }
        encryption = related["aws_s3_bucket_server_side_encryption_configuration"]["rule"][0]
        block = related["aws_s3_bucket_public_access_block"]
        lifecycle = related.get("aws_s3_bucket_lifecycle_configuration", {"rule": []})
        described["buckets"][name] = {
            "versioning": related["aws_s3_bucket_versioning"]["versioning_configuration"][0][
                "status"
            ],
            "encryption": encryption["apply_server_side_encryption_by_default"][0]["sse_algorithm"],
            "public_access_block": all(
                block[key]
                for key in (
                    "block_public_acls",
                    "block_public_policy",
                    "ignore_public_acls",
                    "restrict_public_buckets",
                )
            ),
            "ownership": related["aws_s3_bucket_ownership_controls"]["rule"][0]["object_ownership"],
            "expiration_days": sorted(
                expiration["days"]
                for rule in lifecycle["rule"]
                for expiration in rule.get("expiration", [])
            ),
            "tls_only": denies_insecure_transport(
                json.loads(related["aws_s3_bucket_policy"]["policy"])
            ),
        }


def _terraform_planned_only(described: Description, plan: Mapping[str, Any]) -> None:
    """The event source mapping and the redrive allow policy, which moto cannot hold."""
    configuration = {
        resource["address"]: resource
        for resource in plan["configuration"]["root_module"].get("resources", [])
    }
    names = {
        change["address"]: change["change"]["after"].get("name")
        for change in plan["resource_changes"]
        if change["type"] == "aws_sqs_queue"
    }

    def referenced_queues(address: str, attribute: str) -> list[str]:
        expression = configuration[address]["expressions"].get(attribute, {})
        references = expression.get("references", [])
        return sorted({names[ref] for ref in references if ref in names})

    for change in plan["resource_changes"]:
        after = change["change"]["after"]
        if change["type"] == "aws_lambda_event_source_mapping":
            [source] = referenced_queues(change["address"], "event_source_arn")
            scaling = after.get("scaling_config") or []
            described["mapping"] = {
                "source": source,
                "batch_size": int(after["batch_size"]),
                "window": after.get("maximum_batching_window_in_seconds"),
                "response_types": sorted(after["function_response_types"]),
                "max_concurrency": scaling[0]["maximum_concurrency"] if scaling else None,
            }
        elif change["type"] == "aws_sqs_queue_redrive_allow_policy":
            [dlq] = referenced_queues(change["address"], "queue_url")
            sources = referenced_queues(change["address"], "redrive_allow_policy")
            described["queues"][dlq]["redrive_allow"] = ("byQueue", tuple(sources))


# --- CloudFormation (SAM after its transform, CDK after synth) ---------------------------

NAME_PROPERTY = {
    "AWS::SQS::Queue": "QueueName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::IAM::Role": "RoleName",
}
ARN_FORMAT = {
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    "AWS::S3::Bucket": "arn:aws:s3:::{name}",
    "AWS::SNS::Topic": "arn:aws:sns:{region}:{account}:{name}",
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
}
NO_VALUE = object()


class CloudFormation:
    """Resolves a template's intrinsic functions with every parameter at its default."""

    def __init__(self, template: Mapping[str, Any], region: str) -> None:
        self.template = template
        self.region = region
        self.resources: Mapping[str, Any] = template.get("Resources", {})
        self.parameters = {
            name: parameter.get("Default")
            for name, parameter in template.get("Parameters", {}).items()
        }
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "stack",
        }

    def name_of(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        prop = NAME_PROPERTY.get(resource["Type"])
        name = self.resolve(resource.get("Properties", {}).get(prop)) if prop else None
        return str(name) if name not in (None, NO_VALUE) else logical_id

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.parameters:
            # A referenced parameter is a string to CloudFormation, whatever its Type.
            default = self.parameters[name]
            return default if isinstance(default, list) else str(default)
        kind = self.resources[name]["Type"]
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT}/{self.name_of(name)}"
        if kind == "AWS::SNS::Topic":
            return self.get_att(name, "Arn")
        return self.name_of(name)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        kind = self.resources[logical_id]["Type"]
        name = self.name_of(logical_id)
        if attribute == "Arn" and kind in ARN_FORMAT:
            # As CloudFormation returns them: a log group's Arn ends in ":*".
            return ARN_FORMAT[kind].format(region=self.region, account=ACCOUNT, name=name)
        if attribute in ("QueueName", "TopicName"):
            return name
        if attribute == "QueueUrl":
            return self.ref(logical_id)
        return f"{logical_id}.{attribute}"

    def condition(self, node: Any) -> bool:
        if isinstance(node, str):
            return self.condition(self.template["Conditions"][node])
        [(function, argument)] = node.items()
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Equals":
            left, right = (str(self.resolve(value)) for value in argument)
            return left == right
        if function == "Fn::Not":
            return not self.condition(argument[0])
        if function == "Fn::And":
            return all(self.condition(item) for item in argument)
        if function == "Fn::Or":
            return any(self.condition(item) for item in argument)
        raise ValueError(f"unknown condition function {function}")

    def _sub(self, text: str, variables: Mapping[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^!}][^}]*)\}", replace, text)

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [
                value for value in (self.resolve(item) for item in node) if value is not NO_VALUE
            ]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            [(key, argument)] = node.items()
            handlers: dict[str, Callable[[Any], Any]] = {
                "Ref": lambda name: self.ref(name),
                "Fn::GetAtt": lambda target: self.get_att(
                    *(target if isinstance(target, list) else target.split(".", 1))
                ),
                "Fn::Sub": lambda value: (
                    self._sub(value, {})
                    if isinstance(value, str)
                    else self._sub(value[0], value[1])
                ),
                "Fn::Join": lambda value: str(value[0]).join(
                    str(item) for item in self.resolve(value[1])
                ),
                "Fn::Select": lambda value: self.resolve(value[1])[int(self.resolve(value[0]))],
                "Fn::Split": lambda value: str(self.resolve(value[1])).split(value[0]),
                "Fn::If": lambda value: self.resolve(
                    value[1] if self.condition(value[0]) else value[2]
                ),
            }
            if key in handlers:
                return handlers[key](argument)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not NO_VALUE}

    def live(self) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """(logical id, type, resolved properties) of every resource its condition keeps."""
        for logical_id, resource in self.resources.items():
            condition = resource.get("Condition")
            if condition is not None and not self.condition(condition):
                continue
            yield logical_id, resource["Type"], self.resolve(resource.get("Properties", {}))


def describe_cloudformation(template: Mapping[str, Any], region: str) -> Description:
    cfn = CloudFormation(template, region)
    described = _empty()
    live = list(cfn.live())
    queues_by_url: dict[str, dict[str, Any]] = {}
    for logical_id, kind, props in live:
        if kind != "AWS::SQS::Queue":
            continue
        redrive = props.get("RedrivePolicy")
        allow = props.get("RedriveAllowPolicy")
        queue = {
            "fifo": bool(props.get("FifoQueue", False)),
            "content_based_deduplication": bool(props.get("ContentBasedDeduplication", False)),
            "high_throughput": fifo_throughput(
                props.get("FifoQueue", False),
                props.get("DeduplicationScope"),
                props.get("FifoThroughputLimit"),
            ),
            "visibility_timeout": int(props.get("VisibilityTimeout", 30)),
            "retention": int(props.get("MessageRetentionPeriod", 345600)),
            "receive_wait": int(props.get("ReceiveMessageWaitTimeSeconds", 0)),
            "sse": bool(props.get("SqsManagedSseEnabled", False)),
            "max_message_size": (
                int(props["MaximumMessageSize"]) if "MaximumMessageSize" in props else None
            ),
            "dead_letter": (
                (short_arn(redrive["deadLetterTargetArn"]), int(redrive["maxReceiveCount"]))
                if redrive
                else None
            ),
            "redrive_allow": (
                (
                    allow["redrivePermission"],
                    tuple(
                        sorted(short_arn(arn).split(":", 1)[1] for arn in allow["sourceQueueArns"])
                    ),
                )
                if allow
                else None
            ),
            "tls_only": False,
        }
        described["queues"][cfn.name_of(logical_id)] = queue
        queues_by_url[str(cfn.ref(logical_id))] = queue
    for logical_id, kind, props in live:
        if kind == "AWS::SQS::QueuePolicy":
            for url in props["Queues"]:
                queues_by_url[url]["tls_only"] = denies_insecure_transport(props["PolicyDocument"])
        elif kind == "AWS::Lambda::Function":
            logging_config = props.get("LoggingConfig", {})
            described["function"] = {
                "name": props["FunctionName"],
                "runtime": props["Runtime"],
                "architectures": props.get("Architectures", ["x86_64"]),
                "memory": int(props.get("MemorySize", 128)),
                "timeout": int(props.get("Timeout", 3)),
                "handler": props["Handler"],
                "environment": {
                    name: short_arn(value)
                    for name, value in props.get("Environment", {}).get("Variables", {}).items()
                },
                "log_group": logging_config.get("LogGroup"),
                "log_format": logging_config.get("LogFormat", "Text"),
            }
        elif kind == "AWS::Lambda::EventSourceMapping":
            scaling = props.get("ScalingConfig", {})
            described["mapping"] = {
                "source": short_arn(props["EventSourceArn"]).split(":", 1)[1],
                "batch_size": int(props.get("BatchSize", 10)),
                "window": (
                    int(props["MaximumBatchingWindowInSeconds"])
                    if "MaximumBatchingWindowInSeconds" in props
                    else None
                ),
                "response_types": sorted(props.get("FunctionResponseTypes", [])),
                "max_concurrency": (
                    int(scaling["MaximumConcurrency"]) if "MaximumConcurrency" in scaling else None
                ),
            }
        elif kind == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                described["iam"] |= policy_grants(policy["PolicyDocument"])
            described["managed_policies"] = sorted(props.get("ManagedPolicyArns", []))
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::RolePolicy"):
            described["iam"] |= policy_grants(props["PolicyDocument"])
        elif kind == "AWS::IAM::ManagedPolicy":
            described["sender_policy"] |= policy_grants(props["PolicyDocument"])
        elif kind == "AWS::Logs::LogGroup":
            described["log_groups"][props["LogGroupName"]] = int(props["RetentionInDays"])
        elif kind == "AWS::DynamoDB::Table":
            [hash_key] = [key for key in props["KeySchema"] if key["KeyType"] == "HASH"]
            ttl = props.get("TimeToLiveSpecification", {})
            recovery = props.get("PointInTimeRecoverySpecification", {})
            described["tables"][props["TableName"]] = {
                "hash_key": hash_key["AttributeName"],
                "billing": props.get("BillingMode", "PROVISIONED"),
                "ttl": ttl.get("AttributeName") if ttl.get("Enabled") else None,
                "point_in_time_recovery": bool(recovery.get("PointInTimeRecoveryEnabled")),
                "deletion_protection": str(props.get("DeletionProtectionEnabled", False)).lower()
                == "true",
            }
        elif kind == "AWS::CloudWatch::Alarm":
            described["alarms"].add(
                _alarm(
                    props["MetricName"],
                    props["Namespace"],
                    props["Statistic"],
                    props["Threshold"],
                    props["ComparisonOperator"],
                    props["Period"],
                    props["EvaluationPeriods"],
                    {item["Name"]: item["Value"] for item in props.get("Dimensions", [])},
                )
            )
        elif kind == "AWS::SNS::Subscription":
            described["topic_subscriptions"] = sorted(
                [*(described["topic_subscriptions"] or []), (props["Protocol"], props["Endpoint"])]
            )
    _cloudformation_buckets(described, live)
    return described


def _cloudformation_buckets(
    described: Description, live: list[tuple[str, str, dict[str, Any]]]
) -> None:
    policies = {
        str(props["Bucket"]): props["PolicyDocument"]
        for _, kind, props in live
        if kind == "AWS::S3::BucketPolicy"
    }
    for _, kind, props in live:
        if kind != "AWS::S3::Bucket":
            continue
        name = props["BucketName"]
        [encryption] = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        block = props.get("PublicAccessBlockConfiguration", {})
        described["buckets"][name] = {
            "versioning": props.get("VersioningConfiguration", {}).get("Status"),
            "encryption": encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "public_access_block": all(
                str(block.get(key)).lower() == "true"
                for key in (
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                )
            ),
            "ownership": props.get("OwnershipControls", {})
            .get("Rules", [{}])[0]
            .get("ObjectOwnership"),
            "expiration_days": sorted(
                int(rule["ExpirationInDays"])
                for rule in props.get("LifecycleConfiguration", {}).get("Rules", [])
                if "ExpirationInDays" in rule
            ),
            "tls_only": denies_insecure_transport(policies.get(name, {})),
        }
