locals {
  queue_name = var.service_name
  dlq_name   = "${var.service_name}-dlq"

  batching_window = var.batching_window
}

resource "aws_sqs_queue" "main" {
  name                       = local.queue_name
  visibility_timeout_seconds = var.visibility_timeout
  message_retention_seconds  = var.message_retention
  # Long polling: fewer empty receives, lower cost, no effect on latency.
  receive_wait_time_seconds = 20
  sqs_managed_sse_enabled   = true

  # maxReceiveCount is the total number of attempts, not retries; after the
  # last one SQS moves the message to the DLQ. No dead_letter_config on the
  # function: that only applies to asynchronous invokes, never to messages
  # an event source mapping reads from SQS.
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })

  lifecycle {
    precondition {
      # AWS rejects a mapping whose function timeout exceeds the visibility
      # timeout. It recommends 6x (plus the batching window) so that Lambda
      # can retry a throttled or failed batch while the messages are still
      # hidden, instead of SQS handing them out again and counting a receive.
      condition     = var.visibility_timeout >= 6 * var.lambda_timeout + local.batching_window
      error_message = "The visibility timeout (${var.visibility_timeout} s) must be at least 6 x the Lambda timeout (${var.lambda_timeout} s) + the batching window (${local.batching_window} s) = ${6 * var.lambda_timeout + local.batching_window} s."
    }
  }
}

resource "aws_sqs_queue" "dlq" {
  name = local.dlq_name
  # The longest SQS allows, so there is time to inspect and redrive. For a
  # standard queue the age of a message counts from its first enqueue, so the
  # DLQ must keep messages longer than the main queue does.
  message_retention_seconds = 1209600
  receive_wait_time_seconds = 20
  sqs_managed_sse_enabled   = true
}

# Only the main queue may use this queue as its dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.main.arn]
  })
}

data "aws_iam_policy_document" "queue_tls_only" {
  for_each = {
    main = aws_sqs_queue.main.arn
    dlq  = aws_sqs_queue.dlq.arn
  }

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "main" {
  queue_url = aws_sqs_queue.main.id
  policy    = data.aws_iam_policy_document.queue_tls_only["main"].json
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy    = data.aws_iam_policy_document.queue_tls_only["dlq"].json
}

check "max_receive_count" {
  assert {
    # Throttled or briefly failing invocations also count as receives; with
    # fewer attempts healthy messages end up in the DLQ.
    condition     = var.max_receive_count >= 5
    error_message = "max_receive_count is ${var.max_receive_count}; AWS suggests at least 5 so that throttling does not move healthy messages to the DLQ."
  }
}
