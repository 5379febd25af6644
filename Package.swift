// swift-tools-version:6.3
//
// Tessera: the Swift core (standard library only) over OpenSSL 3's libcrypto,
// exported as a C ABI declared in include/tessera.h. Tools version 6.3: the
// entry points are `@c @implementation` functions (SE-0495), which Swift 6.3
// is the first to accept.
//
// `make` builds the products the way C users need them (static Swift stdlib,
// version script, SONAME); see the Makefile.
import PackageDescription

let package = Package(
    name: "Tessera",
    products: [
        .library(name: "tessera", type: .dynamic, targets: ["Tessera"]),
        .library(name: "tessera-static", type: .static, targets: ["Tessera"]),
    ],
    targets: [
        // libcrypto, plus a shim: the only place allowed to touch OpenSSL's
        // deprecated low-level SHA-2 API (used for precomputed HMAC states).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // The public header as a Clang module, so that `@c @implementation`
        // checks every exported Swift function against its C declaration.
        .systemLibrary(name: "CTesseraABI"),
        // Per-thread error detail storage (C11 _Thread_local), the batch
        // CPU budget, and per-thread zlib streams (Debian's zlib1g-dev).
        .target(name: "CTesseraSupport", linkerSettings: [.linkedLibrary("z")]),
        .target(
            name: "Tessera",
            dependencies: ["COpenSSL", "CTesseraABI", "CTesseraSupport"]
        ),
        .testTarget(
            name: "TesseraTests",
            dependencies: ["Tessera", "CTesseraSupport", "COpenSSL"]
        ),
    ]
)
