// swift-tools-version: 6.2
import PackageDescription

#if canImport(Glibc)
import Glibc
#endif

/// Settings every target shares: Swift 6 language mode is the tools-version default;
/// these upcoming features make each module's imports say what it re-exports.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

/// Whether the glibc this builds against runs binaries with packed relocations (2.36 on).
var glibcHasPackedRelocations: Bool {
    #if canImport(Glibc)
    // "glibc 2.36"
    var text = [CChar](repeating: 0, count: 64)
    guard confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count) > 0 else { return false }
    let bytes = text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    let version = String(decoding: bytes, as: UTF8.self).split(separator: " ").last?.split(separator: ".").compactMap { Int($0) } ?? []
    return version.count >= 2 && (version[0], version[1]) >= (2, 36)
    #else
    return false
    #endif
}

/// How the `permiso` executable is linked: by lld, with its relative relocations packed
/// (`DT_RELR`: a bitmap where the default spends 24 bytes on each). The dynamic loader reads
/// every one at start, and there are tens of thousands (Swift metadata points at itself), so
/// packing them keeps 1.5 MiB out of each instance's resident set (docs/operations.md "Memory").
/// A packed binary needs glibc 2.36 where it runs, so relocations are packed only when the
/// glibc it is built against has it.
let linkFlags = ["-use-ld=lld"] + (glibcHasPackedRelocations ? ["-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"] : [])

let package = Package(
    name: "permiso",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PermisoCore", targets: ["PermisoCore"]),
        .library(name: "PermisoRedis", targets: ["PermisoRedis"]),
        .library(name: "PermisoServer", targets: ["PermisoServer"]),
        .executable(name: "permiso", targets: ["permiso"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter would add grpc-swift to every build and binary.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        /// libxcrypt (`crypt_r`, `crypt_gensalt_rn`): verifies and makes the bcrypt, yescrypt
        /// and sha512-crypt hashes that `htpasswd -B` and `mkpasswd` produce.
        .systemLibrary(
            name: "CCrypt",
            path: "Sources/CCrypt",
            providers: [.apt(["libcrypt-dev"])]
        ),
        /// OpenSSL's libcrypto, for RSA signing only: it signs RSA-2048 about 2.3× faster than
        /// BoringSSL here (docs/ARCHITECTURE.md "RSA through libcrypto"), and RS256 is the default ID token algorithm.
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        /// glibc's malloc.h, for `malloc_trim` after a config load (Swift's Glibc module leaves it out).
        .systemLibrary(
            name: "CMalloc",
            path: "Sources/CMalloc"
        ),
        /// The slice of libqrencode's API `permiso totp enroll` calls, declared without its
        /// headers: the library is loaded when the command runs, so building needs nothing.
        .systemLibrary(
            name: "CQRencode",
            path: "Sources/CQRencode"
        ),
        /// Swift Concurrency's global-enqueue hook, declared and set from a header: how
        /// `permiso serve` puts tasks on NIO's event loops in a statically linked binary.
        .systemLibrary(
            name: "CConcurrencyHook",
            path: "Sources/CConcurrencyHook"
        ),
        /// Protocol logic with no HTTP in it: config, keys, discovery, the static site.
        .target(
            name: "PermisoCore",
            dependencies: [
                "CCrypt",
                "COpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The state store many instances share: a small RESP client on SwiftNIO (no Redis
        /// client is in the package mirror) and `RedisStateStore`.
        .target(
            name: "PermisoRedis",
            dependencies: [
                "PermisoCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The token service's thin HTTP layer: Hummingbird routes that call PermisoCore.
        .target(
            name: "PermisoServer",
            dependencies: [
                "PermisoCore",
                "PermisoRedis",
                .target(name: "CMalloc", condition: .when(platforms: [.linux])),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The `permiso` command line: parses arguments and calls PermisoCore and PermisoServer.
        .executableTarget(
            name: "permiso",
            dependencies: [
                "CConcurrencyHook",
                "CQRencode",
                "PermisoCore",
                "PermisoServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: [.unsafeFlags(linkFlags, .when(platforms: [.linux]))]
        ),
        /// What every test target shares, as swift-nio ships `NIOEmbedded`: a clock tests
        /// move, stores that fail or record, the checkout's paths and fixtures.
        .target(
            name: "PermisoTesting",
            dependencies: [
                "PermisoCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PermisoCoreTests",
            dependencies: [
                "PermisoCore",
                "PermisoTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        /// Both state-store backends against one conformance suite, and what only Redis has,
        /// against real `redis-server` processes.
        .testTarget(
            name: "PermisoRedisTests",
            dependencies: [
                "PermisoCore",
                "PermisoRedis",
                "PermisoTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The `permiso` binary as users run it: exit codes, messages and files.
        .testTarget(
            name: "PermisoCLITests",
            dependencies: ["PermisoCore", "PermisoTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PermisoServerTests",
            dependencies: [
                "PermisoServer",
                "PermisoTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

/// The libFuzzer harnesses (`fuzz/run`), one executable per parser. They exist only when
/// `fuzz/run` builds them (`PERMISO_FUZZ=1`), since they link only with `-sanitize=fuzzer`,
/// whose runtime their `main` starts. A full build instruments every module through
/// `-Xswiftc`; `PERMISO_FUZZ=shallow` instruments Permiso's own modules alone, so the
/// dependencies an ordinary release build made are reused (what CI does).
if let fuzz = Context.environment["PERMISO_FUZZ"], ["1", "shallow"].contains(fuzz) {
    let instrumented: [SwiftSetting] =
        fuzz == "shallow" ? [.unsafeFlags(["-sanitize=fuzzer,address", "-enable-testing"])] : []
    for target in package.targets where ["PermisoCore", "PermisoRedis"].contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + instrumented
    }
    package.targets += [
        /// libFuzzer's `LLVMFuzzerRunDriver`, declared for Swift; the fuzzer runtime defines it.
        .systemLibrary(name: "CLibFuzzer", path: "fuzz/Sources/CLibFuzzer"),
        .target(
            name: "FuzzSupport",
            dependencies: ["CLibFuzzer", "PermisoCore"],
            path: "fuzz/Sources/FuzzSupport",
            swiftSettings: swiftSettings + instrumented
        ),
    ]
    let harnesses: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzAddress", []),
        ("FuzzTimestamp", []),
        ("FuzzAuthorize", []),
        ("FuzzConfig", []),
        ("FuzzCookie", [.product(name: "Hummingbird", package: "hummingbird")]),
        ("FuzzFormBody", []),
        ("FuzzJWT", [.product(name: "JWTKit", package: "jwt-kit")]),
        ("FuzzQuery", [.product(name: "HummingbirdCore", package: "hummingbird")]),
        ("FuzzRedirectURI", []),
        ("FuzzRESP", ["PermisoRedis", .product(name: "NIOCore", package: "swift-nio")]),
        ("FuzzSealed", []),
        ("FuzzTOTP", []),
        ("FuzzToken", []),
        ("FuzzUserCode", []),
        ("FuzzWebAuthn", [.product(name: "Crypto", package: "swift-crypto")]),
    ]
    for harness in harnesses {
        package.targets.append(
            .executableTarget(
                name: harness.name,
                dependencies: ["FuzzSupport", "PermisoCore"] + harness.dependencies,
                path: "fuzz/Sources/\(harness.name)",
                swiftSettings: swiftSettings + instrumented,
                linkerSettings: fuzz == "shallow" ? [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])] : []
            )
        )
    }
}
