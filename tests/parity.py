"""Reduce what each IaC tool would deploy to one normalized description, for the parity check.

Terraform: `terraform plan` and `apply` against a moto server (the plan gives the event
source mapping and the redrive allow policy, which the local apply leaves out; the state
gives everything else with real names and ARNs). SAM: template.yaml after SAM's own
transform. CDK: the synthesized template. SAM and CDK are both CloudFormation, so one
reader serves both, resolving intrinsic functions with the parameters at their defaults.

The queues, the function and the event source mapping are described as AWS would report
them (GetQueueAttributes with All, GetFunctionConfiguration, GetEventSourceMapping): every
setting, with the service's documented default wherever a tool leaves one out, because a
tool that sets nothing gets AWS's default while another may send its own (the Terraform AWS
provider sends a 256 KiB MaximumMessageSize). Then IAM, log retention, job-type resources,
alarms and the topic. ARNs lose their region and account; URLs become their last path segment.
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


# --- Settings as AWS reports them, defaults filled in --------------------------------------

# CreateQueue's default for each attribute a tool leaves out, as GetQueueAttributes reports
# it. Amazon SQS API Reference, CreateQueue, "Attributes"
# (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html,
# the text botocore 1.44's sqs model carries): DelaySeconds 0, MaximumMessageSize 1,048,576
# bytes (1 MiB; 256 KiB before 2025-08-04, which the Terraform AWS provider still sends when
# max_message_size is unset), MessageRetentionPeriod 345,600, ReceiveMessageWaitTimeSeconds
# 0, VisibilityTimeout 30, KmsDataKeyReusePeriodSeconds 300 (reported with a KMS key only).
QUEUE_DEFAULTS: dict[str, int] = {
    "DelaySeconds": 0,
    "MaximumMessageSize": 1_048_576,
    "MessageRetentionPeriod": 345_600,
    "ReceiveMessageWaitTimeSeconds": 0,
    "VisibilityTimeout": 30,
}
KMS_DATA_KEY_REUSE_DEFAULT = 300
# FIFO queues only (same page): content-based deduplication is off unless enabled; without
# DeduplicationScope=messageGroup and FifoThroughputLimit=perMessageGroupId a FIFO queue has
# normal throughput, reported as queue and perQueue (Amazon SQS Developer Guide, "High
# throughput for FIFO queues").
FIFO_DEFAULTS: dict[str, Any] = {
    "ContentBasedDeduplication": False,
    "DeduplicationScope": "queue",
    "FifoThroughputLimit": "perQueue",
}
# Without a KMS key, SQS encrypts new queues with SQS-owned keys (SSE-SQS) since 2022-10
# (AWS Compute Blog, "Announcing server-side encryption with Amazon SQS-managed encryption
# keys (SSE-SQS) by default").
# A queue without a redrive allow policy may be any same-account queue's DLQ: allowAll
# (AWS::SQS::Queue, RedriveAllowPolicy: "allowAll: (Default)").
REDRIVE_ALLOW_DEFAULT: tuple[str, tuple[str, ...]] = ("allowAll", ())

# CreateFunction's defaults (AWS Lambda API Reference, CreateFunction; botocore 1.44's lambda
# model): MemorySize 128 MB, Timeout 3 s, Architectures x86_64, EphemeralStorage 512 MB,
# logs to /aws/lambda/<function name>; PackageType Zip, TracingConfig Mode PassThrough and
# LoggingConfig LogFormat Text (AWS::Lambda::Function, PackageType, TracingConfig.Mode and
# LoggingConfig.LogFormat). No reserved concurrency, layers, KMS key, VPC, DLQ or SnapStart
# unless set.
FUNCTION_DEFAULTS: dict[str, Any] = {
    "MemorySize": 128,
    "Timeout": 3,
    "Architectures": ["x86_64"],
    "EphemeralStorage": 512,
    "PackageType": "Zip",
    "TracingConfig": "PassThrough",
    "LogFormat": "Text",
    "Description": "",
}
# CreateEventSourceMapping's defaults for an SQS source (same reference): BatchSize 10,
# MaximumBatchingWindowInSeconds 0, Enabled true; no response types, scaling, filters,
# metrics or provisioned pollers unless set.
MAPPING_DEFAULTS: dict[str, Any] = {
    "BatchSize": 10,
    "MaximumBatchingWindowInSeconds": 0,
    "Enabled": True,
}


def first(blocks: Any, key: str) -> Any:
    """`key` of the first of a list of Terraform blocks (or CloudFormation objects), or None."""
    blocks = as_list(blocks)
    return blocks[0].get(key) if blocks and isinstance(blocks[0], dict) else None


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a tool gave: unset values (None, "", [], {}) left out."""
    return {name: value for name, value in values.items() if value not in (None, "", [], {})}


def _bool(value: Any) -> bool:
    return str(value).lower() == "true"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _principal(principal: Any) -> Any:
    """ "*" and {"AWS": "*"} are the same principal (IAM reference, Principal element)."""
    if principal in ("*", {"AWS": "*"}, {"AWS": ["*"]}):
        return "*"
    return json.dumps(principal, sort_keys=True)


def policy_statements(document: Any) -> frozenset[tuple[Any, ...]] | None:
    """A resource policy's statements, order and Sid (a label) aside, values normalized."""
    if not document:
        return None
    statements = []
    for statement in as_list(_json(document).get("Statement")):
        condition = {
            operator: {
                key: tuple(sorted(str(value).lower() for value in as_list(values)))
                for key, values in tests.items()
            }
            for operator, tests in statement.get("Condition", {}).items()
        }
        statements.append(
            (
                statement.get("Effect"),
                _principal(statement.get("Principal")),
                tuple(sorted(as_list(statement.get("Action")))),
                tuple(
                    sorted(short_arn(resource) for resource in as_list(statement.get("Resource")))
                ),
                json.dumps(condition, sort_keys=True),
            )
        )
    return frozenset(statements)


def describe_queue(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """A queue as GetQueueAttributes(All) reports its settings, from the attributes a tool
    sets (AWS names; unset ones absent or None), AWS's defaults filled in."""
    given = _given(attributes)
    fifo = _bool(given.get("FifoQueue", False))
    kms_key = given.get("KmsMasterKeyId")
    redrive = _json(given.get("RedrivePolicy"))
    allow = _json(given.get("RedriveAllowPolicy"))
    queue: dict[str, Any] = {
        name: int(given.get(name, default)) for name, default in QUEUE_DEFAULTS.items()
    }
    queue |= {
        "FifoQueue": fifo,
        **{
            name: (given.get(name, default) if fifo else None)
            for name, default in FIFO_DEFAULTS.items()
        },
        "SqsManagedSseEnabled": _bool(given.get("SqsManagedSseEnabled", kms_key is None)),
        "KmsMasterKeyId": short_arn(kms_key),
        "KmsDataKeyReusePeriodSeconds": (
            int(given.get("KmsDataKeyReusePeriodSeconds", KMS_DATA_KEY_REUSE_DEFAULT))
            if kms_key
            else None
        ),
        "RedrivePolicy": (
            (short_arn(redrive["deadLetterTargetArn"]), int(redrive["maxReceiveCount"]))
            if redrive
            else None
        ),
        "RedriveAllowPolicy": (
            (
                allow["redrivePermission"],
                tuple(sorted(short_arn(arn) for arn in allow.get("sourceQueueArns", []))),
            )
            if allow
            else REDRIVE_ALLOW_DEFAULT
        ),
        "Policy": policy_statements(given.get("Policy")),
    }
    if fifo:
        queue["ContentBasedDeduplication"] = _bool(queue["ContentBasedDeduplication"])
    return queue


def _vpc(subnets: Any, security_groups: Any) -> tuple[tuple[str, ...], ...] | None:
    """A function's VPC attachment, or None when it has none."""
    if not subnets and not security_groups:
        return None
    return (tuple(sorted(as_list(subnets))), tuple(sorted(as_list(security_groups))))


def describe_function(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A function as GetFunctionConfiguration (and GetFunctionConcurrency) reports it."""
    given = _given(settings)
    function = {
        "FunctionName": given["FunctionName"],
        "Runtime": given["Runtime"],
        "Handler": given["Handler"],
        "Role": short_arn(given["Role"]),
        "MemorySize": int(given.get("MemorySize", FUNCTION_DEFAULTS["MemorySize"])),
        "Timeout": int(given.get("Timeout", FUNCTION_DEFAULTS["Timeout"])),
        "Architectures": list(given.get("Architectures", FUNCTION_DEFAULTS["Architectures"])),
        "EphemeralStorage": int(
            given.get("EphemeralStorage", FUNCTION_DEFAULTS["EphemeralStorage"])
        ),
        "PackageType": given.get("PackageType", FUNCTION_DEFAULTS["PackageType"]),
        "TracingConfig": given.get("TracingConfig", FUNCTION_DEFAULTS["TracingConfig"]),
        "Description": given.get("Description", FUNCTION_DEFAULTS["Description"]),
        "Environment": {
            name: short_arn(value) for name, value in given.get("Environment", {}).items()
        },
        "LogFormat": given.get("LogFormat", FUNCTION_DEFAULTS["LogFormat"]),
        "LogGroup": given.get("LogGroup", f"/aws/lambda/{given['FunctionName']}"),
        # Lambda applies log levels to JSON logs only.
        "ApplicationLogLevel": given.get("ApplicationLogLevel"),
        "SystemLogLevel": given.get("SystemLogLevel"),
        "ReservedConcurrentExecutions": given.get("ReservedConcurrentExecutions"),
        "DeadLetterConfig": short_arn(given.get("DeadLetterConfig")),
        "KMSKeyArn": short_arn(given.get("KMSKeyArn")),
        "Layers": sorted(short_arn(layer) for layer in given.get("Layers", [])),
        "VpcConfig": given.get("VpcConfig"),
        "SnapStart": given.get("SnapStart", "None"),
    }
    if function["ReservedConcurrentExecutions"] is not None:
        function["ReservedConcurrentExecutions"] = int(function["ReservedConcurrentExecutions"])
    return function


def describe_mapping(settings: Mapping[str, Any]) -> dict[str, Any]:
    """An SQS event source mapping as GetEventSourceMapping reports it."""
    given = _given(settings)
    return {
        "EventSourceArn": given["EventSourceArn"],
        "BatchSize": int(given.get("BatchSize", MAPPING_DEFAULTS["BatchSize"])),
        "MaximumBatchingWindowInSeconds": int(
            given.get(
                "MaximumBatchingWindowInSeconds",
                MAPPING_DEFAULTS["MaximumBatchingWindowInSeconds"],
            )
        ),
        "Enabled": _bool(given.get("Enabled", MAPPING_DEFAULTS["Enabled"])),
        "FunctionResponseTypes": sorted(given.get("FunctionResponseTypes", [])),
        "MaximumConcurrency": (
            int(given["MaximumConcurrency"]) if "MaximumConcurrency" in given else None
        ),
        "FilterCriteria": (
            sorted(json.dumps(_json(item), sort_keys=True) for item in given["Filters"])
            if "Filters" in given
            else None
        ),
        "MetricsConfig": sorted(given.get("Metrics", [])) or None,
        "ProvisionedPollerConfig": given.get("ProvisionedPollerConfig"),
    }


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
            queue = describe_queue(
                {
                    "DelaySeconds": values.get("delay_seconds"),
                    "MaximumMessageSize": values.get("max_message_size"),
                    "MessageRetentionPeriod": values.get("message_retention_seconds"),
                    "ReceiveMessageWaitTimeSeconds": values.get("receive_wait_time_seconds"),
                    "VisibilityTimeout": values.get("visibility_timeout_seconds"),
                    "RedrivePolicy": values.get("redrive_policy"),
                    "RedriveAllowPolicy": values.get("redrive_allow_policy"),
                    "FifoQueue": values.get("fifo_queue"),
                    "ContentBasedDeduplication": values.get("content_based_deduplication"),
                    "DeduplicationScope": values.get("deduplication_scope"),
                    "FifoThroughputLimit": values.get("fifo_throughput_limit"),
                    "SqsManagedSseEnabled": values.get("sqs_managed_sse_enabled"),
                    "KmsMasterKeyId": values.get("kms_master_key_id"),
                    "KmsDataKeyReusePeriodSeconds": values.get("kms_data_key_reuse_period_seconds"),
                    "Policy": values.get("policy"),
                }
            )
            described["queues"][values["name"]] = queue
            queues_by_arn[values["arn"]] = queue
            queues_by_arn[values["url"]] = queue
        elif kind == "aws_sqs_queue_policy":
            queues_by_arn[values["queue_url"]]["Policy"] = policy_statements(values["policy"])
        elif kind == "aws_lambda_function":
            # moto does not keep the logging configuration: it comes from the plan.
            logging = as_list(planned[resource["address"]]["logging_config"])[0]
            reserved = values.get("reserved_concurrent_executions")
            vpc = as_list(values.get("vpc_config"))
            described["function"] = describe_function(
                {
                    "FunctionName": values["function_name"],
                    "Runtime": values["runtime"],
                    "Handler": values["handler"],
                    "Role": values["role"],
                    "MemorySize": values.get("memory_size"),
                    "Timeout": values.get("timeout"),
                    "Architectures": values.get("architectures"),
                    "EphemeralStorage": first(values.get("ephemeral_storage"), "size"),
                    "PackageType": values.get("package_type"),
                    "TracingConfig": first(values.get("tracing_config"), "mode"),
                    "Description": values.get("description"),
                    "Environment": {
                        name: value
                        for block in values["environment"]
                        for name, value in block["variables"].items()
                    },
                    "LogFormat": logging.get("log_format"),
                    "LogGroup": logging.get("log_group"),
                    "ApplicationLogLevel": logging.get("application_log_level"),
                    "SystemLogLevel": logging.get("system_log_level"),
                    # -1, the provider's default, is "no reserved concurrency".
                    "ReservedConcurrentExecutions": None if reserved in (None, -1) else reserved,
                    "DeadLetterConfig": first(values.get("dead_letter_config"), "target_arn"),
                    "KMSKeyArn": values.get("kms_key_arn"),
                    "Layers": values.get("layers"),
                    "VpcConfig": (
                        _vpc(vpc[0].get("subnet_ids"), vpc[0].get("security_group_ids"))
                        if vpc
                        else None
                    ),
                    "SnapStart": first(values.get("snap_start"), "apply_on"),
                }
            )
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
        if queue["MaximumMessageSize"] == int(planned):
            queue["MaximumMessageSize"] = int(default)
    environment = described["function"]["Environment"]
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
            poller = as_list(after.get("provisioned_poller_config"))
            described["mapping"] = describe_mapping(
                {
                    "EventSourceArn": source,
                    "BatchSize": after.get("batch_size"),
                    "MaximumBatchingWindowInSeconds": after.get(
                        "maximum_batching_window_in_seconds"
                    ),
                    "Enabled": after.get("enabled"),
                    "FunctionResponseTypes": after.get("function_response_types"),
                    "MaximumConcurrency": first(after.get("scaling_config"), "maximum_concurrency"),
                    "Filters": [
                        item["pattern"]
                        for criteria in as_list(after.get("filter_criteria"))
                        for item in as_list(criteria.get("filter"))
                    ],
                    "Metrics": first(after.get("metrics_config"), "metrics"),
                    "ProvisionedPollerConfig": (
                        (poller[0].get("minimum_pollers"), poller[0].get("maximum_pollers"))
                        if poller
                        else None
                    ),
                }
            )
        elif change["type"] == "aws_sqs_queue_redrive_allow_policy":
            # Its document holds the main queue's ARN, unknown until apply: the permission is
            # the template's, the source queues are those it references.
            [dlq] = referenced_queues(change["address"], "queue_url")
            sources = referenced_queues(change["address"], "redrive_allow_policy")
            described["queues"][dlq]["RedriveAllowPolicy"] = (
                "byQueue",
                tuple(f"sqs:{name}" for name in sources),
            )


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
# AWS::SQS::Queue properties with the names and values GetQueueAttributes reports.
QUEUE_ATTRIBUTES = (
    *QUEUE_DEFAULTS,
    *FIFO_DEFAULTS,
    *("FifoQueue", "SqsManagedSseEnabled", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"),
    *("RedrivePolicy", "RedriveAllowPolicy"),
)
# AWS::Lambda::Function properties named as GetFunctionConfiguration names them.
FUNCTION_PROPERTIES = (
    *("FunctionName", "Runtime", "Handler", "Role", "MemorySize", "Timeout", "Architectures"),
    *("PackageType", "Description", "ReservedConcurrentExecutions", "Layers"),
)


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
        queue = describe_queue({name: props.get(name) for name in QUEUE_ATTRIBUTES})
        described["queues"][cfn.name_of(logical_id)] = queue
        queues_by_url[str(cfn.ref(logical_id))] = queue
    for logical_id, kind, props in live:
        if kind == "AWS::SQS::QueuePolicy":
            for url in props["Queues"]:
                queues_by_url[url]["Policy"] = policy_statements(props["PolicyDocument"])
        elif kind == "AWS::Lambda::Function":
            logging = props.get("LoggingConfig", {})
            vpc = props.get("VpcConfig", {})
            described["function"] = describe_function(
                {
                    **{name: props.get(name) for name in FUNCTION_PROPERTIES},
                    "EphemeralStorage": props.get("EphemeralStorage", {}).get("Size"),
                    "TracingConfig": props.get("TracingConfig", {}).get("Mode"),
                    "Environment": props.get("Environment", {}).get("Variables"),
                    "LogFormat": logging.get("LogFormat"),
                    "LogGroup": logging.get("LogGroup"),
                    "ApplicationLogLevel": logging.get("ApplicationLogLevel"),
                    "SystemLogLevel": logging.get("SystemLogLevel"),
                    "DeadLetterConfig": props.get("DeadLetterConfig", {}).get("TargetArn"),
                    "KMSKeyArn": props.get("KmsKeyArn"),
                    "VpcConfig": _vpc(vpc.get("SubnetIds"), vpc.get("SecurityGroupIds")),
                    "SnapStart": props.get("SnapStart", {}).get("ApplyOn"),
                }
            )
        elif kind == "AWS::Lambda::EventSourceMapping":
            poller = props.get("ProvisionedPollerConfig")
            described["mapping"] = describe_mapping(
                {
                    "EventSourceArn": short_arn(props["EventSourceArn"]).split(":", 1)[1],
                    "BatchSize": props.get("BatchSize"),
                    "MaximumBatchingWindowInSeconds": props.get("MaximumBatchingWindowInSeconds"),
                    "Enabled": props.get("Enabled"),
                    "FunctionResponseTypes": props.get("FunctionResponseTypes"),
                    "MaximumConcurrency": props.get("ScalingConfig", {}).get("MaximumConcurrency"),
                    "Filters": [
                        item["Pattern"]
                        for item in props.get("FilterCriteria", {}).get("Filters", [])
                    ],
                    "Metrics": props.get("MetricsConfig", {}).get("Metrics"),
                    "ProvisionedPollerConfig": (
                        (poller.get("MinimumPollers"), poller.get("MaximumPollers"))
                        if poller
                        else None
                    ),
                }
            )
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
