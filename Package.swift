// swift-tools-version: 6.1
import PackageDescription

/// Tide: an elastic scheduler for GPU clusters.
///
/// Libraries with no I/O sit below the five executables of the spec; each
/// executable is one service (or the `cmd` client).
let package = Package(
    name: "tide",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cmd", targets: ["cmd"]),
        .executable(name: "training-service", targets: ["TrainingService"]),
        .executable(name: "resource-allocator", targets: ["ResourceAllocator"]),
        .executable(name: "scheduler", targets: ["PerGPUScheduler"]),
        .executable(name: "metrics-collector", targets: ["MetricsCollector"]),
        .library(name: "TideAllocation", targets: ["TideAllocation"]),
        .library(name: "TideSimulation", targets: ["TideSimulation"]),
        .library(name: "TideBroker", targets: ["TideBroker"]),
        .library(name: "TideStore", targets: ["TideStore"]),
        .library(name: "TideCore", targets: ["TideCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // Job spec: parsing and validation of tide/v1 TrainingJob and kubeflow.org/v1 MPIJob. No I/O.
        .target(name: "TideCore", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Pure decision core: snapshot in, decision out. No I/O, clocks or randomness.
        .target(name: "TideAllocation"),
        // Trace readers, the discrete-event simulator, its report and plots.
        .target(name: "TideSimulation", dependencies: ["TideAllocation"]),

        // The C libraries, found by pkg-config, and wrappers of their variadic calls.
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CMongoC", pkgConfig: "libmongoc-1.0", providers: [.apt(["libmongoc-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CShims", dependencies: ["CRabbitMQ"]),
        // RabbitMQ through rabbitmq-c: connections on their own threads, confirms, consumers, RPC.
        .target(
            name: "TideBroker",
            dependencies: ["CRabbitMQ", "CShims", .product(name: "Logging", package: "swift-log")]
        ),
        // MongoDB through libmongoc: a client pool, Codable documents, the spec's collections.
        .target(
            name: "TideStore",
            dependencies: ["CMongoC", .product(name: "Logging", package: "swift-log")]
        ),
        // Test-only: the servers `scripts/with-servers.sh` started, and private ones for restart tests.
        .target(name: "TideTestSupport", path: "Tests/TideTestSupport"),

        .executableTarget(
            name: "cmd",
            dependencies: [
                "TideAllocation", "TideSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "TrainingService"),
        .executableTarget(name: "ResourceAllocator"),
        .executableTarget(name: "PerGPUScheduler"),
        .executableTarget(name: "MetricsCollector"),
        // Test helper, not a product: a consumer the broker tests SIGKILL before it acks.
        .executableTarget(
            name: "tide-broker-probe",
            dependencies: ["TideBroker", .product(name: "Logging", package: "swift-log")]
        ),

        .testTarget(
            name: "TideAllocationTests",
            dependencies: [
                "TideAllocation",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        // TideStore only for the BSON round trip of parsed jobs; TideCore itself does not depend on it.
        .testTarget(
            name: "TideCoreTests",
            dependencies: [
                "TideCore", "TideStore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TideSimulationTests", dependencies: ["TideSimulation", "TideAllocation"],
            resources: [.copy("Fixtures")]),
        // Runs the built `cmd` executable as a separate process.
        .testTarget(name: "CmdTests", dependencies: ["cmd", "TideAllocation"]),
        // Depends on the probe so `swift build --build-tests` builds it next to the test binary.
        .testTarget(name: "TideBrokerTests", dependencies: ["TideBroker", "TideTestSupport", "tide-broker-probe"]),
        .testTarget(name: "TideStoreTests", dependencies: ["TideStore", "TideTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
