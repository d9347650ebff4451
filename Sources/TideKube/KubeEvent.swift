import Foundation

/// A core/v1 Event about one object, as `kubectl describe` and `kubectl get
/// events` show it: on a pod ("Scheduled to node N by tide") or on a job
/// (`kind: TrainingJob`: "Pending: needs 4 GPUs, 2 free"). Pure.
public struct KubeEvent: Sendable, Equatable {
    public struct Object: Sendable, Equatable {
        public var apiVersion: String
        public var kind: String
        public var name: String

        public init(apiVersion: String, kind: String, name: String) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.name = name
        }

        public static func pod(_ name: String) -> Object { Object(apiVersion: "v1", kind: "Pod", name: name) }
        /// Tide's jobs are not Kubernetes objects; events name them as `tide/v1` TrainingJobs.
        public static func trainingJob(_ name: String) -> Object { Object(apiVersion: "tide/v1", kind: "TrainingJob", name: name) }
    }

    public var object: Object
    /// `Scheduled`, `Pending`, `Preempted`, `Resized`... (CamelCase, as Kubernetes' reasons are).
    public var reason: String
    public var message: String
    public var warning: Bool
    /// Seconds since 1970.
    public var time: Double

    public init(object: Object, reason: String, message: String, warning: Bool = false, time: Double) {
        self.object = object
        self.reason = reason
        self.message = message
        self.warning = warning
        self.time = time
    }

    /// The Event to POST in `namespace`, from `component` (`instance` names this replica).
    public func json(namespace: String, component: String, instance: String) throws -> Data {
        let date = Date(timeIntervalSince1970: time)
        let stamp = date.formatted(.iso8601)
        let micro = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        // Unique per object and time, as client-go names events (`<object>.<hex nanoseconds>`).
        let suffix = String(UInt64(max(time, 0) * 1e9), radix: 16)
        let body: [String: Any] = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": "\(object.name).\(suffix)", "namespace": namespace],
            "involvedObject": [
                "apiVersion": object.apiVersion, "kind": object.kind, "name": object.name, "namespace": namespace,
            ],
            "reason": reason, "message": String(message.prefix(1024)), "type": warning ? "Warning" : "Normal",
            "source": ["component": component], "reportingComponent": component, "reportingInstance": instance,
            "firstTimestamp": stamp, "lastTimestamp": stamp, "eventTime": micro, "action": reason, "count": 1,
        ]
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }
}

/// Posts events without holding up the caller: a bounded queue (the newest
/// 1,000 kept) drained by `run`. Events are advice: one that cannot be posted
/// is dropped after a warning from `failed`.
public final class KubeEventRecorder: Sendable {
    private let client: KubeClient
    private let namespace: String
    private let component: String
    private let instance: String
    private let queue: AsyncStream<KubeEvent>
    private let sink: AsyncStream<KubeEvent>.Continuation

    public init(client: KubeClient, namespace: String, component: String = "tide-scheduler", instance: String) {
        self.client = client
        self.namespace = namespace
        self.component = component
        self.instance = instance
        (queue, sink) = AsyncStream.makeStream(of: KubeEvent.self, bufferingPolicy: .bufferingNewest(1000))
    }

    /// Queues one event.
    public func record(_ event: KubeEvent) { sink.yield(event) }

    /// Posts queued events until `finish` or cancellation.
    public func run(failed: @Sendable (KubeEvent, any Error) async -> Void = { _, _ in }) async {
        for await event in queue {
            do {
                _ = try await client.send(
                    "POST", "/api/v1/namespaces/\(namespace)/events",
                    body: try event.json(namespace: namespace, component: component, instance: instance))
            } catch {
                await failed(event, error)
            }
        }
    }

    public func finish() { sink.finish() }
}
