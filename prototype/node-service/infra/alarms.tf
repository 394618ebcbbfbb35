locals {
  # No alarm_email was given: the alarms change state in CloudWatch only.
  alarm_actions = []
}

# Any message in the DLQ means a job failed for good and needs a person.
# ApproximateNumberOfMessagesVisible, not NumberOfMessagesSent: messages moved
# there by a redrive policy are never "sent" and would not show up.
resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  alarm_name          = "${var.service_name}-dlq-not-empty"
  alarm_description   = "Messages are waiting in ${aws_sqs_queue.dlq.name}: inspect them, fix the cause, then redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "queue_backlog_age" {
  alarm_name          = "${var.service_name}-queue-backlog-age"
  alarm_description   = "The oldest message in ${aws_sqs_queue.main.name} is older than ${var.queue_age_alarm_threshold_seconds} s: the consumer is failing, throttled or too slow."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.main.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.queue_age_alarm_threshold_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# With ReportBatchItemFailures a failed record is not a function error; this
# fires only when a whole invocation fails (crash, timeout, out of memory).
resource "aws_cloudwatch_metric_alarm" "function_errors" {
  alarm_name          = "${var.service_name}-function-errors"
  alarm_description   = "Invocations of ${aws_lambda_function.consumer.function_name} failed as a whole; every record of those batches is retried."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.consumer.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# A throttled batch goes back to the queue and uses up one of its receives,
# so sustained throttling moves healthy messages to the DLQ.
resource "aws_cloudwatch_metric_alarm" "function_throttles" {
  alarm_name          = "${var.service_name}-function-throttles"
  alarm_description   = "Invocations of ${aws_lambda_function.consumer.function_name} were throttled; check account concurrency and maximum_concurrency."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = aws_lambda_function.consumer.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
