namespace StackOps.Tests.Shared;

/// <summary>
/// The machine's terraform and its filesystem mirror of hashicorp/aws, for tests that run the real
/// CLI with no network: a module is pointed at the mirror by Terraform's implicit local mirror
/// (terraform.d/plugins in the module's folder) and at a loopback AWS by an override file of the
/// provider's endpoints. Missing is a reason to skip, never to pass.
/// </summary>
public static class TerraformMirror
{
    private static readonly string[] Candidates =
    [
        Environment.GetEnvironmentVariable("STACKOPS_TEST_TERRAFORM_MIRROR") ?? "",
        "/opt/tf-plugins", "/usr/share/terraform/plugins", "/usr/local/share/terraform/plugins",
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".terraform.d", "plugins"),
    ];

    public static string? Executable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(folder => Path.Combine(folder, "terraform")).FirstOrDefault(File.Exists);

    public static string? Folder { get; } = Candidates.FirstOrDefault(c => c.Length > 0 && Directory.Exists(Path.Combine(c, "registry.terraform.io", "hashicorp", "aws")));

    /// <summary>Why the tests cannot run here, or null.</summary>
    public static string? Missing =>
        Executable is null ? "terraform is not on PATH"
        : Folder is null ? "no filesystem mirror of hashicorp/aws (set STACKOPS_TEST_TERRAFORM_MIRROR)"
        : null;

    /// <summary>Makes a written AWS module install its provider from the mirror and call the loopback AWS.</summary>
    public static void PointAt(string module, FakeAws aws)
    {
        Directory.CreateDirectory(Path.Combine(module, "terraform.d"));
        Directory.CreateSymbolicLink(Path.Combine(module, "terraform.d", "plugins"), Folder!);
        var endpoint = aws.Server.BaseAddress.ToString();
        File.WriteAllText(Path.Combine(module, "stackops_test_override.tf"), $$"""
            provider "aws" {
              access_key                  = "{{FakeAws.AccessKeyId}}"
              secret_key                  = "{{FakeAws.SecretAccessKey}}"
              skip_credentials_validation = true
              skip_requesting_account_id  = true
              skip_metadata_api_check     = true
              s3_use_path_style           = true
              endpoints {
                s3  = "{{endpoint}}"
                sts = "{{endpoint}}"
                iam = "{{endpoint}}"
                ecr = "{{endpoint}}"
                eks = "{{endpoint}}"
              }
            }
            """);
    }
}
