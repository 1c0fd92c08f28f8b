namespace MoeOperator.Api.V1Alpha1;

/// <summary>The pipeline-parallel schedule.</summary>
public enum PipelineSchedule
{
    /// <summary>Bidirectional pipeline; rank r holds stages r and PP-1-r; needs an even pipeline size.</summary>
    DualPipe,

    /// <summary>DualPipe cut in half: the same bubble with half the devices holding two stages each.</summary>
    DualPipeV,

    /// <summary>The classic one-forward-one-backward schedule.</summary>
    OneFOneB,
}
