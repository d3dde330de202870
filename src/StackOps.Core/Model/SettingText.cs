namespace StackOps.Core.Model;

/// <summary>A configuration value as implementations receive it: text as is, numbers and booleans invariant, lists and maps as JSON.</summary>
internal static class SettingText
{
    public static string Of(object value) => value switch
    {
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => System.Text.Json.JsonSerializer.Serialize(value),
    };
}
