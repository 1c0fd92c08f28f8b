using System.ComponentModel.DataAnnotations;

namespace MoeOperator.Api.V1Alpha1;

/// <summary>Steps, batch and optimiser settings.</summary>
public sealed record TrainingSpec
{
    /// <summary>Optimiser steps to run.</summary>
    [Required, Range(1, 100000000)]
    public int Steps { get; set; }

    /// <summary>Sequences per step over all data-parallel ranks; a multiple of parallelism.data.</summary>
    [Range(1, 1048576)]
    public int GlobalBatchSize { get; set; } = 32;

    /// <summary>Tokens per sequence.</summary>
    [Range(1, 1048576)]
    public int SequenceLength { get; set; } = 1024;

    /// <summary>Peak learning rate.</summary>
    [Range(0.0, 1.0)]
    public double LearningRate { get; set; } = 3e-4;

    /// <summary>Steps of linear warm-up to the peak learning rate; a cosine decay to a tenth of it follows.</summary>
    [Range(0, 100000000)]
    public int WarmupSteps { get; set; }

    /// <summary>Seed for initialisation and data order; the same seed reproduces a run.</summary>
    [Range(0, long.MaxValue)]
    public long Seed { get; set; } = 42;
}
