// swift-tools-version:6.0
//
// tessera-bench: Tessera's load benchmark. A package of its own with a path
// dependency on the library, so the library's own manifest stays free of
// benchmark dependencies (as swift-nio and swift-crypto do).
//
// The bench calls the C entry points declared in include/tessera.h (module
// CTesseraABI), which is what users call; the core is linked in statically.
import Foundation
import PackageDescription

// A path dependency's identity is its directory's name, which is whatever
// the clone is called: derive it rather than assume "tessera".
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let package = Package(
    name: "TesseraBenchmarks",
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    ],
    targets: [
        // Counts heap allocations by interposing malloc and friends.
        .target(name: "MallocCounter"),
        .executableTarget(
            name: "tessera-bench",
            dependencies: [
                .product(name: "tessera-static", package: rootIdentity),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                "MallocCounter",
            ]
        ),
    ]
)
