// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// `DESCENT_PORTABLE=1` builds without oneDNN on Linux too, i.e. with the pure-Swift GEMM that a platform with neither
/// oneDNN nor Accelerate uses (`scripts/portable-check.sh`); Descent's own C kernels (`CDescentKernels`) build everywhere.
let portable = ProcessInfo.processInfo.environment["DESCENT_PORTABLE"] == "1"

/// `DESCENT_FUZZ=1` adds `DescentFuzz`, the libFuzzer harness in `Tests/Fuzz/DescentFuzz` that only `scripts/fuzz` builds
/// (with `-sanitize=fuzzer,address`, in `.build-fuzz`); the ordinary build and `swift test` never see it.
let fuzz = ProcessInfo.processInfo.environment["DESCENT_FUZZ"] == "1"

let package = Package(
    name: "Descent",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Descent", targets: ["Descent"]),
        .library(name: "DescentData", targets: ["DescentData"]),
        .library(name: "DescentTrain", targets: ["DescentTrain"]),
        .library(name: "DescentMPI", targets: ["DescentMPI"]),
        .library(name: "DescentONNX", targets: ["DescentONNX"]),
        .executable(name: "descent", targets: ["DescentCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CDNNL",
            path: "Sources/CDNNL",
            providers: [.apt(["libdnnl-dev"])]
        ),
        .target(name: "CDescentKernels"),
        .target(
            name: "Descent",
            dependencies: ["CDescentKernels"]
                + (portable ? [] : [.target(name: "CDNNL", condition: .when(platforms: [.linux]))])
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CImageCodecs",
            path: "Sources/CImageCodecs",
            providers: [
                .apt(["libturbojpeg0-dev", "libpng-dev", "libwebp-dev"]), .brew(["jpeg-turbo", "libpng", "webp"]),
            ]
        ),
        .target(name: "DescentData", dependencies: ["Descent", "CZlib", "CImageCodecs"]),
        .target(
            name: "DescentTrain",
            dependencies: ["Descent", "DescentData", "DescentONNX", .product(name: "Yams", package: "Yams")]
        ),
        .systemLibrary(
            name: "CMPI",
            path: "Sources/CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]
        ),
        .target(name: "DescentMPI", dependencies: ["DescentTrain", "CMPI"]),
        .target(
            name: "DescentONNX",
            dependencies: ["Descent", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Generated/onnx.proto"]
        ),
        .executableTarget(
            name: "DescentCLI",
            dependencies: [
                "Descent",
                "DescentData",
                "DescentTrain",
                "DescentMPI",
                "DescentONNX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DescentTests", dependencies: ["Descent"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DescentDataTests", dependencies: ["DescentData"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DescentTrainTests",
            dependencies: ["DescentTrain", "DescentONNX", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "DescentMPITests", dependencies: ["DescentMPI"]),
        .testTarget(name: "DescentCLITests", dependencies: ["DescentCLI"]),
        .testTarget(
            name: "DescentONNXTests",
            dependencies: ["DescentONNX", "DescentTrain", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            resources: [.copy("Fixtures")]),
    ]
        + (fuzz
            ? [
                .executableTarget(
                    name: "DescentFuzz", dependencies: ["Descent", "DescentData", "DescentONNX", "DescentTrain"],
                    path: "Tests/Fuzz/DescentFuzz")
            ] : [])
)
