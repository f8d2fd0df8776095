using System.Net;
using System.Text.Json.Nodes;

namespace NvaFailover.Emulator.Arm;

/// <summary>An ARM error answer: status and <c>{"error":{"code","message","details"}}</c>.</summary>
internal sealed class ArmError(HttpStatusCode status, string code, string message, IReadOnlyList<(string Code, string Message)>? details = null) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
    public string Code { get; } = code;
    public IReadOnlyList<(string Code, string Message)> Details { get; } = details ?? [];
    public TimeSpan? RetryAfter { get; init; }

    public JsonObject ToJson() => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = Code,
            ["message"] = Message,
            ["details"] = new JsonArray([.. Details.Select(d => (JsonNode)new JsonObject { ["code"] = d.Code, ["message"] = d.Message })]),
        },
    };

    public static ArmError NotFound(string id)
    {
        var parts = id.Split('/');
        var type = parts.Length >= 9 ? $"{parts[6]}/{parts[7]}/{parts[8]}" : id;
        var group = parts.Length >= 5 ? parts[4] : "";
        return new(HttpStatusCode.NotFound, "ResourceNotFound", $"The Resource '{type}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
    }

    public static ArmError BadRequest(string code, string message) => new(HttpStatusCode.BadRequest, code, message);
}
