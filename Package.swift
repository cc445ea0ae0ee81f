// swift-tools-version: 6.2
import PackageDescription

/// Settings every target shares: Swift 6 language mode is the tools-version default;
/// these upcoming features make each module's imports say what it re-exports.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "permiso",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PermisoCore", targets: ["PermisoCore"]),
        .executable(name: "permiso", targets: ["permiso"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        /// libxcrypt (`crypt_r`, `crypt_gensalt_rn`): verifies and makes the bcrypt, yescrypt
        /// and sha512-crypt hashes that `htpasswd -B` and `mkpasswd` produce.
        .systemLibrary(
            name: "CCrypt",
            path: "Sources/CCrypt",
            providers: [.apt(["libcrypt-dev"])]
        ),
        /// Protocol logic with no HTTP in it: config, keys, discovery, the static site.
        .target(
            name: "PermisoCore",
            dependencies: [
                "CCrypt",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The `permiso` command line: parses arguments and calls PermisoCore.
        .executableTarget(
            name: "permiso",
            dependencies: [
                "PermisoCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PermisoCoreTests",
            dependencies: ["PermisoCore"],
            swiftSettings: swiftSettings
        ),
    ]
)
