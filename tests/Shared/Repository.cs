namespace NvaFailover.Tests;

/// <summary>Paths of the repository and of ../shared beside it, from a test's output folder.</summary>
public static class Repository
{
    /// <summary>The folder that holds NvaFailover.sln.</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "NvaFailover.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("NvaFailover.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>A file under the repository root.</summary>
    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A file under ../shared; fails the test with a clear message when ../shared is not beside the repository.</summary>
    public static string Shared(params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([Root, "..", "shared", .. parts]));
        return System.IO.File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: the tests expect the shared folder beside the repository (../shared).", path);
    }
}
