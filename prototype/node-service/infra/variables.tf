# Defaults are the answers given when the project was generated. The
# validation blocks repeat the template's own rules so that a value changed
# later in a .tfvars file is held to the same limits as the original answer.

variable "aws_region" {
  description = "AWS region the service is deployed to."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$", var.aws_region))
    error_message = "The region must be an AWS region name such as eu-west-1 or us-east-2."
  }
}

variable "service_name" {
  description = "Name of the queue, the function and the prefix of every other resource."
  type        = string
  default     = "my-queue-service"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.service_name)) && !strcontains(var.service_name, "--")
    error_message = "The service name must be 3-40 characters of lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen."
  }
}

variable "lambda_zip_path" {
  description = "Deployment package of the consumer, built by `make package` (relative to this directory)."
  type        = string
  default     = "../dist/lambda.zip"
}

variable "lambda_runtime" {
  description = "Lambda runtime of the consumer function."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = contains(["nodejs22.x", "nodejs24.x"], var.lambda_runtime)
    error_message = "The runtime must be nodejs22.x or nodejs24.x."
  }
}

variable "lambda_architecture" {
  description = "Processor architecture of the function."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "The architecture must be arm64 or x86_64."
  }
}

variable "lambda_timeout" {
  description = "Function timeout in seconds. The queue's visibility timeout must be at least 6 times this value plus the batching window."
  type        = number
  default     = 50

  validation {
    condition     = var.lambda_timeout >= 1 && var.lambda_timeout <= 900 && floor(var.lambda_timeout) == var.lambda_timeout
    error_message = "The Lambda timeout must be a whole number of seconds between 1 and 900."
  }
}

variable "lambda_memory" {
  description = "Function memory in MB; the CPU share grows with it."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory >= 128 && var.lambda_memory <= 10240 && floor(var.lambda_memory) == var.lambda_memory
    error_message = "The Lambda memory must be a whole number of MB between 128 and 10240."
  }
}

variable "batch_size" {
  description = "Largest number of records one invocation receives."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000 && floor(var.batch_size) == var.batch_size
    error_message = "A standard queue allows a batch size of 1 to 10000 (above 10 needs a batching window of at least 1 second)."
  }
}

variable "batching_window" {
  description = "Seconds the event source waits to fill a batch before invoking the function (at least 1 when the batch size is above 10)."
  type        = number
  default     = 0

  validation {
    condition     = var.batching_window >= 0 && var.batching_window <= 300 && floor(var.batching_window) == var.batching_window
    error_message = "The batching window must be a whole number of seconds between 0 and 300."
  }
}

variable "visibility_timeout" {
  description = "Seconds a received message stays hidden from other consumers: at least 6 x the Lambda timeout + the batching window, at most 43200."
  type        = number
  default     = 300

  validation {
    condition     = var.visibility_timeout >= 0 && var.visibility_timeout <= 43200 && floor(var.visibility_timeout) == var.visibility_timeout
    error_message = "SQS allows a visibility timeout of 0 to 43200 seconds (12 hours)."
  }
}

variable "max_receive_count" {
  description = "Total delivery attempts (not retries) before SQS moves a message to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "The max receive count must be between 1 and 1000 attempts."
  }
}

variable "message_retention" {
  description = "Seconds the main queue keeps a message. The DLQ always keeps 14 days."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention >= 60 && var.message_retention <= 1209600 && floor(var.message_retention) == var.message_retention
    error_message = "The message retention must be between 60 and 1209600 seconds (14 days)."
  }
}

variable "max_concurrency" {
  description = "Maximum concurrent invocations the event source mapping starts, or null to leave it unset."
  type        = number
  default     = null

  validation {
    # A conditional, not ||: Terraform evaluates both sides of || and a null
    # operand in a comparison is an error.
    condition     = var.max_concurrency == null ? true : var.max_concurrency >= 2 && var.max_concurrency <= 1000 && floor(var.max_concurrency) == var.max_concurrency
    error_message = "The maximum concurrency must be null (unset) or between 2 and 1000."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log retention must be one of the values CloudWatch accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days."
  }
}

variable "retry_backoff_base_seconds" {
  description = "First delay the consumer gives a message that failed with a retryable error; it doubles on each attempt."
  type        = number
  default     = 10

  validation {
    condition     = var.retry_backoff_base_seconds >= 0 && var.retry_backoff_base_seconds <= 43200 && floor(var.retry_backoff_base_seconds) == var.retry_backoff_base_seconds
    error_message = "The retry backoff base must be a whole number of seconds between 0 and 43200."
  }
}

variable "retry_backoff_max_seconds" {
  description = "Longest delay the consumer sets with ChangeMessageVisibility before a retry."
  type        = number
  default     = 900

  validation {
    # ChangeMessageVisibility refuses anything above 12 hours.
    condition     = var.retry_backoff_max_seconds >= 0 && var.retry_backoff_max_seconds <= 43200 && floor(var.retry_backoff_max_seconds) == var.retry_backoff_max_seconds
    error_message = "The retry backoff maximum must be a whole number of seconds between 0 and 43200 (the SQS visibility limit)."
  }
}

variable "record_concurrency" {
  description = "Records of one batch the consumer runs at once (FIFO: message groups at once; a group's records always run in order)."
  type        = number
  # 10 runs a whole default batch at once: jobs wait on the network, so threads
  # overlap the waits. Lower it for jobs that hold a scarce resource.
  default = 10

  validation {
    condition     = var.record_concurrency >= 1 && var.record_concurrency <= 100 && floor(var.record_concurrency) == var.record_concurrency
    error_message = "The record concurrency must be a whole number between 1 and 100."
  }
}

variable "queue_age_alarm_threshold_seconds" {
  description = "Age in seconds of the oldest message in the main queue above which the backlog alarm fires."
  type        = number
  # 15 minutes: at steady state a message waits seconds, so a backlog this old
  # means the consumer is failing, throttled or too slow. Messages waiting for
  # a retry age too, so raise it when they are meant to wait longer (e.g. a
  # retry backoff whose delays add up to more than this).
  default = 900

  validation {
    condition     = var.queue_age_alarm_threshold_seconds >= 60
    error_message = "The queue age alarm threshold must be at least 60 seconds."
  }
}

variable "email_from" {
  description = "Sender address for send_email; it must be an SES-verified identity in the target account and region."
  type        = string
  default     = "noreply@example.com"

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.email_from))
    error_message = "The sender must be an e-mail address such as noreply@example.com."
  }
}

variable "orders_table_deletion_protection" {
  description = "Whether DynamoDB refuses to delete the orders table (turn on for production data)."
  type        = bool
  default     = false
}

variable "webhook_allowed_hosts" {
  # An exemption list, not an allow-list: these hosts skip the consumer's
  # request-forgery guard (private addresses and plain HTTP are accepted).
  description = "Hosts exempt from the webhook job's public-address and HTTPS checks; for development and tests, keep it empty in production."
  type        = list(string)
  default     = []

  validation {
    # The list travels as one comma-separated string.
    condition     = alltrue([for host in var.webhook_allowed_hosts : can(regex("^[^,/\\s]+$", host))])
    error_message = "Each allowed webhook host must be a bare host name: no scheme, path, comma or space."
  }
}
