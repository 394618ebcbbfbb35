# Powertools idempotency records: partition key "id", expiry in "expiration".
# TTL removes records after they expire, so the table stays small.
resource "aws_dynamodb_table" "idempotency" {
  #checkov:skip=CKV_AWS_119:Encrypted with the AWS managed key aws/dynamodb; records hold payload hashes and short-lived results, a customer managed key adds cost without a stated requirement.
  name         = "${var.service_name}-idempotency"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  ttl {
    attribute_name = "expiration"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}
