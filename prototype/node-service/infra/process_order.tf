locals {
  process_order_environment = {
    ORDERS_TABLE = aws_dynamodb_table.orders.name
  }
}

resource "aws_dynamodb_table" "orders" {
  #checkov:skip=CKV_AWS_119:Encrypted with the AWS managed key aws/dynamodb; switch to a customer managed key if your data classification requires one.
  name                        = "${var.service_name}-orders"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "orderId"
  deletion_protection_enabled = var.orders_table_deletion_protection

  attribute {
    name = "orderId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }
}

data "aws_iam_policy_document" "process_order" {
  statement {
    sid = "StoreOrders"
    # Write-only: the job stores orders; reading them is someone else's job.
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.orders.arn]
  }
}
