terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0, < 7.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region

  default_labels = {
    "stackops-stack" = var.name_prefix
  }
}

data "google_project" "current" {
  project_id = var.project_id
}

data "google_container_cluster" "orchestrator" {
  count    = var.orchestrator == "kubernetes" ? 1 : 0
  name     = var.cluster_name
  location = var.region
}

locals {
  subject   = "repo:${var.github_repository}:environment:${var.github_environment}"
  pool_id   = trim(substr("${var.name_prefix}-github", 0, 32), "-")
  bucket    = trim(substr("${var.name_prefix}-artifacts-${var.project_id}", 0, 63), "-")
  vertex    = var.orchestrator == "vertex"
  registry  = "${var.region}-docker.pkg.dev"
  account   = trim(substr("${var.name_prefix}-stackops", 0, 30), "-")
  sa_member = "serviceAccount:${google_service_account.connector.email}"
}

# Artifact store: uniform access, never public, versioned.
resource "google_storage_bucket" "artifacts" {
  name                        = local.bucket
  location                    = var.region
  force_destroy               = var.force_destroy
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }
}

# Container registry: a Docker repository of Artifact Registry whose tags never move.
resource "google_artifact_registry_repository" "images" {
  repository_id = var.name_prefix
  location      = var.region
  format        = "DOCKER"

  docker_config {
    immutable_tags = true
  }
}

# The connector's identity: a service account this repository's jobs in one environment impersonate through workload identity federation.
resource "google_service_account" "connector" {
  account_id   = local.account
  display_name = "StackOps connector of ${var.stack_name}"
}

resource "google_iam_workload_identity_pool" "github" {
  workload_identity_pool_id = local.pool_id
  display_name              = "GitHub Actions for ${var.stack_name}"
}

resource "google_iam_workload_identity_pool_provider" "github" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.github.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
  }
  attribute_condition = "assertion.repository == '${var.github_repository}'"

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account_iam_member" "github" {
  service_account_id = google_service_account.connector.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principal://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/subject/${local.subject}"
}

resource "google_service_account_iam_member" "people" {
  for_each           = toset(var.principals)
  service_account_id = google_service_account.connector.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = each.value
}

resource "google_storage_bucket_iam_member" "artifacts" {
  bucket = google_storage_bucket.artifacts.name
  role   = "roles/storage.objectAdmin"
  member = local.sa_member
}

resource "google_artifact_registry_repository_iam_member" "images" {
  repository = google_artifact_registry_repository.images.name
  location   = var.region
  role       = "roles/artifactregistry.writer"
  member     = local.sa_member
}

# Orchestrator: Vertex AI Pipelines run as the connector's service account, or an existing GKE cluster.
resource "google_project_iam_member" "orchestrator" {
  project = var.project_id
  role    = local.vertex ? "roles/aiplatform.user" : "roles/container.developer"
  member  = local.sa_member
}

resource "google_service_account_iam_member" "vertex_runs_as" {
  count              = local.vertex ? 1 : 0
  service_account_id = google_service_account.connector.name
  role               = "roles/iam.serviceAccountUser"
  member             = local.sa_member
}
