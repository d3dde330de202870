using k8s;
using k8s.Models;
using StackOps.Abstractions;

namespace StackOps.Core.Pipelines;

/// <summary>
/// The kubernetes orchestrator, through KubernetesClient on the cluster its connector reaches: the
/// run's configuration goes into a Secret (deleted when the run ends, whatever happens), the image by
/// digest runs as a Job of one pod that takes the Secret as its environment; the pod's log is
/// streamed; the Job's status decides the result; cancelling deletes the Job and its pod.
/// </summary>
internal sealed class KubernetesOrchestrator(KubernetesClientConfiguration cluster, TimeSpan poll) : IOrchestrator
{
    public async Task<PipelineRunResult> RunAsync(PipelineRunRequest request, CancellationToken cancellation)
    {
        if (request.Image.Length == 0)
            return new PipelineRunResult(false, $"Stack '{request.Stack}' has no container registry, so there is no image for the kubernetes orchestrator to run.");
        var space = request.Settings.GetValueOrDefault("kubernetes_namespace", "default");
        var name = $"stackops-{Kube(request.Pipeline)}-{Guid.NewGuid().ToString("N")[..8]}";
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "stackops", ["stackops.io/pipeline"] = Kube(request.Pipeline), ["stackops.io/version"] = Kube(request.Version) };
        using var client = new Kubernetes(cluster);
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            StringData = request.Environment.ToDictionary(p => p.Key, p => p.Value),
        }, space, cancellationToken: cancellation);
        try
        {
            await client.BatchV1.CreateNamespacedJobAsync(new V1Job
            {
                Metadata = new V1ObjectMeta { Name = name, Labels = labels },
                Spec = new V1JobSpec
                {
                    BackoffLimit = 0,
                    Template = new V1PodTemplateSpec
                    {
                        Metadata = new V1ObjectMeta { Labels = labels },
                        Spec = new V1PodSpec
                        {
                            RestartPolicy = "Never",
                            ServiceAccountName = request.Settings.GetValueOrDefault("service_account_name"),
                            Containers =
                            [
                                new V1Container
                                {
                                    Name = "run", Image = request.Image, Command = request.Command.ToList(),
                                    EnvFrom = [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = name } }],
                                },
                            ],
                        },
                    },
                },
            }, space, cancellationToken: cancellation);
            request.Log($"Job {space}/{name} created for {request.Image}.");
            try
            {
                await StreamLogAsync(client, space, name, request.Log, cancellation);
                while (true)
                {
                    var status = (await client.BatchV1.ReadNamespacedJobStatusAsync(name, space, cancellationToken: cancellation)).Status;
                    if (status?.Succeeded > 0) return new PipelineRunResult(true, $"Job {space}/{name} succeeded.");
                    if (status?.Failed > 0) return new PipelineRunResult(false, $"Job {space}/{name} failed{Reason(status)}.");
                    await Task.Delay(poll, cancellation);
                }
            }
            catch (OperationCanceledException)
            {
                await client.BatchV1.DeleteNamespacedJobAsync(name, space, propagationPolicy: "Background", cancellationToken: CancellationToken.None);
                throw;
            }
        }
        finally
        {
            await client.CoreV1.DeleteNamespacedSecretAsync(name, space, cancellationToken: CancellationToken.None);
        }
    }

    /// <summary>The log of the Job's pod, followed until the pod ends (after waiting for it to start).</summary>
    private async Task StreamLogAsync(Kubernetes client, string space, string job, Action<string> log, CancellationToken cancellation)
    {
        while (true)
        {
            var pod = (await client.CoreV1.ListNamespacedPodAsync(space, labelSelector: $"job-name={job}", cancellationToken: cancellation)).Items.FirstOrDefault();
            if (pod?.Status?.Phase is "Running" or "Succeeded" or "Failed")
            {
                using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod.Metadata.Name, space, container: "run", follow: true, cancellationToken: cancellation);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync(cancellation) is { } line) log(line);
                return;
            }
            await Task.Delay(poll, cancellation);
        }
    }

    private static string Reason(V1JobStatus status) =>
        status.Conditions?.FirstOrDefault(c => c.Type == "Failed") is { } failed ? $": {failed.Reason} {failed.Message}".TrimEnd() : "";

    /// <summary>A name as Kubernetes takes it in names and labels: lower case letters, digits and dashes.</summary>
    private static string Kube(string text) =>
        new string(text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-') is { Length: > 0 } kube ? kube[..Math.Min(kube.Length, 40)].Trim('-') : "run";
}
