using System.Globalization;
using System.Text.RegularExpressions;

namespace StackOps.Core.Pipelines;

/// <summary>Durations as people write them in a lifecycle: 90s, 30m, 24h, 2d (or a TimeSpan, 1.00:00:00).</summary>
public static partial class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        var match = Pattern().Match(text.Trim());
        if (match.Success)
        {
            var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            duration = match.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "s" => TimeSpan.FromSeconds(value),
                "m" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                _ => TimeSpan.FromDays(value),
            };
            return duration > TimeSpan.Zero;
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalDays % 1 == 0 ? $"{duration.TotalDays:0}d"
        : duration.TotalHours % 1 == 0 ? $"{duration.TotalHours:0}h"
        : duration.TotalMinutes % 1 == 0 ? $"{duration.TotalMinutes:0}m"
        : $"{duration.TotalSeconds:0}s";

    /// <summary>A duration for people: 42m, 3h 05m, 2d 4h.</summary>
    public static string Describe(TimeSpan duration) =>
        duration < TimeSpan.FromMinutes(1) ? "less than a minute"
        : duration < TimeSpan.FromHours(1) ? $"{(int)duration.TotalMinutes}m"
        : duration < TimeSpan.FromDays(1) ? $"{(int)duration.TotalHours}h {duration.Minutes:00}m"
        : $"{(int)duration.TotalDays}d {duration.Hours}h";

    [GeneratedRegex("^(?<value>[0-9]+(\\.[0-9]+)?)\\s*(?<unit>[smhdSMHD])$")]
    private static partial Regex Pattern();
}
