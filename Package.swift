// swift-tools-version:6.1
// Helio: PostgreSQL logical replication → Kafka → dimensional warehouse.
// Targets are laid out by role; see docs/architecture.md.
import PackageDescription

let package = Package(
    name: "helio",
    // macOS 15: swift-configuration's APIs are available from there.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "helio", targets: ["helio"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        // Services run in one ServiceGroup: SIGTERM/SIGINT shut them down gracefully.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // bench/latency records its latencies in HdrHistograms.
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // The configuration file, environment and flags are read through one ConfigReader.
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        // swift-configuration's YAML trait wants Yams 5.4..<7; Helio also walks the file
        // itself to reject unknown keys.
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C system libraries: every C call lives in the thin client targets above them.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),

        // Pure protocol decoding: pgoutput and the streaming-replication envelope. No I/O, no C.
        .target(name: "PGOutput"),
        // The change-event model shared by capture and apply: values, envelopes, JSON.
        .target(name: "HelioEvents"),
        // Thin clients.
        .target(name: "HelioPostgres", dependencies: ["CLibPQ", "PGOutput", .product(name: "Logging", package: "swift-log")]),
        .target(name: "HelioKafka", dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log"),
                                                  .product(name: "Metrics", package: "swift-metrics")]),
        // Operations: configuration, logging, errors shared by the services.
        .target(name: "HelioOps", dependencies: [.product(name: "Logging", package: "swift-log"),
                                                 .product(name: "Metrics", package: "swift-metrics"),
                                                 .product(name: "Configuration", package: "swift-configuration"),
                                                 .product(name: "Yams", package: "Yams")]),
        // Pipelines.
        .target(name: "HelioCapture", dependencies: ["PGOutput", "HelioEvents", "HelioPostgres", "HelioKafka", "HelioOps",
                                                    .product(name: "Metrics", package: "swift-metrics")]),
        .target(name: "HelioApply", dependencies: ["HelioEvents", "HelioPostgres", "HelioKafka", "HelioOps",
                                                  .product(name: "Crypto", package: "swift-crypto"),
                                                  .product(name: "Metrics", package: "swift-metrics")]),
        // The operator's HTTP endpoint: /metrics (Prometheus), /healthz, /readyz, and the status page.
        .target(name: "HelioServer", dependencies: ["HelioOps",
                                                   .product(name: "Metrics", package: "swift-metrics"),
                                                   .product(name: "Prometheus", package: "swift-prometheus"),
                                                   .product(name: "Hummingbird", package: "hummingbird"),
                                                   .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        // Scheduled checks (reconciliation, slot watchdog, stalls, DLQ growth) and their alerts.
        .target(name: "HelioJobs", dependencies: ["HelioOps", "HelioPostgres", "HelioKafka", "HelioEvents", "HelioApply",
                                                 .product(name: "Metrics", package: "swift-metrics"),
                                                 .product(name: "Logging", package: "swift-log")]),
        // The demo workload: a seeded, realistic solar platform writing to the source.
        .target(name: "HelioSimulator", dependencies: ["HelioPostgres", "HelioOps", .product(name: "Logging", package: "swift-log")]),
        // The thin CLI.
        .executableTarget(name: "helio", dependencies: [
            "HelioCapture", "HelioApply", "HelioOps", "HelioKafka", "HelioSimulator", "HelioServer", "HelioJobs",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // bench/latency's load driver and latency probe; not part of the product.
        .executableTarget(name: "helio-latency", dependencies: [
            "HelioPostgres", "HelioKafka",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Builders and a local-stack handle for tests.
        .target(name: "HelioTestSupport", dependencies: ["HelioPostgres", "HelioKafka", "HelioOps", "HelioEvents", "HelioApply"]),

        .testTarget(name: "PGOutputTests", dependencies: ["PGOutput"], resources: [.copy("Fixtures")]),
        .testTarget(name: "HelioEventsTests", dependencies: ["HelioEvents"]),
        .testTarget(name: "HelioSimulatorTests", dependencies: ["HelioSimulator", "HelioPostgres", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "HelioCaptureTests", dependencies: ["HelioCapture", "PGOutput"]),
        .testTarget(name: "HelioOpsTests", dependencies: ["HelioOps"]),
        .testTarget(name: "HelioApplyTests", dependencies: ["HelioApply", "HelioEvents"]),
        .testTarget(name: "IntegrationTests", dependencies: ["HelioTestSupport", "HelioServer", "HelioSimulator", "HelioCapture", "HelioApply", "HelioPostgres", "HelioKafka", "HelioEvents", "HelioJobs", "PGOutput",
                                                     // deploy/kubernetes/ read without a cluster.
                                                     .product(name: "Yams", package: "Yams")]),
    ]
)
