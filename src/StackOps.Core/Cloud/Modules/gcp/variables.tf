variable "project_id" {
  description = "The Google Cloud project every resource is created in."
  type        = string
}

variable "orchestrator" {
  description = "vertex (Vertex AI Pipelines run as the connector's service account) or kubernetes (an existing GKE cluster, cluster_name)."
  type        = string
  default     = "vertex"

  validation {
    condition     = contains(["vertex", "kubernetes"], var.orchestrator)
    error_message = "orchestrator must be vertex or kubernetes."
  }
}
