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
        .library(name: "MontenegroFiscal", targets: ["MontenegroFiscal"]),
        .library(name: "FiscalConnector", targets: ["FiscalConnector"]),
        .executable(name: "fiscal-connector", targets: ["fiscal-connector"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .target(name: "FiscalCore", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "MontenegroFiscal", dependencies: ["FiscalCore", "COpenSSL", "CLibXML2"], swiftSettings: strict),
        .target(name: "FiscalConnector", dependencies: ["MontenegroFiscal", "FiscalCore"], swiftSettings: strict),
        .executableTarget(
            name: "fiscal-connector",
            dependencies: ["FiscalConnector", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fiscal-bench",
            dependencies: ["MontenegroFiscal", "FiscalCore"],
            path: "Benchmarks/fiscal-bench",
            swiftSettings: strict
        ),
        .target(name: "FiscalTesting", dependencies: ["MontenegroFiscal", "FiscalCore"], swiftSettings: strict),
        .testTarget(name: "FiscalCoreTests", dependencies: ["FiscalCore", "FiscalTesting"], swiftSettings: strict),
        .testTarget(name: "MontenegroFiscalTests", dependencies: ["MontenegroFiscal", "FiscalCore", "FiscalTesting", "CLibXML2"], swiftSettings: strict),
        .testTarget(name: "FiscalConnectorTests", dependencies: ["FiscalConnector", "FiscalTesting"], swiftSettings: strict),
    ]
)
