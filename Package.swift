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
        .library(name: "TideJobs", targets: ["TideJobs"]),
        .library(name: "TideAPI", targets: ["TideAPI"]),
        .library(name: "TideHTTP", targets: ["TideHTTP"]),
        .library(name: "TideBackend", targets: ["TideBackend"]),
        .library(name: "TideLocalBackend", targets: ["TideLocalBackend"]),
        // Started by the local backend for each worker; installed next to `scheduler`.
        .executable(name: "tide-worker-shim", targets: ["tide-worker-shim"]),
        .library(name: "TideAllocatorService", targets: ["TideAllocatorService"]),
        .library(name: "TideScheduler", targets: ["TideScheduler"]),
        .library(name: "TideMetrics", targets: ["TideMetrics"]),
        .library(name: "TideStack", targets: ["TideStack"]),
        .library(name: "TideKube", targets: ["TideKube"]),
        .library(name: "TideKubeBackend", targets: ["TideKubeBackend"]),
        // A free loopback port, for tests and the benchmarks that start servers.
        .library(name: "TidePorts", targets: ["TidePorts"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
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
        .target(name: "CShims", dependencies: ["CRabbitMQ", "CCurl"]),
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
        // Jobs as the services store them: StoredJob in the job store, job events, the outbox flag.
        .target(
            name: "TideJobs",
            dependencies: ["TideCore", "TideStore", .product(name: "Crypto", package: "swift-crypto")]),
        // HTTP over libcurl, each transfer on a thread of its own: the command-line client and the Kubernetes client.
        .target(name: "TideHTTP", dependencies: ["CCurl", "CShims"]),
        // The training service's HTTP API: routes, handlers, authentication, metrics, the outbox.
        .target(
            name: "TideAPI",
            dependencies: [
                "TideCore", "TideStore", "TideBroker", "TideJobs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/openapi.yaml")]
        ),
        // The cluster backend interface the scheduler drives: start and stop workers, their exits, adoption.
        .target(name: "TideBackend", dependencies: ["TideCore"]),
        // What every service serves besides its work: health, readiness and metrics routes.
        .target(
            name: "TideServiceKit",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // posix_spawn with a clean signal mask, a new session and no inherited descriptors.
        .target(name: "CLocalSpawn"),
        // The local backend: workers as processes on this machine, each under tide-worker-shim.
        .target(
            name: "TideLocalBackend",
            dependencies: ["TideBackend", "CLocalSpawn", .product(name: "Logging", package: "swift-log")]
        ),
        // The Kubernetes API as Tide uses it: configuration, quantities, errors (issue 6).
        .target(name: "TideKube", dependencies: ["TideHTTP", "TideBackend", "TideCore", .product(name: "Yams", package: "Yams")]),
        // Workers as pods, nodes mirrored from the cluster, one active scheduler per GPU type (issue 6).
        .target(
            name: "TideKubeBackend",
            dependencies: [
                "TideKube", "TideBackend", "TideCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The local stack of `cmd up`: its parts, their supervisor, its status.
        .target(
            name: "TideStack",
            dependencies: [
                "TideLocalBackend", "TideHTTP", "CLocalSpawn", "TidePorts",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // In C: runs one worker in a session of its own and records its pid, start and exit.
        .executableTarget(name: "tide-worker-shim"),
        // The allocator service: the allocation library behind the RPC queue, its metrics and probes.
        .target(
            name: "TideAllocatorService",
            dependencies: [
                "TideAllocation", "TideBroker", "TideServiceKit",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The per-GPU scheduler: snapshot building, round plans and exit judgement (pure), and the
        // actor and service that drive the allocator, the store and a cluster backend.
        .target(
            name: "TideScheduler",
            dependencies: [
                "TideAllocation", "TideBackend", "TideBroker", "TideCore", "TideJobs", "TideStore", "TideServiceKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The metrics collector's pure part: progress histories, the speedup fit, estimates, metrics CSV files.
        .target(name: "TideMetrics", dependencies: ["TideJobs"]),
        // Test-only: the servers `scripts/with-servers.sh` started, and private ones for restart tests.
        .target(name: "TideTestSupport", dependencies: ["TidePorts"], path: "Tests/TideTestSupport"),
        // A loopback port nothing listens on: shared by the tests and the benchmarks (a product, unlike TideTestSupport).
        .target(name: "TidePorts"),

        .executableTarget(
            name: "cmd",
            dependencies: [
                "TideAllocation", "TideSimulation", "TideCore", "TideHTTP", "TideStack", "TidePorts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "TrainingService",
            dependencies: [
                "TideAPI", "TideJobs", "TideKube", "TideServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ResourceAllocator",
            dependencies: [
                "TideAllocatorService", "TideBroker", "TideServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "PerGPUScheduler",
            dependencies: [
                "TideScheduler", "TideBackend", "TideLocalBackend", "TideKube", "TideKubeBackend", "TideBroker", "TideJobs",
                "TideCore", "TideServiceKit", "TideStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "MetricsCollector",
            dependencies: [
                "TideMetrics", "TideJobs", "TideBroker", "TideServiceKit", "TideStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
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
        // TideStore and TideJobs only for the BSON round trip of stored jobs; TideCore itself depends on neither.
        .testTarget(
            name: "TideCoreTests",
            dependencies: [
                "TideCore", "TideStore", "TideJobs",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TideSimulationTests",
            dependencies: ["TideSimulation", "TideAllocation", .product(name: "PropertyBased", package: "swift-property-based")],
            resources: [.copy("Fixtures")]),
        // Runs the built `cmd` executable as a separate process, the client commands against a
        // `training-service` process (both dependencies so `swift build --build-tests` builds them).
        .testTarget(
            name: "CmdTests",
            dependencies: [
                "cmd", "TrainingService", "TideAllocation", "TideTestSupport",
                .product(name: "Yams", package: "Yams"),
            ]),
        // Depends on the probe so `swift build --build-tests` builds it next to the test binary.
        .testTarget(name: "TideBrokerTests", dependencies: ["TideBroker", "TideTestSupport", "tide-broker-probe"]),
        .testTarget(
            name: "TideSchedulerTests",
            dependencies: [
                "TideScheduler", "TideAllocation", "TideBackend", "TideCore", "TideJobs", "TideStore", "TideLocalBackend",
                "TideTestSupport", "tide-worker-shim",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        // The whole stack as processes on the real broker and database, with real workers.
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "TideAPI", "TideHTTP", "TideJobs", "TideStore", "TideStack", "TidePorts", "TideTestSupport", "TrainingService",
                "ResourceAllocator", "PerGPUScheduler", "MetricsCollector", "cmd", "tide-worker-shim",
            ]),
        .testTarget(
            name: "TideKubeTests",
            dependencies: ["TideKube", "TideTestSupport", .product(name: "PropertyBased", package: "swift-property-based")]),
        // The Kubernetes backend, node mirror and Lease against the fake API server and its kubelet.
        .testTarget(
            name: "TideKubeBackendTests",
            dependencies: [
                "TideKubeBackend", "TideKube", "TideBackend", "TideCore", "TideTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The local stack's pure parts: what each part runs, the restart backoff.
        .testTarget(name: "TideStackTests", dependencies: ["TideStack"]),
        // Runs `resource-allocator` processes on the real broker.
        .testTarget(
            name: "ResourceAllocatorTests",
            dependencies: [
                "TideAllocatorService", "TideAllocation", "TideBroker", "TideHTTP", "TideTestSupport", "ResourceAllocator",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The fit on synthetic samples, checked against the allocator's validation.
        .testTarget(
            name: "TideMetricsTests",
            dependencies: [
                "TideMetrics", "TideJobs", "TideAllocation",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
        // Runs `metrics-collector` processes on the real broker and database.
        .testTarget(
            name: "MetricsCollectorTests",
            dependencies: [
                "MetricsCollector", "TideMetrics", "TideJobs", "TideBroker", "TideStore", "TideTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The libcurl client against a loopback server of the test's own (connection reuse).
        .testTarget(name: "TideHTTPTests", dependencies: ["TideHTTP", "TideTestSupport"]),
        .testTarget(name: "TideStoreTests", dependencies: ["TideStore", "TideTestSupport"]),
        // Real worker processes under the real shim (a dependency so `swift build --build-tests` builds it).
        .testTarget(
            name: "TideLocalBackendTests",
            dependencies: [
                "TideLocalBackend", "TideBackend", "TideTestSupport", "tide-worker-shim",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "TrainingServiceTests",
            dependencies: [
                "TideAPI", "TideJobs", "TideServiceKit", "TideCore", "TideStore", "TideBroker", "TideHTTP", "TidePorts",
                "TideTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
