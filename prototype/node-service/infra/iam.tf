locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = var.aws_region

  # Each selected job type adds only its own statements, on its own resources.
  job_policy_documents = [
    data.aws_iam_policy_document.send_email.json,
    data.aws_iam_policy_document.process_order.json,
    data.aws_iam_policy_document.generate_report.json,
    data.aws_iam_policy_document.webhook.json,
  ]
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "consumer" {
  name               = "${var.service_name}-consumer"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

data "aws_iam_policy_document" "consumer_base" {
  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.consumer.arn}:*"]
  }

  statement {
    sid = "ConsumeMainQueue"
    # ChangeMessageVisibility: the consumer delays a retry by extending the
    # visibility of the failed message (exponential backoff).
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ChangeMessageVisibility",
    ]
    resources = [aws_sqs_queue.main.arn]
  }

  statement {
    sid = "ForwardPermanentFailures"
    # A message that can never succeed goes to the DLQ at once instead of
    # using up the remaining receives.
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }

  statement {
    sid = "IdempotencyRecords"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
    ]
    resources = [aws_dynamodb_table.idempotency.arn]
  }
}

data "aws_iam_policy_document" "consumer" {
  source_policy_documents = concat([data.aws_iam_policy_document.consumer_base.json], local.job_policy_documents)
}

resource "aws_iam_role_policy" "consumer" {
  name   = "consumer"
  role   = aws_iam_role.consumer.id
  policy = data.aws_iam_policy_document.consumer.json
}
