import ArgumentParser
import Foundation

/// `--mongo-uri` and `--database`, shared by the services that keep state.
public struct StoreOptions: ParsableArguments {
    @Option(help: "MongoDB URI (default: TIDE_MONGO_URI, else mongodb://127.0.0.1:27017).")
    public var mongoURI: String?

    @Option(help: "MongoDB database.")
    public var database = "tide"

    public init() {}

    /// The flag, else `TIDE_MONGO_URI`, else the local default.
    public var uri: String {
        mongoURI ?? ProcessInfo.processInfo.environment["TIDE_MONGO_URI"] ?? "mongodb://127.0.0.1:27017"
    }
}

/// `--amqp-uri`, shared by every service.
public struct BrokerOptions: ParsableArguments {
    @Option(help: "RabbitMQ URI (default: TIDE_AMQP_URI, else amqp://guest:guest@127.0.0.1:5672/).")
    public var amqpURI: String?

    public init() {}

    /// The flag, else `TIDE_AMQP_URI`, else the local default.
    public var uri: String {
        amqpURI ?? ProcessInfo.processInfo.environment["TIDE_AMQP_URI"] ?? "amqp://guest:guest@127.0.0.1:5672/"
    }
}

/// `--kubeconfig`, `--kube-context` and `--namespace`, shared by the services that talk to
/// the Kubernetes API (the scheduler's backend, the training service's pod logs). Unset,
/// each falls back as `KubeConnection.resolve` says.
public struct KubernetesOptions: ParsableArguments {
    @Option(help: "Kubernetes: the kubeconfig (default: KUBECONFIG, else the pod's service account, else ~/.kube/config).")
    public var kubeconfig: String?

    @Option(help: "Kubernetes: the kubeconfig context (default: its current-context).")
    public var kubeContext: String?

    @Option(help: "Kubernetes: the namespace of worker pods, their events and the Lease (default: the configuration's).")
    public var namespace: String?

    public init() {}
}
