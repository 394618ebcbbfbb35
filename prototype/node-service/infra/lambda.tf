locals {
  # Each selected job type adds its own settings from its own file.
  job_environments = [
    local.send_email_environment,
    local.process_order_environment,
    local.generate_report_environment,
    local.webhook_environment,
  ]
}

# Created here rather than by Lambda on first write, so that retention is set
# and the role can be limited to this one log group.
resource "aws_cloudwatch_log_group" "consumer" {
  #checkov:skip=CKV_AWS_158:Logs are encrypted at rest by CloudWatch; a customer managed key adds cost and key policy upkeep without a stated requirement.
  #checkov:skip=CKV_AWS_338:Retention is a project answer (log_retention_days); a one-year minimum is a compliance choice, not a default.
  name              = "/aws/lambda/${var.service_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "consumer" {
  #checkov:skip=CKV_AWS_116:A function DLQ only applies to asynchronous invokes; failed SQS messages go to the queue's redrive DLQ.
  #checkov:skip=CKV_AWS_117:The function reaches only AWS APIs and (webhook) public HTTPS endpoints; a VPC would need NAT or endpoints for no isolation gain.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the event source mapping (max_concurrency); reserved concurrency below it only adds throttles, which use up receives.
  #checkov:skip=CKV_AWS_173:The environment holds names and URLs only; the webhook secret lives in SSM SecureString, not here.
  #checkov:skip=CKV_AWS_50:X-Ray needs xray:PutTraceSegments on resource "*", which this least-privilege role does not grant.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile and a signed artifact pipeline the project does not have.
  function_name    = var.service_name
  description      = "Consumes ${local.queue_name}."
  role             = aws_iam_role.consumer.arn
  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  # dist/lambda.zip holds the esbuild bundle handler.mjs (and its source map); it exports `handler`.
  handler       = "handler.handler"
  runtime       = var.lambda_runtime
  architectures = [var.lambda_architecture]
  memory_size   = var.lambda_memory
  timeout       = var.lambda_timeout

  logging_config {
    # Powertools already writes structured JSON and owns the level through
    # POWERTOOLS_LOG_LEVEL; Lambda's JSON format would override that level.
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.consumer.name
  }

  environment {
    variables = merge(
      {
        QUEUE_URL                  = aws_sqs_queue.main.url
        DLQ_URL                    = aws_sqs_queue.dlq.url
        IDEMPOTENCY_TABLE          = aws_dynamodb_table.idempotency.name
        POWERTOOLS_SERVICE_NAME    = var.service_name
        POWERTOOLS_LOG_LEVEL       = "INFO"
        RETRY_BACKOFF_BASE_SECONDS = tostring(var.retry_backoff_base_seconds)
        RETRY_BACKOFF_MAX_SECONDS  = tostring(var.retry_backoff_max_seconds)
        RECORD_CONCURRENCY         = tostring(var.record_concurrency)
        # Stack traces point into src/*.ts through the bundle's source map.
        NODE_OPTIONS = "--enable-source-maps"
      },
      local.job_environments...
    )
  }

  lifecycle {
    precondition {
      condition     = var.retry_backoff_base_seconds <= var.retry_backoff_max_seconds
      error_message = "retry_backoff_base_seconds (${var.retry_backoff_base_seconds}) must not exceed retry_backoff_max_seconds (${var.retry_backoff_max_seconds})."
    }
  }
}

resource "aws_lambda_event_source_mapping" "consumer" {
  event_source_arn = aws_sqs_queue.main.arn
  function_name    = aws_lambda_function.consumer.arn
  batch_size       = var.batch_size
  # The handler returns the messageIds that failed, so only those come back;
  # without this a single failure would redeliver the whole batch.
  function_response_types = ["ReportBatchItemFailures"]

  maximum_batching_window_in_seconds = var.batching_window

  dynamic "scaling_config" {
    for_each = var.max_concurrency == null ? [] : [var.max_concurrency]

    content {
      maximum_concurrency = scaling_config.value
    }
  }

  lifecycle {
    precondition {
      condition     = var.batch_size <= 10 || local.batching_window >= 1
      error_message = "A batch size above 10 (${var.batch_size}) needs a batching window of at least 1 second."
    }
  }

  # The mapping checks at creation that the role may read the queue.
  depends_on = [aws_iam_role_policy.consumer]
}
