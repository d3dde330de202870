terraform {
  required_version = ">= 1.5"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 3.90, < 5.0"
    }
  }
}

provider "azurerm" {
  features {}
  subscription_id = var.subscription_id
}

data "azurerm_client_config" "current" {}

data "azurerm_kubernetes_cluster" "orchestrator" {
  count               = var.orchestrator == "kubernetes" ? 1 : 0
  name                = var.cluster_name
  resource_group_name = var.cluster_resource_group
}

locals {
  # Storage account and registry names: lower-case letters and digits only, unique per subscription and stack.
  compact = substr(replace(var.name_prefix, "-", ""), 0, 16)
  suffix  = substr(md5("${var.subscription_id}/${var.name_prefix}"), 0, 6)
  subject = "repo:${var.github_repository}:environment:${var.github_environment}"
  tags    = { "stackops-stack" = var.stack_name }
  azureml = var.orchestrator == "azureml"
}

resource "azurerm_resource_group" "stack" {
  name     = "${var.name_prefix}-stackops"
  location = var.region
  tags     = local.tags
}

# Artifact store: private, versioned blobs over TLS 1.2 only.
resource "azurerm_storage_account" "artifacts" {
  name                            = "${local.compact}${local.suffix}"
  resource_group_name             = azurerm_resource_group.stack.name
  location                        = azurerm_resource_group.stack.location
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  allow_nested_items_to_be_public = false
  shared_access_key_enabled       = false
  tags                            = local.tags

  blob_properties {
    versioning_enabled = true
  }
}

resource "azurerm_storage_container" "artifacts" {
  name                  = "artifacts"
  storage_account_id    = azurerm_storage_account.artifacts.id
  container_access_type = "private"
}

# Container registry: no admin user, images pushed with the identity's token.
resource "azurerm_container_registry" "images" {
  name                = "${local.compact}${local.suffix}"
  resource_group_name = azurerm_resource_group.stack.name
  location            = azurerm_resource_group.stack.location
  sku                 = "Standard"
  admin_enabled       = false
  tags                = local.tags
}

# The connector's identity: a user-assigned identity whose federated credential trusts this repository's jobs in one environment.
resource "azurerm_user_assigned_identity" "connector" {
  name                = "${var.name_prefix}-stackops-connector"
  resource_group_name = azurerm_resource_group.stack.name
  location            = azurerm_resource_group.stack.location
  tags                = local.tags
}

resource "azurerm_federated_identity_credential" "github" {
  name                = "github-${var.github_environment}"
  resource_group_name = azurerm_resource_group.stack.name
  parent_id           = azurerm_user_assigned_identity.connector.id
  issuer              = "https://token.actions.githubusercontent.com"
  subject             = local.subject
  audience            = ["api://AzureADTokenExchange"]
}

locals {
  data_roles = {
    blobs  = { scope = azurerm_storage_container.artifacts.resource_manager_id, role = "Storage Blob Data Contributor" }
    images = { scope = azurerm_container_registry.images.id, role = "AcrPush" }
  }
  members = merge(
    { connector = azurerm_user_assigned_identity.connector.principal_id },
    { for id in var.principals : "person-${id}" => id },
  )
  assignments = { for pair in setproduct(keys(local.members), keys(local.data_roles)) : "${pair[0]}/${pair[1]}" => {
    principal = local.members[pair[0]]
    scope     = local.data_roles[pair[1]].scope
    role      = local.data_roles[pair[1]].role
  } }
}

resource "azurerm_role_assignment" "data" {
  for_each             = local.assignments
  principal_id         = each.value.principal
  scope                = each.value.scope
  role_definition_name = each.value.role
}

# Orchestrator: an Azure Machine Learning workspace (with the resources it requires), or an existing AKS cluster.
resource "azurerm_application_insights" "workspace" {
  count               = local.azureml ? 1 : 0
  name                = "${var.name_prefix}-stackops"
  resource_group_name = azurerm_resource_group.stack.name
  location            = azurerm_resource_group.stack.location
  application_type    = "other"
  tags                = local.tags
}

resource "azurerm_key_vault" "workspace" {
  count                     = local.azureml ? 1 : 0
  name                      = "${local.compact}${local.suffix}"
  resource_group_name       = azurerm_resource_group.stack.name
  location                  = azurerm_resource_group.stack.location
  tenant_id                 = data.azurerm_client_config.current.tenant_id
  sku_name                  = "standard"
  purge_protection_enabled  = false
  enable_rbac_authorization = true
  tags                      = local.tags
}

resource "azurerm_machine_learning_workspace" "orchestrator" {
  count                   = local.azureml ? 1 : 0
  name                    = "${var.name_prefix}-stackops"
  resource_group_name     = azurerm_resource_group.stack.name
  location                = azurerm_resource_group.stack.location
  application_insights_id = azurerm_application_insights.workspace[0].id
  key_vault_id            = azurerm_key_vault.workspace[0].id
  storage_account_id      = azurerm_storage_account.artifacts.id
  container_registry_id   = azurerm_container_registry.images.id
  tags                    = local.tags

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_role_assignment" "orchestrator" {
  principal_id         = azurerm_user_assigned_identity.connector.principal_id
  scope                = local.azureml ? azurerm_machine_learning_workspace.orchestrator[0].id : data.azurerm_kubernetes_cluster.orchestrator[0].id
  role_definition_name = local.azureml ? "AzureML Data Scientist" : "Azure Kubernetes Service Cluster User Role"
}
