terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      "stackops:stack" = var.stack_name
    }
  }
}

data "aws_caller_identity" "current" {
  count = var.account_id == "" ? 1 : 0
}

data "aws_partition" "current" {}

data "aws_eks_cluster" "orchestrator" {
  count = var.orchestrator == "kubernetes" ? 1 : 0
  name  = var.cluster_name
}

locals {
  account_id  = var.account_id != "" ? var.account_id : data.aws_caller_identity.current[0].account_id
  partition   = data.aws_partition.current.partition
  oidc_host   = "token.actions.githubusercontent.com"
  oidc_arn    = var.github_oidc_provider_arn != "" ? var.github_oidc_provider_arn : "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${local.oidc_host}"
  subject     = "repo:${var.github_repository}:environment:${var.github_environment}"
  bucket_name = trim(substr("${var.name_prefix}-artifacts-${local.account_id}", 0, 63), "-")
  role_prefix = trim(substr(var.name_prefix, 0, 40), "-")
  sagemaker   = var.orchestrator == "sagemaker"
  cluster_arn = var.orchestrator == "kubernetes" ? data.aws_eks_cluster.orchestrator[0].arn : ""
}

# Artifact store: private, versioned, encrypted.
resource "aws_s3_bucket" "artifacts" {
  bucket        = local.bucket_name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Container registry: images scanned on push, tags never moved (promotions push by digest and tag the version).
resource "aws_ecr_repository" "images" {
  name                 = var.name_prefix
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_destroy

  image_scanning_configuration {
    scan_on_push = true
  }
}

# One repository per pipeline image (NAME/IMAGE), with the same settings.
resource "aws_ecr_repository" "pipelines" {
  for_each             = toset(var.image_repositories)
  name                 = "${var.name_prefix}/${each.value}"
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.force_destroy

  image_scanning_configuration {
    scan_on_push = true
  }
}

# The identity SageMaker's pipeline steps run as.
data "aws_iam_policy_document" "sagemaker_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "sagemaker" {
  count              = local.sagemaker ? 1 : 0
  name               = "${local.role_prefix}-sagemaker-execution"
  assume_role_policy = data.aws_iam_policy_document.sagemaker_trust.json
}

# What both identities need: the bucket's objects, and a registry login.
data "aws_iam_policy_document" "artifacts_and_login" {
  statement {
    sid       = "ArtifactObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.artifacts.arn}/*"]
  }
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "sagemaker" {
  source_policy_documents = [data.aws_iam_policy_document.artifacts_and_login.json]

  statement {
    sid       = "Artifacts"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.artifacts.arn]
  }
  statement {
    sid       = "PullImages"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.images.arn, "${aws_ecr_repository.images.arn}/*"]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/aws/sagemaker/*"]
  }
}

resource "aws_iam_role_policy" "sagemaker" {
  count  = local.sagemaker ? 1 : 0
  name   = "stackops-sagemaker-execution"
  role   = aws_iam_role.sagemaker[0].id
  policy = data.aws_iam_policy_document.sagemaker.json
}

# The connector's identity: assumed by this repository's Actions jobs in one environment (no access key exists), and by the named people.
data "aws_iam_policy_document" "connector_trust" {
  statement {
    sid     = "GitHubActions"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [local.subject]
    }
  }

  dynamic "statement" {
    for_each = length(var.principals) == 0 ? [] : [var.principals]
    content {
      sid     = "People"
      actions = ["sts:AssumeRole"]
      principals {
        type        = "AWS"
        identifiers = statement.value
      }
    }
  }
}

resource "aws_iam_role" "connector" {
  name               = "${local.role_prefix}-stackops-connector"
  assume_role_policy = data.aws_iam_policy_document.connector_trust.json
}

data "aws_iam_policy_document" "connector" {
  source_policy_documents = [data.aws_iam_policy_document.artifacts_and_login.json]

  # StackOps verifies what a connector reaches by listing buckets: their names only.
  statement {
    sid       = "ListBuckets"
    actions   = ["s3:ListAllMyBuckets"]
    resources = ["*"]
  }
  statement {
    sid       = "Artifacts"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"]
    resources = [aws_s3_bucket.artifacts.arn]
  }
  statement {
    sid = "Images"
    actions = [
      "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages", "ecr:DescribeRepositories",
      "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
    ]
    resources = [aws_ecr_repository.images.arn, "${aws_ecr_repository.images.arn}/*"]
  }

  dynamic "statement" {
    for_each = local.sagemaker ? [1] : []
    content {
      sid = "Pipelines"
      actions = [
        "sagemaker:CreatePipeline", "sagemaker:UpdatePipeline", "sagemaker:DescribePipeline", "sagemaker:StartPipelineExecution",
        "sagemaker:DescribePipelineExecution", "sagemaker:ListPipelineExecutionSteps", "sagemaker:StopPipelineExecution", "sagemaker:AddTags",
      ]
      resources = [
        "arn:${local.partition}:sagemaker:${var.region}:${local.account_id}:pipeline/*",
        "arn:${local.partition}:sagemaker:${var.region}:${local.account_id}:pipeline-execution/*",
      ]
    }
  }

  dynamic "statement" {
    for_each = local.sagemaker ? [aws_iam_role.sagemaker[0].arn] : []
    content {
      sid       = "PassExecutionRole"
      actions   = ["iam:PassRole"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "iam:PassedToService"
        values   = ["sagemaker.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.orchestrator == "kubernetes" ? [local.cluster_arn] : []
    content {
      sid       = "Cluster"
      actions   = ["eks:DescribeCluster"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "connector" {
  name   = "stackops-connector"
  role   = aws_iam_role.connector.id
  policy = data.aws_iam_policy_document.connector.json
}
