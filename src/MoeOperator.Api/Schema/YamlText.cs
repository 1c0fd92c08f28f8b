using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace MoeOperator.Api.Schema;

/// <summary>Converts between JSON and YAML text without changing key order, quoting strings that YAML would misread.</summary>
public static class YamlText
{
    private static readonly ISerializer _serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .DisableAliases()
        .WithEventEmitter(next => new MultilineAsLiteral(next))
        .Build();

    /// <summary>YAML text of a JSON document, keys in their JSON order.</summary>
    public static string FromJson(string json) => _serializer.Serialize(ToPlain(JsonNode.Parse(json)));

    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray array => array.Select(ToPlain).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => value.GetValue<string>(),
            System.Text.Json.JsonValueKind.True => true,
            System.Text.Json.JsonValueKind.False => false,
            _ => value.ToJsonString().Contains('.', StringComparison.Ordinal) || value.ToJsonString().Contains('e', StringComparison.OrdinalIgnoreCase)
                ? value.GetValue<double>()
                : value.GetValue<long>(),
        },
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    // File contents in ConfigMaps (TOML, scripts) read as they are written: a literal block, not folded lines.
    private sealed class MultilineAsLiteral(IEventEmitter next) : ChainedEventEmitter(next)
    {
        public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
        {
            if (eventInfo.Source.Value is string text && text.Contains('\n', StringComparison.Ordinal))
            {
                eventInfo.Style = ScalarStyle.Literal;
            }

            base.Emit(eventInfo, emitter);
        }
    }
}
