locals {
  webhook_environment = {
    WEBHOOK_SIGNING_SECRET_PARAM = aws_ssm_parameter.webhook_signing_secret.name
    WEBHOOK_ALLOWED_HOSTS        = join(",", var.webhook_allowed_hosts)
  }
}

# The write-only value_wo below needs Terraform 1.11 (every provider release in
# versions.tf's range has it).
terraform {
  required_version = ">= 1.11"
}

# The real secret is set out of band, once per environment:
#   aws ssm put-parameter --overwrite --type SecureString \
#     --name /<service_name>/webhook-signing-secret --value '<secret>'
# Terraform creates the parameter with a placeholder, which the consumer
# refuses to sign with, and passes it as the write-only value_wo: so neither
# the state nor a plan holds any value of the parameter. (With `value`, even
# under ignore_changes, every refresh read the parameter decrypted and wrote
# the real secret into the state; the template's own tests check this against
# moto.)
#
# Leave value_wo_version at 0. Any other number puts the placeholder over the
# real secret: at once for a state written by an older version of this file
# (no version, which the provider takes as 0), and again at every change of the
# number. Changing another argument but tags fails (the provider re-sends the
# value it keeps, which is empty): to change one, replace the resource and put
# the secret again.
resource "aws_ssm_parameter" "webhook_signing_secret" {
  #checkov:skip=CKV_AWS_337:Encrypted with the AWS managed key aws/ssm, which the role may use through SSM without a key policy of our own.
  name             = "/${var.service_name}/webhook-signing-secret"
  description      = "HMAC key for signing webhook requests (set out of band)."
  type             = "SecureString"
  value_wo         = "CHANGE_ME"
  value_wo_version = 0
}

data "aws_iam_policy_document" "webhook" {
  statement {
    sid       = "ReadSigningSecret"
    actions   = ["ssm:GetParameter"]
    resources = [aws_ssm_parameter.webhook_signing_secret.arn]
  }
}

check "webhook_allowed_hosts" {
  assert {
    # Listed hosts may resolve to private addresses and use plain HTTP, so a
    # non-empty list reopens the request-forgery hole the guard closes.
    condition     = length(var.webhook_allowed_hosts) == 0
    error_message = "webhook_allowed_hosts is not empty (${join(", ", var.webhook_allowed_hosts)}): those hosts skip the webhook's public-address and HTTPS checks. Fine for development, not for production."
  }
}
