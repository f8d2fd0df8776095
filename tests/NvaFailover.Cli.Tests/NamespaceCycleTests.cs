using System.Reflection;
using System.Reflection.Emit;
using NvaFailover.Emulator;

namespace NvaFailover.Cli.Tests;

/// <summary>
/// Namespaces are layers: a namespace may use another only if that one never uses it back, directly or through a
/// third. The references are read from the compiled assemblies (signatures and IL), so a use through a parent namespace
/// that needs no <c>using</c> is seen too.
/// </summary>
public sealed class NamespaceCycleTests
{
    private static readonly Assembly[] Assemblies =
        [typeof(NvaFailover.Monitoring.FailoverMonitor).Assembly, typeof(NvaFailover.Azure.AzureConnection).Assembly, typeof(ArmEmulator).Assembly, typeof(NvafoCli).Assembly];

    [Fact]
    public void NoNamespaceInSrc_UsesItselfThroughAnother()
    {
        var graph = NamespaceGraph(Assemblies);
        var cycles = Cycles(graph).Select(c => string.Join(" -> ", c)).ToList();
        Assert.True(cycles.Count == 0, "namespace cycles (each namespace uses the next):\n" + string.Join("\n", cycles));
    }

    [Fact]
    public void TheCheck_FindsACycle()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"],
        };
        var cycle = Assert.Single(Cycles(graph));
        Assert.Equal(["A", "B", "C", "A"], cycle);
    }

    [Fact]
    public void TheGraph_SeesAUseInAMethodBody()
    {
        var graph = NamespaceGraph([typeof(NvafoCli).Assembly]);
        // Commands use the hosting namespace's console inside method bodies only.
        Assert.Contains("NvaFailover.Cli.Hosting", graph["NvaFailover.Cli.Commands"]);
    }

    [Fact]
    public void EmulatorNamespaces_FollowItsFolders()
    {
        var root = Path.Combine(Repository.Root, "src", "NvaFailover.Emulator");
        var wrong = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(root, f), Declared: File.ReadLines(f).FirstOrDefault(l => l.StartsWith("namespace ", StringComparison.Ordinal))))
            .Where(f => f.Declared is not null)
            .Where(f => f.Declared!.TrimEnd(';') != "namespace " + string.Join('.', new[] { "NvaFailover.Emulator" }.Concat(Path.GetDirectoryName(f.File)!.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))))
            .Select(f => $"{f.File}: {f.Declared}")
            .ToList();
        Assert.True(wrong.Count == 0, "files whose namespace is not their folder:\n" + string.Join("\n", wrong));
    }

    /// <summary>For each namespace of our types, the other namespaces of our types it references.</summary>
    private static Dictionary<string, HashSet<string>> NamespaceGraph(IEnumerable<Assembly> assemblies)
    {
        var ours = assemblies.ToHashSet();
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var assembly in ours)
        {
            foreach (var type in assembly.GetTypes().Where(IsWritten))
            {
                var from = type.Namespace ?? "";
                var uses = graph.TryGetValue(from, out var set) ? set : graph[from] = [];
                foreach (var used in References(type).Where(t => ours.Contains(t.Assembly) && IsWritten(t)).Select(t => t.Namespace ?? "").Where(n => n != from))
                {
                    uses.Add(used);
                }
            }
        }

        return graph;
    }

    /// <summary>Not a type the compiler adds at the top level (<c>&lt;PrivateImplementationDetails&gt;</c>), which every namespace may use.</summary>
    private static bool IsWritten(Type type) => type.IsNested || !type.Name.StartsWith('<');

    private const BindingFlags Declared = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;

    private static IEnumerable<Type> References(Type type)
    {
        var found = new List<Type>();
        if (type.BaseType is { } baseType)
        {
            found.Add(baseType);
        }

        found.AddRange(type.GetInterfaces());
        found.AddRange(type.GetFields(Declared).Select(f => f.FieldType));
        found.AddRange(type.GetProperties(Declared).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (method is MethodInfo info)
            {
                found.Add(info.ReturnType);
            }

            found.AddRange(method.GetParameters().Select(p => p.ParameterType));
            found.AddRange(BodyReferences(method));
        }

        return found.SelectMany(Flatten);
    }

    /// <summary>A type and its element and generic argument types (<c>List&lt;X&gt;[]</c> is X too).</summary>
    private static IEnumerable<Type> Flatten(Type type)
    {
        yield return type;
        if (type.HasElementType)
        {
            foreach (var inner in Flatten(type.GetElementType()!))
            {
                yield return inner;
            }
        }

        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            foreach (var inner in type.GetGenericArguments().SelectMany(Flatten))
            {
                yield return inner;
            }
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types a method body names: every type, method and field token in its IL.</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var genericTypes = method.DeclaringType!.IsGenericType ? method.DeclaringType.GetGenericArguments() : null;
        var genericMethods = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[i++]);
            }

            var opCode = OpCodesByValue[value];
            var operandSize = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                _ => 4,
            };
            if (opCode.OperandType is OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok)
            {
                var token = BitConverter.ToInt32(il, i);
                Type? used = null;
                try
                {
                    var member = method.Module.ResolveMember(token, genericTypes, genericMethods);
                    used = member as Type ?? member?.DeclaringType;
                }
                catch (ArgumentException)
                {
                    // a token into a generic context this reading cannot bind; its signature was read above
                }

                if (used is not null)
                {
                    yield return used;
                }
            }

            i += operandSize;
        }
    }

    /// <summary>Each cycle once, as the path from its first namespace (alphabetically) back to it.</summary>
    private static List<List<string>> Cycles(Dictionary<string, HashSet<string>> graph)
    {
        var cycles = new List<List<string>>();
        var seen = new HashSet<string>();
        foreach (var start in graph.Keys.Order(StringComparer.Ordinal))
        {
            // the shortest way back to start through namespaces after it in order, so a cycle is reported once
            var previous = new Dictionary<string, string>();
            var queue = new Queue<string>([start]);
            while (queue.Count > 0)
            {
                var at = queue.Dequeue();
                foreach (var next in graph.GetValueOrDefault(at, []).Order(StringComparer.Ordinal))
                {
                    if (next == start)
                    {
                        var path = new List<string> { start };
                        for (var n = at; n != start; n = previous[n])
                        {
                            path.Insert(1, n);
                        }

                        path.Add(start);
                        if (seen.Add(string.Join(">", path.Skip(1).Order(StringComparer.Ordinal))))
                        {
                            cycles.Add(path);
                        }

                        queue.Clear();
                        break;
                    }

                    if (string.CompareOrdinal(next, start) > 0 && next != start && previous.TryAdd(next, at))
                    {
                        queue.Enqueue(next);
                    }
                }
            }
        }

        return cycles;
    }
}
