using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.ResourceManager;
using NvaFailover.Emulator.Scenarios;

namespace NvaFailover.Emulator.Tests;

/// <summary>An emulator on a fake scenario clock, loaded with the fixture topology, and an Azure.Core pipeline to talk to it.</summary>
public sealed class EmulatorHarness : IAsyncDisposable
{
    public const string Sub = "aaaaaaaa-1111-1111-1111-000000000001";
    public const string Sub2 = "aaaaaaaa-1111-1111-1111-000000000002";
    public const string NetworkApi = "api-version=2024-07-01";

    private EmulatorHarness(ArmEmulator emulator, TestClock clock, HttpPipeline pipeline)
    {
        Emulator = emulator;
        Clock = clock;
        Pipeline = pipeline;
    }

    public ArmEmulator Emulator { get; }
    public TestClock Clock { get; }
    public HttpPipeline Pipeline { get; }

    public static string Id(string kind, string name, string group = "rg-fw", string sub = Sub, string ns = "Microsoft.Network") =>
        $"/subscriptions/{sub}/resourceGroups/{group}/providers/{ns}/{kind}/{name}";

    public static string RouteTable(string name = "rt-spoke1") => Id("routeTables", name, "rg-spoke");

    public static async Task<EmulatorHarness> StartAsync(EmulatorOptions? options = null, int retries = 0)
    {
        var clock = new TestClock();
        options = (options ?? new EmulatorOptions()) with { Clock = clock };
        options = options with { Arm = options.Arm with { ReadLatency = TimeSpan.Zero } };
        var emulator = await ArmEmulator.StartAsync(options);
        emulator.Load(Scenario.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "topology.json")).Topology);
        var clientOptions = ClientOptions(emulator, retries);
        var pipeline = HttpPipelineBuilder.Build(clientOptions, new BearerTokenAuthenticationPolicy(new StaticToken(), "https://management.azure.com/.default"));
        return new EmulatorHarness(emulator, clock, pipeline);
    }

    public static ArmClientOptions ClientOptions(ArmEmulator emulator, int retries = 0)
    {
        var options = new ArmClientOptions
        {
            Environment = new ArmEnvironment(emulator.Endpoint, "https://management.azure.com/"),
            Transport = new HttpClientTransport(emulator.CreateHttpHandler()),
        };
        options.Retry.MaxRetries = retries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        options.Diagnostics.IsLoggingEnabled = false;
        options.Diagnostics.IsDistributedTracingEnabled = false;
        return options;
    }

    public ArmClient ArmClient(int retries = 0) => new(new StaticToken(), Sub, ClientOptions(Emulator, retries));

    public async Task<Reply> SendAsync(string method, string pathAndQuery, JsonNode? body = null, string? ifMatch = null, bool authenticate = true)
    {
        var pipeline = authenticate ? Pipeline : HttpPipelineBuilder.Build(ClientOptions(Emulator));
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Parse(method);
        message.Request.Uri.Reset(new Uri(Emulator.Endpoint, pathAndQuery.TrimStart('/')));
        if (body is not null)
        {
            message.Request.Headers.Add("Content-Type", "application/json");
            message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body.ToJsonString()));
        }

        if (ifMatch is not null)
        {
            message.Request.Headers.Add("If-Match", ifMatch);
        }

        await pipeline.SendAsync(message, CancellationToken.None);
        var response = message.Response;
        var text = response.Content.ToString();
        return new Reply(response.Status, response.Headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase), string.IsNullOrEmpty(text) ? null : JsonNode.Parse(text));
    }

    public async Task<Reply> GetAsync(string id, string query = NetworkApi) => await SendAsync("GET", $"{id}?{query}");

    public async Task<Reply> PutAsync(string id, JsonNode body, string? ifMatch = null) => await SendAsync("PUT", $"{id}?{NetworkApi}", body, ifMatch);

    public async ValueTask DisposeAsync() => await Emulator.DisposeAsync();

    public sealed record Reply(int Status, IReadOnlyDictionary<string, string> Headers, JsonNode? Body)
    {
        public string? ErrorCode => Body?["error"]?["code"]?.GetValue<string>();
        public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
        public JsonObject Json => (JsonObject)Body!;
    }

    private sealed class StaticToken : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("emulator-test-token", DateTimeOffset.MaxValue.AddDays(-1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
