using System.Collections.ObjectModel;

namespace StackOps.Core.Model;

/// <summary>
/// Stacks, components and flavors are read-only all the way down: a listing hands the same parsed
/// object to every caller while its file is unchanged (and the built-in flavors are one object per
/// process), so nobody may change what another caller sees (a PowerShell user could otherwise add to
/// a dictionary or list the next listing returns).
/// </summary>
internal static class ReadOnlyValues
{
    public static IReadOnlyDictionary<string, string> Labels(IReadOnlyDictionary<string, string>? labels) =>
        labels as ReadOnlyDictionary<string, string> ?? new ReadOnlyDictionary<string, string>(labels?.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal) ?? []);

    /// <summary>A configuration, its nested maps and lists included, copied read-only (each map keeping its comparer), unless it already is.</summary>
    public static IReadOnlyDictionary<string, object?> Configuration(IReadOnlyDictionary<string, object?> configuration) =>
        configuration as ReadOnlyMap ?? Map(configuration, (configuration as Dictionary<string, object?>)?.Comparer);

    private static ReadOnlyMap Map(IEnumerable<KeyValuePair<string, object?>> pairs, IEqualityComparer<string>? comparer) =>
        new(pairs.ToDictionary(p => p.Key, p => Value(p.Value), comparer ?? StringComparer.Ordinal));

    /// <summary>A list copied read-only, unless it already is.</summary>
    public static IReadOnlyList<T> List<T>(IReadOnlyList<T> items) => items as ReadOnlyCollection<T> ?? items.ToList().AsReadOnly();

    /// <summary>A configuration value: a nested map or list copied read-only, anything else as it is.</summary>
    public static object? Value(object? value) => value switch
    {
        ReadOnlyMap or ReadOnlyList => value,
        IDictionary<string, object?> map => Map(map, (map as Dictionary<string, object?>)?.Comparer),
        IList<object?> list => new ReadOnlyList(list.Select(Value).ToList()),
        _ => value,
    };

    private sealed class ReadOnlyMap(IDictionary<string, object?> map) : ReadOnlyDictionary<string, object?>(map);

    private sealed class ReadOnlyList(IList<object?> items) : ReadOnlyCollection<object?>(items);
}
