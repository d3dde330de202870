# The contract StackOps reads after an apply (the same shape for aws, azure and gcp).
output "stackops" {
  description = "What StackOps registers: the stack, its connector and its components."
  value = {
    stack    = var.stack_name
    provider = "aws"
    connector = {
      type        = "aws"
      auth_method = "web-identity"
      configuration = {
        region   = var.region
        role_arn = aws_iam_role.connector.arn
        subject  = local.subject
        audience = "sts.amazonaws.com"
      }
    }
    components = {
      artifact_store = {
        flavor        = "s3"
        resource_id   = "s3://${aws_s3_bucket.artifacts.bucket}"
        configuration = { path = "s3://${aws_s3_bucket.artifacts.bucket}" }
      }
      container_registry = {
        flavor        = "aws"
        resource_id   = split("/", aws_ecr_repository.images.repository_url)[0]
        configuration = { uri = aws_ecr_repository.images.repository_url }
      }
      orchestrator = {
        flavor      = var.orchestrator
        resource_id = var.orchestrator == "kubernetes" ? var.cluster_name : var.region
        configuration = local.sagemaker ? tomap({
          execution_role = aws_iam_role.sagemaker[0].arn
          region         = var.region
          bucket         = aws_s3_bucket.artifacts.bucket
          }) : tomap({
          kubernetes_namespace = "stackops"
        })
      }
    }
  }
}
