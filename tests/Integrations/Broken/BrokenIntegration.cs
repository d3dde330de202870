using StackOps.Abstractions;

namespace StackOps.Tests.Integrations.Broken;

public sealed class BrokenIntegration : StackIntegration
{
    public BrokenIntegration() => throw new InvalidOperationException("the broken integration refuses to start");

    public override string Name => "broken";
    public override string Version => "0.0.1";
    public override IReadOnlyList<FlavorDefinition> Flavors => [];
}
