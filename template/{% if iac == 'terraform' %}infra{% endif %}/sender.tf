# Producers run elsewhere (another service, a batch job, a CI task): attach this policy
# to their role to let them send to the main queue and nothing else. The queue uses SQS
# managed encryption (SSE-SQS), so senders need no KMS permissions.
data "aws_iam_policy_document" "sender" {
  statement {
    sid = "SendToMainQueue"
    # GetQueueAttributes: the producer reads the queue's MaximumMessageSize.
    actions = [
      "sqs:SendMessage",
      "sqs:GetQueueUrl",
      "sqs:GetQueueAttributes",
    ]
    resources = [aws_sqs_queue.main.arn]
  }
}

resource "aws_iam_policy" "sender" {
  name        = "${var.service_name}-sender"
  description = "Send messages to ${local.queue_name}."
  policy      = data.aws_iam_policy_document.sender.json
}
