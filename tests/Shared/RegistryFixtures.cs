namespace StackOps.Tests.Shared;

/// <summary>One real registry for a test class, with an image ml/trainer:1.0 in it.</summary>
public sealed class RegistryFixture : IDisposable
{
    public DockerRegistry Registry { get; } = new();

    public RegistryFixture() => Registry.Push("ml/trainer", "1.0", "layer of the trainer image");

    public void Dispose() => Registry.Dispose();
}

/// <summary>Two real registries: dev and staging share the first, production has its own with another user.</summary>
public sealed class TwoRegistries : IDisposable
{
    public DockerRegistry Shared { get; } = new();
    public DockerRegistry Production { get; } = new(production: true);

    public void Dispose()
    {
        Shared.Dispose();
        Production.Dispose();
    }
}
