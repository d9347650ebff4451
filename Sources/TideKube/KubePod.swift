/// What Tide reads of a pod: its labels, node, GPU requests and how it ended.
public struct KubePod: Decodable, Sendable, Equatable {
    public struct Metadata: Decodable, Sendable, Equatable {
        public var name: String
        public var namespace: String?
        /// Tells apart pods of the same name (a worker started again after a stop).
        public var uid: String?
        public var labels: [String: String]?
        public var resourceVersion: String?
        public var deletionTimestamp: String?
    }

    public struct Container: Decodable, Sendable, Equatable {
        public struct Resources: Decodable, Sendable, Equatable {
            public var requests: [String: String]?
            public var limits: [String: String]?
        }

        public var name: String
        public var resources: Resources?
    }

    public struct Spec: Decodable, Sendable, Equatable {
        public var nodeName: String?
        public var containers: [Container]?
        public var initContainers: [Container]?
    }

    public struct Status: Decodable, Sendable, Equatable {
        public struct ContainerStatus: Decodable, Sendable, Equatable {
            public struct State: Decodable, Sendable, Equatable {
                public struct Terminated: Decodable, Sendable, Equatable {
                    public var exitCode: Int32
                    public var reason: String?
                    public var message: String?
                    public var signal: Int32?
                    /// RFC 3339.
                    public var finishedAt: String?
                }

                public struct Waiting: Decodable, Sendable, Equatable {
                    public var reason: String?
                    public var message: String?
                }

                public var terminated: Terminated?
                public var waiting: Waiting?
            }

            public var name: String
            public var state: State?
        }

        /// Pending, Running, Succeeded, Failed, Unknown.
        public var phase: String?
        public var reason: String?
        public var message: String?
        public var containerStatuses: [ContainerStatus]?
    }

    public var metadata: Metadata
    public var spec: Spec?
    public var status: Status?

    /// Succeeded or Failed: its resources are free again.
    public var hasEnded: Bool { status?.phase == "Succeeded" || status?.phase == "Failed" }

    /// GPUs the pod holds while it has not ended: its containers' requests
    /// (limits where no request is given), or its largest init container's if more,
    /// as the kubelet counts them. Unreadable amounts count as whole GPUs rounded up.
    public func gpuRequest(resource: String = "nvidia.com/gpu") -> Int {
        func amount(_ container: Container) -> Int {
            guard let text = container.resources?.requests?[resource] ?? container.resources?.limits?[resource],
                let quantity = try? Quantity(text), let count = quantity.ceilingInteger
            else { return 0 }
            return Int(max(count, 0))
        }
        let running = (spec?.containers ?? []).reduce(0) { $0 + amount($1) }
        let initial = (spec?.initContainers ?? []).map(amount).max() ?? 0
        return max(running, initial)
    }
}
