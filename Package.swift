// swift-tools-version:6.0
import PackageDescription

// Canopy: distributed training of randomized decision forests for per-pixel body-part labelling.
// Module graph (docs/architecture.md): RDTCore <- ImagePipeline <- Training <- Coordinator; RDTCore <- WireProtocol
// <- Worker, Coordinator; all <- the canopy CLI.
let package = Package(
    name: "Canopy",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "canopy", targets: ["canopy"]),
        .library(name: "RDTCore", targets: ["RDTCore"]),
        .library(name: "Dataset", targets: ["Dataset"]),
        .library(name: "Drawing", targets: ["Drawing"]),
        .library(name: "ImagePipeline", targets: ["ImagePipeline"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "WireProtocol", targets: ["WireProtocol"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Coordinator", targets: ["Coordinator"]),
        .library(name: "Worker", targets: ["Worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries from Debian, found through pkg-config (scripts/setup installs them).
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        // libpng reports errors by longjmp, which must not cross Swift frames: a small C shim owns setjmp.
        .target(name: "CPNGShim", dependencies: ["CPNG"]),

        // Header-only C helpers: float -> Int32 truncation without a range check (hot loops), malloc tuning.
        .target(name: "CSupport"),
        .target(name: "RDTCore", dependencies: ["CSupport"], swiftSettings: fast),
        // LZ4 blocks through liblz4, shared by shards (ImagePipeline) and bulk frames (WireProtocol).
        .target(name: "BlockCompression", dependencies: ["CLZ4"], swiftSettings: fast),
        // Pre-processed datasets: the shard format, the manifest (read and written here), indexes.
        .target(name: "Dataset", dependencies: ["RDTCore", "BlockCompression", "CZlib"]),
        // Pictures for people through Cairo: the label palette, charts, confusion matrix, frame sheets, legends.
        .target(name: "Drawing", dependencies: ["CCairo"]),
        .target(name: "ImagePipeline", dependencies: ["RDTCore", "Dataset", "Drawing", "BlockCompression", "CPNGShim", "CZlib"]),
        // What people read about a forest: training curves and the self-contained HTML pages of eval and report.
        .target(name: "Reports", dependencies: ["RDTCore", "Training", "Drawing"]),
        .target(
            name: "WireProtocol",
            dependencies: ["RDTCore", "CZeroMQ", "BlockCompression", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["proto"]),
        .target(
            name: "Worker",
            dependencies: [
                "RDTCore", "Dataset", "Training", "WireProtocol", "BlockCompression", .product(name: "Logging", package: "swift-log"),
            ]),
        // One job's training (set-up, resume, levels, checkpoints, forest files), for one process and the cluster alike.
        .target(name: "Training", dependencies: ["RDTCore", "Dataset"]),
        .target(
            name: "Coordinator",
            dependencies: ["RDTCore", "Dataset", "Training", "WireProtocol", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "canopy",
            dependencies: [
                "RDTCore", "Dataset", "Drawing", "ImagePipeline", "Reports", "Training", "WireProtocol", "Coordinator", "Worker",
                "CSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // Shared by the test targets: hostile messages, a fake clock, raw-frame fixtures. Never part of the canopy binary.
        .target(name: "TestSupport", dependencies: ["WireProtocol", "BlockCompression", "RDTCore", "Dataset", "ImagePipeline"]),

        .testTarget(name: "RDTCoreTests", dependencies: ["RDTCore"]),
        .testTarget(name: "DrawingTests", dependencies: ["Drawing"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Drawing", "RDTCore", "Training", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Dataset", "ImagePipeline", "RDTCore", "TestSupport"]),
        .testTarget(
            name: "CoordinatorTests",
            dependencies: [
                "Coordinator", "Training", "RDTCore", "WireProtocol", "TestSupport", .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "WireProtocol"]),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "ImagePipeline", "RDTCore", "TestSupport"]),
        .testTarget(name: "ImagePipelineTests", dependencies: ["ImagePipeline", "Dataset", "RDTCore", "TestSupport"]),
        .testTarget(name: "WireProtocolTests", dependencies: ["WireProtocol", "BlockCompression", "CZeroMQ", "RDTCore", "TestSupport"]),
        // Slow suite: runs the built `canopy` binary as real processes.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["RDTCore", "Drawing", "Dataset", "ImagePipeline", "WireProtocol", "CZeroMQ", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)

/// Only the modules with the hot loops (the histogram kernel, LZ4 blocks) drop dynamic exclusivity
/// checks; they use unchecked arithmetic on unsafe buffers explicitly, the optimizer does the rest.
var fast: [SwiftSetting] { [.unsafeFlags(["-enforce-exclusivity=unchecked"])] }
