/// What Tide reads of a node: its labels, whether it takes pods, its GPUs.
public struct KubeNode: Decodable, Sendable, Equatable {
    public struct Metadata: Decodable, Sendable, Equatable {
        public var name: String
        public var labels: [String: String]?
        public var resourceVersion: String?
    }

    public struct Spec: Decodable, Sendable, Equatable {
        public var unschedulable: Bool?
    }

    public struct Status: Decodable, Sendable, Equatable {
        public struct Condition: Decodable, Sendable, Equatable {
            public var type: String
            public var status: String
        }

        public var allocatable: [String: String]?
        public var conditions: [Condition]?
    }

    public var metadata: Metadata
    public var spec: Spec?
    public var status: Status?

    /// Ready, and not cordoned.
    public var isSchedulable: Bool {
        spec?.unschedulable != true && status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
    }

    /// Allocatable `nvidia.com/gpu`, or an error naming the node and the bad value.
    public func allocatableGPUs(resource: String = "nvidia.com/gpu") throws(KubeNodeError) -> Int {
        guard let text = status?.allocatable?[resource] else { return 0 }
        guard let quantity = try? Quantity(text), quantity.isInteger, let count = quantity.ceilingInteger, count >= 0,
            count <= 1024
        else {
            throw KubeNodeError(node: metadata.name, message: "\(resource) '\(text)' is not a whole number of GPUs")
        }
        return Int(count)
    }
}

/// A node whose description Tide cannot use; the node is left out, the rest go on.
public struct KubeNodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var node: String
    public var message: String

    public init(node: String, message: String) {
        self.node = node
        self.message = message
    }

    public var description: String { "node \(node): \(message)" }
}
