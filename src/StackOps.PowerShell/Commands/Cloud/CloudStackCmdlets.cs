using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using StackOps.Core.Cloud;
using StackOps.Core.Errors;
using StackOps.Core.Model;
using StackOps.PowerShell.Completion;

namespace StackOps.PowerShell.Commands;

/// <summary>What the cloud stack cmdlets share: the stack's name and its module's folder.</summary>
public abstract class CloudStackCmdlet : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    /// <summary>The folder of the stack's Terraform module; infrastructure/NAME beside the store's documents by default.</summary>
    [Parameter]
    public string? Path { get; set; }

    protected string ModulePath => Path is { Length: > 0 } given ? FileSystemPath(given) : Engine.CloudStacks.DefaultPath(Name);

    /// <summary>Terraform's progress per resource, as Write-Progress.</summary>
    protected void Report(string activity, TerraformProgress progress)
    {
        var record = new ProgressRecord(1, activity, $"{progress.Action} {progress.Address}: {progress.State}")
        {
            PercentComplete = progress.Total == 0 ? 100 : Math.Min(100, 100 * progress.Finished / progress.Total),
        };
        WriteProgress(record);
        WriteVerbose($"{progress.Address}: {progress.Action} {progress.State} ({progress.Finished} of {progress.Total}).");
    }

    protected void Completed(string activity) => WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
}

/// <summary>
/// Writes a Terraform root module for a stack on AWS, Azure or Google Cloud: an artifact store, a
/// container registry, the orchestrator's resources and an identity for the stack's connector with
/// least privilege on exactly those, trusted by GitHub Actions' OIDC for one repository and
/// environment (no key is created). Review and commit it, then Deploy-CloudStack.
/// </summary>
[Cmdlet(VerbsCommon.New, "CloudStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CloudStackModule))]
public sealed class NewCloudStackCommand : CloudStackCmdlet
{
    [Parameter(Mandatory = true)]
    [ValidateSet("aws", "azure", "gcp")]
    public string Provider { get; set; } = "";

    /// <summary>The cloud's region (location) of every resource, e.g. eu-west-1, westeurope, europe-west1.</summary>
    [Parameter(Mandatory = true)]
    public string Region { get; set; } = "";

    /// <summary>The orchestrator flavor: sagemaker, azureml or vertex (the default of each cloud), or kubernetes with -ClusterName.</summary>
    [Parameter]
    [ValidateSet("sagemaker", "azureml", "vertex", "kubernetes")]
    public string? Orchestrator { get; set; }

    /// <summary>The existing Kubernetes cluster (EKS, AKS, GKE) the kubernetes orchestrator runs on.</summary>
    [Parameter]
    public string? ClusterName { get; set; }

    /// <summary>The GitHub environment whose jobs may use the stack; the lifecycle stage's on this stack, else the stack's name.</summary>
    [Parameter]
    public string? Environment { get; set; }

    /// <summary>OWNER/NAME; $env:GITHUB_REPOSITORY, else the repository git's origin remote points at.</summary>
    [Parameter]
    public string? Repository { get; set; }

    /// <summary>People who may also use the connector's identity (IAM ARNs, Entra object ids, user:/group: members).</summary>
    [Parameter]
    public string[]? Principal { get; set; }

    /// <summary>Any other variable of the module, e.g. @{ project_id = 'ml-prod' } for gcp, @{ subscription_id = '...' } for azure.</summary>
    [Parameter]
    public Hashtable? Variable { get; set; }

    /// <summary>Rewrites the module's files in a folder that already has some (Terraform's state there is kept).</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    protected override void Process() => Try(Name, () =>
    {
        var repository = Repository ?? (System.Environment.GetEnvironmentVariable("GITHUB_REPOSITORY") is { Length: > 0 } fromJob ? fromJob : null)
            ?? CloudStackService.RepositoryOf(CurrentDirectory) ?? throw new StackOpsException("GitHubRepositoryMissing", ErrorKind.InvalidArgument,
                "Which repository's jobs may use the stack? Give -Repository OWNER/NAME (a job sets $env:GITHUB_REPOSITORY; a clone of a GitHub repository is found from its origin remote).");
        var request = new CloudStackRequest(Provider, Name, Region, repository, Environment ?? Engine.CloudStacks.DefaultEnvironment(Name), Orchestrator, ClusterName,
            Principal, Variable?.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => Plain(e.Value)));
        var path = ModulePath;
        if (!ShouldProcess(path, $"Write the {Provider} Terraform module of cloud stack '{Name}'")) return;
        var module = Engine.CloudStacks.Write(request, path, Force);
        WriteVerbose($"Wrote {string.Join(", ", module.Files)} to {module.Path}. Review them, then run Deploy-CloudStack {Name}.");
        WriteObject(module);
    });

    private static object? Plain(object? value) => value is PSObject wrapped ? wrapped.BaseObject : value;
}

/// <summary>
/// Runs terraform init, plan and apply on the stack's module, with progress per resource, then
/// registers what it created: a keyless connector, the components linked to it, and the stack.
/// -WhatIf shows the plan as resources to create, update and delete, and changes nothing. A failed
/// apply registers nothing and keeps Terraform's state; running again continues.
/// </summary>
[Cmdlet("Deploy", "CloudStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StackOps.Core.Model.Stack), typeof(TerraformChange))]
public sealed class DeployCloudStackCommand : CloudStackCmdlet
{
    protected override void Process() => Try(Name, () =>
    {
        var path = ModulePath;
        if (!ShouldProcess(path, $"Apply the Terraform module of cloud stack '{Name}' and register it"))
        {
            if (MyInvocation.BoundParameters.ContainsKey("WhatIf"))
                WriteObject(Engine.CloudStacks.Plan(Name, path).Where(c => c.Action is not ("no-op" or "read")), enumerateCollection: true);
            return;
        }
        var activity = $"Deploying cloud stack {Name}";
        var deployment = Engine.CloudStacks.Deploy(Name, path, progress => Report(activity, progress));
        Completed(activity);
        WriteVerbose($"Registered {deployment}.");
        WriteObject(Engine.Stacks.Get(deployment.Stack));
    });
}

/// <summary>
/// Destroys what the stack's module created (terraform destroy) and unregisters the stack, its
/// components and its connector, in that order. Refused while a pipeline version is current on the
/// stack, unless -Force.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "CloudStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(StackOps.Core.Model.Stack))]
public sealed class RemoveCloudStackCommand : CloudStackCmdlet
{
    /// <summary>Destroys the stack even while a pipeline version is current on it.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    /// <summary>Returns the stack as it was registered.</summary>
    [Parameter] public SwitchParameter PassThru { get; set; }

    protected override void Process() => Try(Name, () =>
    {
        var path = ModulePath;
        Engine.CloudStacks.CheckRemove(Name, path, Force);
        if (!ShouldProcess(Name, $"Destroy every resource of the Terraform module in '{path}' and unregister the stack")) return;
        var registered = Engine.Stacks.List().Items.FirstOrDefault(s => string.Equals(s.Name, Name, StringComparison.OrdinalIgnoreCase));
        var activity = $"Destroying cloud stack {Name}";
        foreach (var removed in Engine.CloudStacks.Remove(Name, path, Force, progress => Report(activity, progress))) WriteVerbose($"Unregistered the {removed}.");
        Completed(activity);
        if (PassThru && registered is not null) WriteObject(registered);
    });
}

/// <summary>
/// Registers a stack from what a service connector reaches: for each of the artifact store,
/// container registry and orchestrator, an existing component or a resource the connector lists
/// (taken from the parameters, or asked at the console; never in a non-interactive session). The
/// new components are linked to the connector; the stack is validated; the commands that would
/// remove what was created are printed.
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "CloudStack", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(CloudStackRegistration))]
public sealed class RegisterCloudStackCommand : StoreCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true), ArgumentCompleter(typeof(ServiceConnectorNameCompleter))]
    public string Connector { get; set; } = "";

    /// <summary>An existing artifact store, or a bucket or container the connector reaches (s3://..., gs://..., az://...).</summary>
    [Parameter] public string? ArtifactStore { get; set; }

    /// <summary>An existing container registry, or a registry the connector reaches.</summary>
    [Parameter] public string? ContainerRegistry { get; set; }

    /// <summary>An existing orchestrator, or a cluster the connector reaches.</summary>
    [Parameter] public string? Orchestrator { get; set; }

    protected override void Process() => Try(Name, () =>
    {
        var registrar = Engine.CloudRegistrar;
        var given = new Dictionary<string, string?>
        {
            [ComponentTypes.ArtifactStore] = ArtifactStore, [ComponentTypes.ContainerRegistry] = ContainerRegistry, [ComponentTypes.Orchestrator] = Orchestrator,
        };
        var selections = new Dictionary<string, string>();
        foreach (var type in CloudStackRegistrar.ComponentTypes)
            selections[type] = given[type] ?? Ask(registrar, type);
        if (!ShouldProcess(Name, $"Register the stack from service connector '{Connector}' ({string.Join(", ", selections.Select(s => $"{s.Key} {s.Value}"))})")) return;
        var registration = registrar.Register(Name, Connector, selections);
        foreach (var finding in registration.Validation.Findings) WriteWarning(finding.ToString());
        // Shown like Write-Host: the user is told how to undo this whatever the information preference.
        WriteInformation(new InformationRecord(new HostInformationMessage { Message = "To remove what this created: " + string.Join("; ", registration.RemoveCommands) }, "PSHOST"));
        WriteObject(registration);
    });

    /// <summary>PromptForChoice among the choices for a type, when a person is at the console; else the error that lists them.</summary>
    private string Ask(CloudStackRegistrar registrar, string type)
    {
        if (IsNonInteractive) throw registrar.ChoiceRequired(Connector, type);
        var choices = registrar.Choices(Connector, type);
        if (choices.Count == 0) throw registrar.ChoiceRequired(Connector, type);
        var options = new Collection<ChoiceDescription>(choices.Select((c, i) => new ChoiceDescription($"&{i + 1} {c.Value}", c.ToString())).ToList());
        try
        {
            return choices[Host.UI.PromptForChoice($"Stack '{Name}': {type}", $"Which {type}? (or give -{CloudStackRegistrar.Parameter(type)})", options, 0)].Value;
        }
        catch (Exception e) when (e is HostException or NotImplementedException or PSInvalidOperationException)
        {
            throw registrar.ChoiceRequired(Connector, type);
        }
    }
}
