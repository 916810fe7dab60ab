// swift-tools-version:6.0
import PackageDescription

// Canopy: distributed training of randomized decision forests for per-pixel body-part labelling.
// Module graph (DESIGN §2): RDTCore <- ImagePipeline; WireProtocol; Worker/Coordinator <- canopy CLI.
let package = Package(
    name: "Canopy",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "canopy", targets: ["canopy"]),
        .library(name: "RDTCore", targets: ["RDTCore"]),
        .library(name: "ImagePipeline", targets: ["ImagePipeline"]),
        .library(name: "WireProtocol", targets: ["WireProtocol"]),
        .library(name: "Coordinator", targets: ["Coordinator"]),
        .library(name: "Worker", targets: ["Worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // System libraries from Debian, found through pkg-config (scripts/setup installs them).
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libpng reports errors by longjmp, which must not cross Swift frames: a small C shim owns setjmp.
        .target(name: "CPNGShim", dependencies: ["CPNG"]),

        // Header-only C helpers: float -> Int32 truncation without a range check (hot loops), malloc tuning.
        .target(name: "CSupport"),
        .target(name: "RDTCore", dependencies: ["CSupport"], swiftSettings: fast),
        // LZ4 blocks through liblz4, shared by shards (ImagePipeline) and bulk frames (WireProtocol).
        .target(name: "BlockCompression", dependencies: ["CLZ4"], swiftSettings: fast),
        .target(name: "ImagePipeline", dependencies: ["RDTCore", "BlockCompression", "CPNGShim", "CZlib"], swiftSettings: fast),
        .target(
            name: "WireProtocol",
            dependencies: ["CZeroMQ", "BlockCompression", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["proto"], swiftSettings: fast),
        .target(name: "Worker", dependencies: ["RDTCore", "ImagePipeline", "WireProtocol"], swiftSettings: fast),
        .target(name: "Coordinator", dependencies: ["RDTCore", "ImagePipeline", "WireProtocol"], swiftSettings: fast),
        .executableTarget(
            name: "canopy",
            dependencies: [
                "RDTCore", "ImagePipeline", "WireProtocol", "Coordinator", "Worker", "CSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fast),

        .testTarget(name: "RDTCoreTests", dependencies: ["RDTCore"]),
        .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator", "RDTCore"]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "WireProtocol"]),
        .testTarget(name: "ImagePipelineTests", dependencies: ["ImagePipeline", "RDTCore"]),
        .testTarget(name: "WireProtocolTests", dependencies: ["WireProtocol", "BlockCompression", "CZeroMQ"]),
        // Slow suite: runs the built `canopy` binary as real processes.
        .testTarget(name: "EndToEndTests", dependencies: ["RDTCore", "ImagePipeline", "WireProtocol", "CZeroMQ"]),
    ],
    swiftLanguageModes: [.v5]
)

/// Hot loops use unchecked arithmetic on unsafe buffers explicitly; the whole-module optimizer does the rest.
var fast: [SwiftSetting] { [.unsafeFlags(["-enforce-exclusivity=unchecked"])] }
