# Terraform state lives in S3, so that every deploy (from CI or a laptop) sees what the
# last one created. A partial configuration: the bucket, key and region come from
# backend.hcl (copy backend.hcl.example) through `make deploy`, or from repository
# variables in CI. use_lockfile takes a lock object next to the state, so two deploys
# never run at once (no DynamoDB table needed; Terraform >= 1.10).
terraform {
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}
