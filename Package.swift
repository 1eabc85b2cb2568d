// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "fiscal",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FiscalCore", targets: ["FiscalCore"]),
        .library(name: "FiscalQueue", targets: ["FiscalQueue"]),
        .library(name: "MontenegroFiscal", targets: ["MontenegroFiscal"]),
        .library(name: "FiscalConnector", targets: ["FiscalConnector"]),
        .library(name: "FiscalAdmin", targets: ["FiscalAdmin"]),
        .executable(name: "fiscal-connector", targets: ["fiscal-connector"]),
        .executable(name: "fiscal-admin", targets: ["fiscal-admin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "FiscalCore", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "FiscalQueue", swiftSettings: strict),
        .target(name: "MontenegroFiscal", dependencies: ["FiscalCore", "COpenSSL", "CLibXML2"], swiftSettings: strict),
        .target(
            name: "EFISimulator",
            dependencies: [
                "MontenegroFiscal", "FiscalCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FiscalConnector",
            dependencies: [
                "FiscalQueue", "MontenegroFiscal", "FiscalCore", "CCurl", "CQREncode", "EFISimulator",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("API/openapi.yaml")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fiscal-connector",
            dependencies: [
                "FiscalConnector", "FiscalCore", "FiscalQueue", "MontenegroFiscal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FiscalAdmin",
            dependencies: [
                "FiscalCore", "COpenSSL", "CLibPQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [
                .embedInCode("Server/Templates/layout.mustache"), .embedInCode("Server/Templates/signin.mustache"),
                .embedInCode("Server/Templates/signup.mustache"), .embedInCode("Server/Templates/dashboard.mustache"),
                .embedInCode("Server/Templates/clients.mustache"), .embedInCode("Server/Templates/client.mustache"),
                .embedInCode("Server/Templates/device.mustache"), .embedInCode("Server/Templates/audit.mustache"),
                .embedInCode("Server/Templates/tokens.mustache"), .embedInCode("Server/Templates/message.mustache"),
                .embedInCode("Server/openapi.yaml"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fiscal-admin",
            dependencies: [
                "FiscalAdmin", "FiscalCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fiscal-bench",
            dependencies: ["MontenegroFiscal", "FiscalCore", "FiscalConnector", "EFISimulator"],
            path: "Benchmarks/fiscal-bench",
            swiftSettings: strict
        ),
        .target(name: "FiscalTesting", dependencies: ["MontenegroFiscal", "FiscalCore", "FiscalConnector", "FiscalAdmin", "EFISimulator"], swiftSettings: strict),
        .testTarget(name: "FiscalQueueTests", dependencies: ["FiscalQueue"], swiftSettings: strict),
        .testTarget(name: "FiscalCoreTests", dependencies: ["FiscalCore", "FiscalTesting"], swiftSettings: strict),
        .testTarget(name: "MontenegroFiscalTests", dependencies: ["MontenegroFiscal", "FiscalCore", "FiscalTesting", "CLibXML2"], swiftSettings: strict),
        .testTarget(
            name: "FiscalAdminTests",
            dependencies: ["FiscalAdmin", "FiscalCore", "FiscalTesting", "FiscalConnector", "EFISimulator", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FiscalConnectorTests",
            dependencies: [
                "FiscalConnector", "FiscalTesting", "EFISimulator", "MontenegroFiscal", "FiscalCore", "FiscalQueue",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
    ]
)
