locals {
  generate_report_environment = {
    REPORTS_BUCKET = aws_s3_bucket.reports.bucket
  }
}

# The account ID keeps the globally unique bucket name from clashing with the
# same service deployed in another account.
resource "aws_s3_bucket" "reports" {
  #checkov:skip=CKV_AWS_18:Access logging needs a separate log bucket; enable it where an audit trail of report downloads is required.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice; reports can be regenerated from their jobs.
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256) encrypts at rest without a KMS key, whose policy and per-request cost the project would have to own.
  #checkov:skip=CKV2_AWS_62:Nothing consumes bucket event notifications.
  bucket = "${var.service_name}-reports-${local.account_id}"
}

resource "aws_s3_bucket_public_access_block" "reports" {
  bucket                  = aws_s3_bucket.reports.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs off: the bucket policy and IAM alone decide access.
resource "aws_s3_bucket_ownership_controls" "reports" {
  bucket = aws_s3_bucket.reports.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "reports" {
  bucket = aws_s3_bucket.reports.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "reports" {
  bucket = aws_s3_bucket.reports.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Versioning protects against an overwritten report; old versions are only
# kept long enough to notice.
resource "aws_s3_bucket_lifecycle_configuration" "reports" {
  bucket = aws_s3_bucket.reports.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # The rule only makes sense once versioning is on.
  depends_on = [aws_s3_bucket_versioning.reports]
}

data "aws_iam_policy_document" "reports_bucket" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.reports.arn, "${aws_s3_bucket.reports.arn}/*"]

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

resource "aws_s3_bucket_policy" "reports" {
  bucket = aws_s3_bucket.reports.id
  policy = data.aws_iam_policy_document.reports_bucket.json

  # S3 refuses a policy while Block Public Access is still being applied.
  depends_on = [aws_s3_bucket_public_access_block.reports]
}

data "aws_iam_policy_document" "generate_report" {
  statement {
    sid       = "WriteReports"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.reports.arn}/reports/*"]
  }
}
