using System.Collections;
using System.Globalization;
using System.Net;
using MoeOperator.Contract;
using MoeOperator.Contract.Training;
using MoeOperator.Worker.Ep;

namespace MoeOperator.Worker.Training;

/// <summary>What the TrainingJob controller tells a pod through its environment (<see cref="TrainingWorkerEnvironment"/>).</summary>
public sealed record TrainSettings(TrainingConfigDocument Config, int Rank, string MasterAddress, int MasterPort, IPAddress PodAddress)
{
    public int MetricsPort { get; init; }

    public int Attempt { get; init; }

    public string? PodName { get; init; }

    public string? PodNamespace { get; init; }

    public string? NodeName { get; init; }

    /// <exception cref="WorkerConfigurationException">A variable is missing or malformed; the message names it.</exception>
    public static TrainSettings From(IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        string? Text(string name) => environment[name] as string is { Length: > 0 } value ? value : null;
        string Required(string name) => Text(name) ?? throw new WorkerConfigurationException($"{name} is not set; the TrainingJob controller sets it on training pods (set it by hand to run the worker outside one, or use --local)");
        int Number(string name, int? fallback, int min)
        {
            var text = fallback is null ? Required(name) : Text(name);
            if (text is null)
            {
                return fallback!.Value;
            }

            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
                ? value
                : throw new WorkerConfigurationException($"{name}={text} is not an integer >= {min}");
        }

        TrainingConfigDocument config;
        try
        {
            config = TrainingConfigDocument.Parse(Required(TrainingWorkerEnvironment.Config));
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new WorkerConfigurationException($"{TrainingWorkerEnvironment.Config} is not a training config document: {e.Message}");
        }

        var rank = Number(TrainingWorkerEnvironment.Rank, null, 0);
        var world = config.Pipeline * config.Data;
        if (rank >= world)
        {
            throw new WorkerConfigurationException($"{TrainingWorkerEnvironment.Rank}={rank} is outside the job's {world} ranks (pipeline {config.Pipeline} x data {config.Data})");
        }

        var master = Required(WorkerEnvironment.MasterAddress);
        var port = Number(WorkerEnvironment.MasterPort, null, 1);
        var address = Text(WorkerEnvironment.PodIP) ?? "127.0.0.1";
        return new TrainSettings(
            config,
            rank,
            master,
            port,
            IPAddress.TryParse(address, out var ip) ? ip : throw new WorkerConfigurationException($"{WorkerEnvironment.PodIP}={address} is not an IP address"))
        {
            MetricsPort = Number(WorkerEnvironment.MetricsPort, 0, 0),
            Attempt = Number(WorkerEnvironment.RestartAttempt, 0, 0),
            PodName = Text(WorkerEnvironment.PodName),
            PodNamespace = Text(WorkerEnvironment.PodNamespace),
            NodeName = Text(WorkerEnvironment.NodeName),
        };
    }
}
