// swift-tools-version:6.0
//
// The `tessera` command-line tool. A package of its own with a path
// dependency on the library, so the library's manifest stays free of
// swift-argument-parser (as Benchmarks/ does). The tool calls the C entry
// points of include/tessera.h (module CTesseraABI), the library linked in
// statically; key generation writes PEM through libcrypto directly, since the
// library never exports private keys.
//
// `make install PREFIX=…` builds it and installs it as PREFIX/bin/tessera.
import Foundation
import PackageDescription

// A path dependency's identity is its directory's name, which is whatever
// the clone is called: derive it rather than assume "tessera".
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let package = Package(
    name: "TesseraTools",
    products: [
        .executable(name: "tessera-cli", targets: ["tessera-cli"]),
    ],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // PEM writing and key generation from libcrypto.
        .systemLibrary(
            name: "CLibcrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .executableTarget(
            name: "tessera-cli",
            dependencies: [
                .product(name: "tessera-static", package: rootIdentity),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "CLibcrypto",
            ]
        ),
    ]
)
