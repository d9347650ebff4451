// swift-tools-version: 6.1
import PackageDescription

/// Benchmarks of Tide's allocation round, kept out of the main package so its
/// tests never build benchmark tools. Run `./run-timing.sh` from here.
let package = Package(
    name: "TideBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tide", path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Default traits minus RuntimeInterposer: swift-runtime-interposer is not
        // in the local package mirror, and the ARC counters it gives are not needed.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Seeded snapshot generator shared by the benchmarks and the helper tool.
        .target(
            name: "TideBenchSupport",
            dependencies: [.product(name: "TideAllocation", package: "tide")]
        ),
        // `swift package benchmark` suite (sources must live under Benchmarks/).
        .executableTarget(
            name: "AllocationBenchmarks",
            dependencies: [
                "TideBenchSupport",
                .product(name: "TideAllocation", package: "tide"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/AllocationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Latency samples of concurrent clients, and their quantiles.
        .target(name: "BenchTiming"),
        // Raw costs of the broker and the store on real servers (`make bench-infra`).
        .executableTarget(
            name: "infra-bench",
            dependencies: [
                "BenchTiming",
                .product(name: "TideBroker", package: "tide"),
                .product(name: "TideStore", package: "tide"),
            ]
        ),
        // Job submission through the training service's API against the raw store and broker cost (`make bench-submit`).
        .executableTarget(
            name: "submit-bench",
            dependencies: [
                "BenchTiming",
                .product(name: "TideAPI", package: "tide"),
                .product(name: "TideJobs", package: "tide"),
                .product(name: "TideCore", package: "tide"),
                .product(name: "TideStore", package: "tide"),
                .product(name: "TideBroker", package: "tide"),
                .product(name: "TideHTTP", package: "tide"),
                .product(name: "TidePorts", package: "tide"),
            ]
        ),
        // Issue 6's numbers against the fake Kubernetes API server (`make bench-kube`).
        .executableTarget(
            name: "kube-bench",
            dependencies: [
                "BenchTiming", .product(name: "TideKube", package: "tide"), .product(name: "TideBackend", package: "tide"),
                .product(name: "TideKubeBackend", package: "tide"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helper: dumps snapshots, a plain-clock cross-check, and process-level timing of `cmd allocate`.
        .executableTarget(
            name: "tide-bench",
            dependencies: ["TideBenchSupport", .product(name: "TideAllocation", package: "tide")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
