namespace NvaFailover.Tests;

/// <summary>Paths of the repository, from a test's output folder. Tests never read outside it: a user's clone is all they have.</summary>
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
}
