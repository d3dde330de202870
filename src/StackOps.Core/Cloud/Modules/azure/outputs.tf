# The contract StackOps reads after an apply (the same shape for aws, azure and gcp).
output "stackops" {
  description = "What StackOps registers: the stack, its connector and its components."
  value = {
    stack    = var.stack_name
    provider = "azure"
    connector = {
      type        = "azure"
      auth_method = "federated-identity"
      configuration = {
        tenant_id       = azurerm_user_assigned_identity.connector.tenant_id
        client_id       = azurerm_user_assigned_identity.connector.client_id
        subscription_id = var.subscription_id
        subject         = local.subject
        audience        = "api://AzureADTokenExchange"
      }
    }
    components = {
      artifact_store = {
        flavor        = "azure"
        resource_id   = "az://${azurerm_storage_container.artifacts.name}"
        configuration = { path = "az://${azurerm_storage_container.artifacts.name}" }
      }
      container_registry = {
        flavor        = "azure"
        resource_id   = azurerm_container_registry.images.login_server
        configuration = { uri = azurerm_container_registry.images.login_server }
      }
      orchestrator = {
        flavor      = var.orchestrator
        resource_id = local.azureml ? var.subscription_id : var.cluster_name
        configuration = local.azureml ? tomap({
          subscription_id = var.subscription_id
          resource_group  = azurerm_resource_group.stack.name
          workspace       = azurerm_machine_learning_workspace.orchestrator[0].name
          }) : tomap({
          kubernetes_namespace = "stackops"
        })
      }
    }
  }
}
