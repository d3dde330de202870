variable "account_id" {
  description = "The AWS account; asked of STS (GetCallerIdentity) when empty."
  type        = string
  default     = ""
}

variable "orchestrator" {
  description = "sagemaker (an execution role is created) or kubernetes (an existing EKS cluster, cluster_name)."
  type        = string
  default     = "sagemaker"

  validation {
    condition     = contains(["sagemaker", "kubernetes"], var.orchestrator)
    error_message = "orchestrator must be sagemaker or kubernetes."
  }
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's IAM OIDC provider for token.actions.githubusercontent.com; the account's usual one when empty."
  type        = string
  default     = ""
}
