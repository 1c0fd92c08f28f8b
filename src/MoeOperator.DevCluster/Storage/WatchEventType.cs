namespace MoeOperator.DevCluster.Storage;

/// <summary>The watch event types of the Kubernetes API.</summary>
public enum WatchEventType
{
    /// <summary>An object appeared.</summary>
    ADDED,

    /// <summary>An object changed.</summary>
    MODIFIED,

    /// <summary>An object is gone.</summary>
    DELETED,

    /// <summary>Only a resourceVersion: the stream is current up to it.</summary>
    BOOKMARK,

    /// <summary>The watch failed; the object is a Status.</summary>
    ERROR,
}
