using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using NvaFailover.Ports;

namespace NvaFailover.Azure;

/// <summary>
/// The witness in Azure Blob Storage: one blob per cluster (<c>{cluster}.json</c>) in Witness:ContainerUri. Its lease is
/// the right to write for the cluster; its content, written only under that lease, the cluster's flight record. The
/// container is reached with a SAS when its URI carries one, with Azurite's well-known development key on a loopback
/// <c>devstoreaccount1</c> address, and otherwise with the host's Entra ID identity (Storage Blob Data Contributor on the
/// container). Each watcher process proposes its own lease id, so a lease another process holds is refused (409) until
/// it lapses or is released.
/// </summary>
internal sealed class BlobWitness : IWitness
{
    /// <summary>Azurite's development account and its well-known key (published by Microsoft for the emulator; not a secret).</summary>
    private const string DevelopmentAccount = "devstoreaccount1";
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    private readonly BlobContainerClient _container;
    private readonly string _leaseId = Guid.NewGuid().ToString();
    private readonly Lock _lock = new();
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private Task? _created;

    public BlobWitness(Uri containerUri, TokenCredential credential, BlobClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(containerUri);
        options ??= new BlobClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        _container = IsSas(containerUri) ? new BlobContainerClient(containerUri, options)
            : IsDevelopment(containerUri) ? new BlobContainerClient(containerUri, new StorageSharedKeyCredential(DevelopmentAccount, DevelopmentKey), options)
            : new BlobContainerClient(containerUri, credential, options);
    }

    /// <summary>The container, for messages.</summary>
    public string Container => _container.Uri.GetLeftPart(UriPartial.Path);

    public async Task<bool> AcquireOrRenewAsync(string cluster, TimeSpan duration, CancellationToken cancellationToken)
    {
        var blob = await BlobAsync(cluster, cancellationToken);
        var lease = blob.GetBlobLeaseClient(_leaseId);
        bool held;
        lock (_lock)
        {
            held = _held.Contains(cluster);
        }

        try
        {
            if (held)
            {
                try
                {
                    await lease.RenewAsync(cancellationToken: cancellationToken);
                    return true;
                }
                catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.Conflict)
                {
                    // Lost (it lapsed and another took it, or it was broken): try to take it again below.
                }
            }

            await lease.AcquireAsync(duration, cancellationToken: cancellationToken);
            Hold(cluster, true);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.Conflict)
        {
            Hold(cluster, false);
            return false;
        }
        catch (Exception ex) when (IsStorageFailure(ex, cancellationToken))
        {
            throw Failure(ex, blob.Uri);
        }
    }

    public async Task<FlightRecord?> ReadAsync(string cluster, CancellationToken cancellationToken)
    {
        var blob = await BlobAsync(cluster, cancellationToken);
        try
        {
            var content = await blob.DownloadContentAsync(cancellationToken);
            var text = content.Value.Content.ToString();
            return string.IsNullOrWhiteSpace(text) || text.Trim() == "{}" ? null : JsonSerializer.Deserialize<FlightRecord>(text, Json);
        }
        catch (RequestFailedException ex) when (ex.Status == (int)HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (JsonException ex)
        {
            throw new GatewayException(GatewayFailure.Failed, blob.Uri.ToString(), null, $"the flight record is not valid JSON ({ex.Message}); delete the blob to start afresh", ex);
        }
        catch (Exception ex) when (IsStorageFailure(ex, cancellationToken))
        {
            throw Failure(ex, blob.Uri);
        }
    }

    public async Task WriteAsync(FlightRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var blob = await BlobAsync(record.Cluster, cancellationToken);
        try
        {
            await blob.UploadAsync(BinaryData.FromObjectAsJson(record, Json), new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { LeaseId = _leaseId },
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
        {
            Hold(record.Cluster, false);
            throw new GatewayException(GatewayFailure.Failed, blob.Uri.ToString(), ex.ErrorCode, "this watcher no longer holds the cluster's lease, so it may not write the flight record", ex);
        }
        catch (Exception ex) when (IsStorageFailure(ex, cancellationToken))
        {
            throw Failure(ex, blob.Uri);
        }
    }

    public async Task ReleaseAsync(string cluster, CancellationToken cancellationToken)
    {
        var blob = await BlobAsync(cluster, cancellationToken);
        Hold(cluster, false);
        try
        {
            await blob.GetBlobLeaseClient(_leaseId).ReleaseAsync(cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (IsStorageFailure(ex, cancellationToken))
        {
            throw Failure(ex, blob.Uri);
        }
    }

    /// <summary>What the storage client throws when storage refuses or cannot be reached (retries exhausted: an AggregateException).</summary>
    private static bool IsStorageFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is RequestFailedException or HttpRequestException or TimeoutException or AggregateException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static bool IsSas(Uri uri) => uri.Query.Contains("sig=", StringComparison.OrdinalIgnoreCase);

    private static bool IsDevelopment(Uri uri) =>
        uri.IsLoopback && uri.AbsolutePath.TrimStart('/').StartsWith(DevelopmentAccount + "/", StringComparison.Ordinal);

    private static GatewayException Failure(Exception ex, Uri blob)
    {
        var (failure, code, status) = ex switch
        {
            RequestFailedException { Status: 401 or 403 } r => (GatewayFailure.Forbidden, r.ErrorCode, $"answered HTTP {r.Status}"),
            RequestFailedException { Status: 0 } r => (GatewayFailure.Unreachable, r.ErrorCode, "did not answer"),
            RequestFailedException { Status: 429 or 503 } r => (GatewayFailure.Throttled, r.ErrorCode, $"answered HTTP {r.Status}"),
            RequestFailedException r => (GatewayFailure.Failed, r.ErrorCode, $"answered HTTP {r.Status}"),
            AggregateException { InnerExceptions: [.., RequestFailedException { Status: > 0 } r] } => (r.Status is 401 or 403 ? GatewayFailure.Forbidden : GatewayFailure.Failed, r.ErrorCode, $"answered HTTP {r.Status}"),
            _ => (GatewayFailure.Unreachable, null, "did not answer"),
        };
        var advice = failure == GatewayFailure.Forbidden
            ? "grant the identity Storage Blob Data Contributor on the container (infra/ does), or give a SAS with read, write and create"
            : "check the storage account's address and the network path to it";
        var detail = ex is AggregateException { InnerExceptions: [.., var last] } ? last.Message : ex.Message;
        return new GatewayException(failure, blob.GetLeftPart(UriPartial.Path), code, $"the witness at {blob.GetLeftPart(UriPartial.Path)} {status}: {FirstLine(detail)}; {advice}", ex);
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private void Hold(string cluster, bool held)
    {
        lock (_lock)
        {
            if (held)
            {
                _held.Add(cluster);
            }
            else
            {
                _held.Remove(cluster);
            }
        }
    }

    /// <summary>The cluster's blob, created (empty) when missing, in the container, created when missing.</summary>
    private async Task<BlobClient> BlobAsync(string cluster, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient($"{cluster}.json");
        try
        {
            Task created;
            lock (_lock)
            {
                created = _created is { IsFaulted: false, IsCanceled: false } ? _created : _created = _container.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            }

            await created.WaitAsync(cancellationToken);
            if (!_existing.ContainsKey(cluster))
            {
                try
                {
                    // Created only when missing: If-None-Match * never overwrites a record another watcher wrote.
                    await blob.UploadAsync(BinaryData.FromString("{}"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
                }
                catch (RequestFailedException ex) when (ex.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
                {
                    // It exists (a lease on it answers 412 too).
                }

                _existing[cluster] = true;
            }
        }
        catch (Exception ex) when (IsStorageFailure(ex, cancellationToken))
        {
            throw Failure(ex, blob.Uri);
        }

        return blob;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _existing = new(StringComparer.Ordinal);
}
