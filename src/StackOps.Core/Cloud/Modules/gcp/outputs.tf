# The contract StackOps reads after an apply (the same shape for aws, azure and gcp).
output "stackops" {
  description = "What StackOps registers: the stack, its connector and its components."
  value = {
    stack    = var.stack_name
    provider = "gcp"
    connector = {
      type        = "gcp"
      auth_method = "workload-identity"
      configuration = {
        workload_identity_provider = "projects/${data.google_project.current.number}/locations/global/workloadIdentityPools/${google_iam_workload_identity_pool.github.workload_identity_pool_id}/providers/${google_iam_workload_identity_pool_provider.github.workload_identity_pool_provider_id}"
        service_account            = google_service_account.connector.email
        project_id                 = var.project_id
        subject                    = local.subject
      }
    }
    components = {
      artifact_store = {
        flavor        = "gcp"
        resource_id   = "gs://${google_storage_bucket.artifacts.name}"
        configuration = { path = "gs://${google_storage_bucket.artifacts.name}" }
      }
      container_registry = {
        flavor        = "gcp"
        resource_id   = local.registry
        configuration = { uri = "${local.registry}/${var.project_id}/${google_artifact_registry_repository.images.repository_id}" }
      }
      orchestrator = {
        flavor      = var.orchestrator
        resource_id = local.vertex ? var.project_id : data.google_container_cluster.orchestrator[0].name
        configuration = local.vertex ? tomap({
          project                  = var.project_id
          location                 = var.region
          workload_service_account = google_service_account.connector.email
          }) : tomap({
          kubernetes_namespace = "stackops"
        })
      }
    }
  }
}
