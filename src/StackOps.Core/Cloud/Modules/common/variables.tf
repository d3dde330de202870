# Variables every cloud's module takes; StackOps writes this file beside the module's own.
variable "stack_name" {
  description = "The StackOps stack these resources serve."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name: the stack name in lower case, letters, digits and dashes."
  type        = string
}

variable "region" {
  description = "The cloud's region (location) of every resource."
  type        = string
}

variable "github_repository" {
  description = "OWNER/NAME of the repository whose Actions jobs may use the connector's identity."
  type        = string
}

variable "github_environment" {
  description = "The GitHub environment those jobs must run in."
  type        = string
}

variable "cluster_name" {
  description = "The existing Kubernetes cluster the kubernetes orchestrator runs on."
  type        = string
  default     = ""
}

variable "principals" {
  description = "People who may also use the connector's identity: IAM user or role ARNs (aws), object ids (azure), user:EMAIL or group:EMAIL (gcp)."
  type        = list(string)
  default     = []
}

variable "image_repositories" {
  description = "The image repositories of the pipelines that run on the stack (each pipeline's -ImageRepository): ECR needs one per image, created under the stack's name; ACR and Artifact Registry create them on push."
  type        = list(string)
  default     = []
}

variable "force_destroy" {
  description = "Whether tearing the stack down also deletes the artifacts and images it holds."
  type        = bool
  default     = true
}
