variable "subscription_id" {
  description = "The Azure subscription every resource is created in."
  type        = string
}

variable "orchestrator" {
  description = "azureml (a Machine Learning workspace is created) or kubernetes (an existing AKS cluster, cluster_name, in cluster_resource_group)."
  type        = string
  default     = "azureml"

  validation {
    condition     = contains(["azureml", "kubernetes"], var.orchestrator)
    error_message = "orchestrator must be azureml or kubernetes."
  }
}

variable "cluster_resource_group" {
  description = "The resource group of the existing AKS cluster."
  type        = string
  default     = ""
}
