namespace MoeOperator.DevCluster.Protobuf;

/// <summary>
/// The Kubernetes protobuf messages the dev server reads, described once as text: field numbers from k8s.io/api and
/// apimachinery, JSON names as the API spells them. One line per message, <c>Name: field=number[:type] ...</c>, where
/// a type is a scalar (string, bytes, int32, int64, bool; <c>bool?</c> for Go's *bool, whose explicit false is kept;
/// an int is omitempty, <c>int32?</c> a pointer and <c>int32!</c> a required number, both of whose 0 is kept),
/// an apimachinery wrapper (Time, Quantity, IntOrString, RawJSON: JSON held as bytes, such as fieldsV1), a map (map: string to string, bytesmap: to base64,
/// quantitymap: to quantities), another message, <c>[type]</c> for a repeated field, or <c>^Message</c> for an
/// embedded struct whose fields JSON inlines (a Volume's source, a key selector's LocalObjectReference). A field not
/// described fails the request with its number and message rather than being dropped.
/// </summary>
internal static class MessageDescriptions
{
    /// <summary>The kinds a protobuf body may carry, and the message each is; "apiVersion kind" where versions differ.</summary>
    public static IReadOnlyDictionary<string, string> Kinds { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Secret"] = "Secret",
        ["ConfigMap"] = "ConfigMap",
        ["Namespace"] = "Namespace",
        ["DeleteOptions"] = "DeleteOptions",
        ["Status"] = "Status",
        ["Pod"] = "Pod",
        ["Service"] = "Service",
        ["ServiceAccount"] = "ServiceAccount",
        ["Deployment"] = "Deployment",
        ["StatefulSet"] = "StatefulSet",
        ["DaemonSet"] = "DaemonSet",
        ["ReplicaSet"] = "ReplicaSet",
        ["PersistentVolumeClaim"] = "PersistentVolumeClaim",
        ["Job"] = "Job",
        ["PodDisruptionBudget"] = "PodDisruptionBudget",
        ["Role"] = "Role",
        ["ClusterRole"] = "ClusterRole",
        ["RoleBinding"] = "RoleBinding",
        ["ClusterRoleBinding"] = "RoleBinding",
        ["autoscaling/v2 HorizontalPodAutoscaler"] = "HorizontalPodAutoscaler",
        ["autoscaling/v1 HorizontalPodAutoscaler"] = "HorizontalPodAutoscalerV1",
        ["SelfSubjectAccessReview"] = "SelfSubjectAccessReview",
        ["SelfSubjectRulesReview"] = "SelfSubjectRulesReview",
        ["TokenRequest"] = "TokenRequest",
    };

    /// <summary>The message a kind is, looked up by "apiVersion kind" first, then by kind; null for a kind not described.</summary>
    public static string? MessageOf(string? apiVersion, string? kind) =>
        Kinds.GetValueOrDefault($"{apiVersion} {kind}") ?? Kinds.GetValueOrDefault(kind ?? "");

    public const string Text = """
        ObjectMeta: name=1 generateName=2 namespace=3 selfLink=4 uid=5 resourceVersion=6 generation=7:int64 creationTimestamp=8:Time deletionTimestamp=9:Time deletionGracePeriodSeconds=10:int64? labels=11:map annotations=12:map ownerReferences=13:[OwnerReference] finalizers=14:[string] managedFields=17:[ManagedFieldsEntry]
        ManagedFieldsEntry: manager=1 operation=2 apiVersion=3 time=4:Time fieldsType=6 fieldsV1=7:RawJSON subresource=8
        OwnerReference: kind=1 name=3 uid=4 apiVersion=5 controller=6:bool? blockOwnerDeletion=7:bool?
        LabelSelector: matchLabels=1:map matchExpressions=2:[LabelSelectorRequirement]
        LabelSelectorRequirement: key=1 operator=2 values=3:[string]
        Condition: type=1 status=2 observedGeneration=3:int64 lastTransitionTime=4:Time reason=5 message=6
        DeleteOptions: gracePeriodSeconds=1:int64? preconditions=2:Preconditions orphanDependents=3:bool? propagationPolicy=4 dryRun=5:[string] ignoreStoreReadErrorWithClusterBreakingPotential=6:bool
        Preconditions: uid=1 resourceVersion=2
        ListMeta: selfLink=1 resourceVersion=2 continue=3 remainingItemCount=4:int64?
        Status: metadata=1:ListMeta status=2 message=3 reason=4 details=5:StatusDetails code=6:int32
        StatusDetails: name=1 group=2 kind=3 causes=4:[StatusCause] retryAfterSeconds=5:int32 uid=6
        StatusCause: reason=1 message=2 field=3

        Secret: metadata=1:ObjectMeta data=2:bytesmap type=3 stringData=4:map immutable=5:bool?
        ConfigMap: metadata=1:ObjectMeta data=2:map binaryData=3:bytesmap immutable=4:bool?
        Namespace: metadata=1:ObjectMeta spec=2:NamespaceSpec status=3:NamespaceStatus
        NamespaceSpec: finalizers=1:[string]
        NamespaceStatus: phase=1
        ServiceAccount: metadata=1:ObjectMeta secrets=2:[ObjectReference] imagePullSecrets=3:[LocalObjectReference] automountServiceAccountToken=4:bool?
        ObjectReference: kind=1 namespace=2 name=3 uid=4 apiVersion=5 resourceVersion=6 fieldPath=7
        LocalObjectReference: name=1

        Pod: metadata=1:ObjectMeta spec=2:PodSpec status=3:PodStatus
        PodStatus: phase=1 message=3 reason=4 hostIP=5 podIP=6 startTime=7:Time qosClass=9 nominatedNodeName=11
        PodTemplateSpec: metadata=1:ObjectMeta spec=2:PodSpec
        PodSpec: volumes=1:[Volume] containers=2:[Container] restartPolicy=3 terminationGracePeriodSeconds=4:int64? activeDeadlineSeconds=5:int64? dnsPolicy=6 nodeSelector=7:map serviceAccountName=8 serviceAccount=9 nodeName=10 hostNetwork=11:bool hostPID=12:bool hostIPC=13:bool imagePullSecrets=15:[LocalObjectReference] hostname=16 subdomain=17 schedulerName=19 initContainers=20:[Container] automountServiceAccountToken=21:bool? tolerations=22:[Toleration] priorityClassName=24 priority=25:int32? readinessGates=28:[PodReadinessGate] runtimeClassName=29 enableServiceLinks=30:bool? preemptionPolicy=31 overhead=32:quantitymap setHostnameAsFQDN=35:bool?
        PodReadinessGate: conditionType=1
        Toleration: key=1 operator=2 value=3 effect=4 tolerationSeconds=5:int64?
        Container: name=1 image=2 command=3:[string] args=4:[string] workingDir=5 ports=6:[ContainerPort] env=7:[EnvVar] resources=8:ResourceRequirements volumeMounts=9:[VolumeMount] livenessProbe=10:Probe readinessProbe=11:Probe terminationMessagePath=13 imagePullPolicy=14 stdin=16:bool stdinOnce=17:bool tty=18:bool envFrom=19:[EnvFromSource] terminationMessagePolicy=20 startupProbe=22:Probe restartPolicy=24
        ContainerPort: name=1 hostPort=2:int32 containerPort=3:int32! protocol=4 hostIP=5
        EnvVar: name=1 value=2 valueFrom=3:EnvVarSource
        EnvVarSource: fieldRef=1:ObjectFieldSelector resourceFieldRef=2:ResourceFieldSelector configMapKeyRef=3:ConfigMapKeySelector secretKeyRef=4:SecretKeySelector
        ObjectFieldSelector: apiVersion=1 fieldPath=2
        ResourceFieldSelector: containerName=1 resource=2 divisor=3:Quantity
        ConfigMapKeySelector: localObjectReference=1:^LocalObjectReference key=2 optional=3:bool?
        SecretKeySelector: localObjectReference=1:^LocalObjectReference key=2 optional=3:bool?
        EnvFromSource: prefix=1 configMapRef=2:ConfigMapEnvSource secretRef=3:SecretEnvSource
        ConfigMapEnvSource: localObjectReference=1:^LocalObjectReference optional=2:bool?
        SecretEnvSource: localObjectReference=1:^LocalObjectReference optional=2:bool?
        ResourceRequirements: limits=1:quantitymap requests=2:quantitymap
        VolumeMount: name=1 readOnly=2:bool mountPath=3 subPath=4 mountPropagation=5 subPathExpr=6
        Volume: name=1 volumeSource=2:^VolumeSource
        VolumeSource: hostPath=1:HostPathVolumeSource emptyDir=2:EmptyDirVolumeSource secret=6:SecretVolumeSource persistentVolumeClaim=10:PersistentVolumeClaimVolumeSource configMap=19:ConfigMapVolumeSource
        HostPathVolumeSource: path=1 type=2
        EmptyDirVolumeSource: medium=1 sizeLimit=2:Quantity
        SecretVolumeSource: secretName=1 items=2:[KeyToPath] defaultMode=3:int32? optional=4:bool?
        ConfigMapVolumeSource: localObjectReference=1:^LocalObjectReference items=2:[KeyToPath] defaultMode=3:int32? optional=4:bool?
        PersistentVolumeClaimVolumeSource: claimName=1 readOnly=2:bool
        KeyToPath: key=1 path=2 mode=3:int32?
        Probe: handler=1:^ProbeHandler initialDelaySeconds=2:int32 timeoutSeconds=3:int32 periodSeconds=4:int32 successThreshold=5:int32 failureThreshold=6:int32 terminationGracePeriodSeconds=7:int64?
        ProbeHandler: exec=1:ExecAction httpGet=2:HTTPGetAction tcpSocket=3:TCPSocketAction
        ExecAction: command=1:[string]
        HTTPGetAction: path=1 port=2:IntOrString host=3 scheme=4 httpHeaders=5:[HTTPHeader]
        HTTPHeader: name=1 value=2
        TCPSocketAction: port=1:IntOrString host=2

        Service: metadata=1:ObjectMeta spec=2:ServiceSpec status=3:ServiceStatus
        ServiceSpec: ports=1:[ServicePort] selector=2:map clusterIP=3 type=4 externalIPs=5:[string] sessionAffinity=7 loadBalancerIP=8 loadBalancerSourceRanges=9:[string] externalName=10 externalTrafficPolicy=11 healthCheckNodePort=12:int32 publishNotReadyAddresses=13:bool ipFamilyPolicy=17 clusterIPs=18:[string] ipFamilies=19:[string] allocateLoadBalancerNodePorts=20:bool? loadBalancerClass=21 internalTrafficPolicy=22
        ServicePort: name=1 protocol=2 port=3:int32! targetPort=4:IntOrString nodePort=5:int32 appProtocol=6
        ServiceStatus: loadBalancer=1:LoadBalancerStatus conditions=2:[Condition]
        LoadBalancerStatus: ingress=1:[LoadBalancerIngress]
        LoadBalancerIngress: ip=1 hostname=2

        Deployment: metadata=1:ObjectMeta spec=2:DeploymentSpec status=3:DeploymentStatus
        DeploymentSpec: replicas=1:int32? selector=2:LabelSelector template=3:PodTemplateSpec strategy=4:DeploymentStrategy minReadySeconds=5:int32 revisionHistoryLimit=6:int32? paused=7:bool progressDeadlineSeconds=9:int32?
        DeploymentStrategy: type=1 rollingUpdate=2:RollingUpdateDeployment
        RollingUpdateDeployment: maxUnavailable=1:IntOrString maxSurge=2:IntOrString
        DeploymentStatus: observedGeneration=1:int64 replicas=2:int32 updatedReplicas=3:int32 availableReplicas=4:int32 unavailableReplicas=5:int32 conditions=6:[DeploymentCondition] readyReplicas=7:int32 collisionCount=8:int32? terminatingReplicas=9:int32?
        DeploymentCondition: type=1 status=2 reason=4 message=5 lastUpdateTime=6:Time lastTransitionTime=7:Time

        StatefulSet: metadata=1:ObjectMeta spec=2:StatefulSetSpec status=3:StatefulSetStatus
        StatefulSetSpec: replicas=1:int32? selector=2:LabelSelector template=3:PodTemplateSpec volumeClaimTemplates=4:[PersistentVolumeClaim] serviceName=5 podManagementPolicy=6 updateStrategy=7:StatefulSetUpdateStrategy revisionHistoryLimit=8:int32? minReadySeconds=9:int32 persistentVolumeClaimRetentionPolicy=10:StatefulSetPersistentVolumeClaimRetentionPolicy ordinals=11:StatefulSetOrdinals
        StatefulSetUpdateStrategy: type=1 rollingUpdate=2:RollingUpdateStatefulSetStrategy
        RollingUpdateStatefulSetStrategy: partition=1:int32? maxUnavailable=2:IntOrString
        StatefulSetPersistentVolumeClaimRetentionPolicy: whenDeleted=1 whenScaled=2
        StatefulSetOrdinals: start=1:int32!
        StatefulSetStatus: observedGeneration=1:int64 replicas=2:int32! readyReplicas=3:int32 currentReplicas=4:int32 updatedReplicas=5:int32 currentRevision=6 updateRevision=7 collisionCount=9:int32? conditions=10:[WorkloadCondition] availableReplicas=11:int32!
        WorkloadCondition: type=1 status=2 lastTransitionTime=3:Time reason=4 message=5

        DaemonSet: metadata=1:ObjectMeta spec=2:DaemonSetSpec status=3:DaemonSetStatus
        DaemonSetSpec: selector=1:LabelSelector template=2:PodTemplateSpec updateStrategy=3:DaemonSetUpdateStrategy minReadySeconds=4:int32 revisionHistoryLimit=6:int32?
        DaemonSetUpdateStrategy: type=1 rollingUpdate=2:RollingUpdateDaemonSet
        RollingUpdateDaemonSet: maxUnavailable=1:IntOrString maxSurge=2:IntOrString
        DaemonSetStatus: currentNumberScheduled=1:int32! numberMisscheduled=2:int32! desiredNumberScheduled=3:int32! numberReady=4:int32! observedGeneration=5:int64 updatedNumberScheduled=6:int32 numberAvailable=7:int32 numberUnavailable=8:int32 collisionCount=9:int32? conditions=10:[WorkloadCondition]

        ReplicaSet: metadata=1:ObjectMeta spec=2:ReplicaSetSpec status=3:ReplicaSetStatus
        ReplicaSetSpec: replicas=1:int32? selector=2:LabelSelector template=3:PodTemplateSpec minReadySeconds=4:int32
        ReplicaSetStatus: replicas=1:int32! fullyLabeledReplicas=2:int32 observedGeneration=3:int64 readyReplicas=4:int32 availableReplicas=5:int32 conditions=6:[WorkloadCondition]

        PersistentVolumeClaim: metadata=1:ObjectMeta spec=2:PersistentVolumeClaimSpec status=3:PersistentVolumeClaimStatus
        PersistentVolumeClaimSpec: accessModes=1:[string] resources=2:ResourceRequirements volumeName=3 selector=4:LabelSelector storageClassName=5 volumeMode=6 dataSource=7:TypedLocalObjectReference dataSourceRef=8:TypedObjectReference
        TypedLocalObjectReference: apiGroup=1 kind=2 name=3
        TypedObjectReference: apiGroup=1 kind=2 name=3 namespace=4
        PersistentVolumeClaimStatus: phase=1 accessModes=2:[string] capacity=3:quantitymap conditions=4:[PersistentVolumeClaimCondition] allocatedResources=5:quantitymap
        PersistentVolumeClaimCondition: type=1 status=2 lastProbeTime=3:Time lastTransitionTime=4:Time reason=5 message=6

        Job: metadata=1:ObjectMeta spec=2:JobSpec status=3:JobStatus
        JobSpec: parallelism=1:int32? completions=2:int32? activeDeadlineSeconds=3:int64? selector=4:LabelSelector manualSelector=5:bool? template=6:PodTemplateSpec backoffLimit=7:int32? ttlSecondsAfterFinished=8:int32? completionMode=9 suspend=10:bool?
        JobStatus: conditions=1:[JobCondition] startTime=2:Time completionTime=3:Time active=4:int32 succeeded=5:int32 failed=6:int32 completedIndexes=7 uncountedTerminatedPods=8:UncountedTerminatedPods ready=9:int32? failedIndexes=10 terminating=11:int32?
        JobCondition: type=1 status=2 lastProbeTime=3:Time lastTransitionTime=4:Time reason=5 message=6
        UncountedTerminatedPods: succeeded=1:[string] failed=2:[string]

        PodDisruptionBudget: metadata=1:ObjectMeta spec=2:PodDisruptionBudgetSpec status=3:PodDisruptionBudgetStatus
        PodDisruptionBudgetSpec: minAvailable=1:IntOrString selector=2:LabelSelector maxUnavailable=3:IntOrString unhealthyPodEvictionPolicy=4
        PodDisruptionBudgetStatus: observedGeneration=1:int64 disruptionsAllowed=3:int32! currentHealthy=4:int32! desiredHealthy=5:int32! expectedPods=6:int32!

        Role: metadata=1:ObjectMeta rules=2:[PolicyRule]
        ClusterRole: metadata=1:ObjectMeta rules=2:[PolicyRule] aggregationRule=3:AggregationRule
        AggregationRule: clusterRoleSelectors=1:[LabelSelector]
        PolicyRule: verbs=1:[string] apiGroups=2:[string] resources=3:[string] resourceNames=4:[string] nonResourceURLs=5:[string]
        RoleBinding: metadata=1:ObjectMeta subjects=2:[Subject] roleRef=3:RoleRef
        Subject: kind=1 apiGroup=2 name=3 namespace=4
        RoleRef: apiGroup=1 kind=2 name=3

        HorizontalPodAutoscaler: metadata=1:ObjectMeta spec=2:HorizontalPodAutoscalerSpec status=3:HorizontalPodAutoscalerStatus
        HorizontalPodAutoscalerSpec: scaleTargetRef=1:CrossVersionObjectReference minReplicas=2:int32? maxReplicas=3:int32! metrics=4:[MetricSpec] behavior=5:HorizontalPodAutoscalerBehavior
        HorizontalPodAutoscalerStatus: observedGeneration=1:int64? lastScaleTime=2:Time currentReplicas=3:int32 desiredReplicas=4:int32!
        CrossVersionObjectReference: kind=1 name=2 apiVersion=3
        MetricSpec: type=1 resource=4:ResourceMetricSource
        ResourceMetricSource: name=1 target=2:MetricTarget
        MetricTarget: type=1 value=2:Quantity averageValue=3:Quantity averageUtilization=4:int32?
        HorizontalPodAutoscalerBehavior: scaleUp=1:HPAScalingRules scaleDown=2:HPAScalingRules
        HPAScalingRules: selectPolicy=1 policies=2:[HPAScalingPolicy] stabilizationWindowSeconds=3:int32?
        HPAScalingPolicy: type=1 value=2:int32! periodSeconds=3:int32!
        HorizontalPodAutoscalerV1: metadata=1:ObjectMeta spec=2:HorizontalPodAutoscalerSpecV1 status=3:HorizontalPodAutoscalerStatusV1
        HorizontalPodAutoscalerSpecV1: scaleTargetRef=1:CrossVersionObjectReference minReplicas=2:int32? maxReplicas=3:int32! targetCPUUtilizationPercentage=4:int32?
        HorizontalPodAutoscalerStatusV1: observedGeneration=1:int64? lastScaleTime=2:Time currentReplicas=3:int32! desiredReplicas=4:int32! currentCPUUtilizationPercentage=5:int32?

        SelfSubjectAccessReview: metadata=1:ObjectMeta spec=2:SelfSubjectAccessReviewSpec status=3:SubjectAccessReviewStatus
        SelfSubjectAccessReviewSpec: resourceAttributes=1:ResourceAttributes nonResourceAttributes=2:NonResourceAttributes
        ResourceAttributes: namespace=1 verb=2 group=3 version=4 resource=5 subresource=6 name=7
        NonResourceAttributes: path=1 verb=2
        SubjectAccessReviewStatus: allowed=1:bool reason=2 evaluationError=3 denied=4:bool
        SelfSubjectRulesReview: metadata=1:ObjectMeta spec=2:SelfSubjectRulesReviewSpec status=3:SubjectRulesReviewStatus
        SelfSubjectRulesReviewSpec: namespace=1
        SubjectRulesReviewStatus: incomplete=3:bool evaluationError=4
        TokenRequest: metadata=1:ObjectMeta spec=2:TokenRequestSpec status=3:TokenRequestStatus
        TokenRequestSpec: audiences=1:[string] boundObjectRef=3:BoundObjectReference expirationSeconds=4:int64?
        BoundObjectReference: kind=1 apiVersion=2 name=3 uid=4
        TokenRequestStatus: token=1 expirationTimestamp=2:Time
        """;
}
