namespace MoeOperator.DevCluster.Catalog;

/// <summary>The built-in kinds the dev API server serves.</summary>
public static class BuiltinTypes
{
    /// <summary>Every built-in resource type.</summary>
    public static IReadOnlyList<ResourceType> All { get; } =
    [
        new("", "v1", "namespaces", "Namespace", false, ["ns"], HasStatus: true),
        new("", "v1", "pods", "Pod", true, ["po"], HasStatus: true) { Categories = ["all"] },
        new("", "v1", "services", "Service", true, ["svc"], HasStatus: true) { Categories = ["all"] },
        new("", "v1", "endpoints", "Endpoints", true, ["ep"]),
        new("", "v1", "configmaps", "ConfigMap", true, ["cm"]),
        new("", "v1", "secrets", "Secret", true, []),
        new("", "v1", "serviceaccounts", "ServiceAccount", true, ["sa"]),
        new("", "v1", "events", "Event", true, ["ev"]),
        new("", "v1", "nodes", "Node", false, ["no"], HasStatus: true),
        new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, ["pvc"], HasStatus: true),
        new("apps", "v1", "deployments", "Deployment", true, ["deploy"], HasStatus: true, HasScale: true) { Categories = ["all"] },
        new("apps", "v1", "replicasets", "ReplicaSet", true, ["rs"], HasStatus: true, HasScale: true) { Categories = ["all"] },
        new("apps", "v1", "statefulsets", "StatefulSet", true, ["sts"], HasStatus: true, HasScale: true) { Categories = ["all"] },
        new("apps", "v1", "daemonsets", "DaemonSet", true, ["ds"], HasStatus: true) { Categories = ["all"] },
        new("batch", "v1", "jobs", "Job", true, [], HasStatus: true) { Categories = ["all"] },
        new("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, ["hpa"], HasStatus: true) { Categories = ["all"] },
        new("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, ["hpa"], HasStatus: true) { Categories = ["all"], View = HorizontalPodAutoscalerV1View.Instance },
        new("coordination.k8s.io", "v1", "leases", "Lease", true, []),
        new("events.k8s.io", "v1", "events", "Event", true, ["ev"]) { View = EventsV1View.Instance },
        new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, ["pdb"], HasStatus: true),
        new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, []),
        new("rbac.authorization.k8s.io", "v1", "roles", "Role", true, []),
        new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, []),
        new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, []),
        new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, []),
        new("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, []) { Verbs = ["create"] },
        new("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false, []) { Verbs = ["create"] },
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, ["crd", "crds"], HasStatus: true),
    ];
}
