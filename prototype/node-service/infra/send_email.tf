locals {
  send_email_environment = {
    EMAIL_FROM = var.email_from
  }
}

data "aws_iam_policy_document" "send_email" {
  statement {
    sid     = "SendEmailFromOneAddress"
    actions = ["ses:SendEmail"]
    # SES authorises against the sender identity, whose name is not known
    # here (an address or its domain). The condition pins the From address,
    # so the role cannot send as anyone else.
    resources = ["arn:${local.partition}:ses:${local.region}:${local.account_id}:identity/*"]

    condition {
      test     = "StringEquals"
      variable = "ses:FromAddress"
      values   = [var.email_from]
    }
  }
}
