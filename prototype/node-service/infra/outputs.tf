output "queue_url" {
  description = "URL of the main queue (producers send here)."
  value       = aws_sqs_queue.main.url
}

output "queue_arn" {
  description = "ARN of the main queue."
  value       = aws_sqs_queue.main.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "function_name" {
  description = "Name of the consumer function."
  value       = aws_lambda_function.consumer.function_name
}

output "idempotency_table_name" {
  description = "DynamoDB table holding idempotency records."
  value       = aws_dynamodb_table.idempotency.name
}

output "orders_table_name" {
  description = "DynamoDB table the process_order job writes to."
  value       = aws_dynamodb_table.orders.name
}

output "reports_bucket_name" {
  description = "S3 bucket the generate_report job writes to (under reports/)."
  value       = aws_s3_bucket.reports.bucket
}

output "webhook_signing_secret_parameter_name" {
  description = "SSM parameter to put the webhook signing secret in (the value is never output)."
  value       = aws_ssm_parameter.webhook_signing_secret.name
}
