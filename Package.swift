// swift-tools-version:6.0
import PackageDescription

/// Hot numeric code is compiled without bounds checks in release builds; debug builds keep them.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))
]

let package = Package(
    name: "Tally",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tally", targets: ["tally"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // System libraries, each behind a small C shim.
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // The engine's elementwise kernels that need the CPU's widest vectors (chosen at load time).
        .target(
            name: "CEngineKernels",
            cSettings: [
                .unsafeFlags(["-fno-math-errno"]),  // lets sqrtf vectorise
                .unsafeFlags(["-O3"], .when(configuration: .release)),
            ]
        ),

        // Modules, in the order of DESIGN.md: arrows only point down this list.
        // TallyIO sits beneath them all: durable file writes, file errors users can act on, JSON text, JSONL lines.
        .target(name: "TallyIO", dependencies: ["CZlib"]),
        .target(
            name: "TallyEngine",
            dependencies: [
                "TallyIO",
                "COpenBLAS",
                "CEngineKernels",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: fastMath
        ),
        .target(
            name: "TallyStore",
            dependencies: [
                "TallyIO",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "TallyWorld", dependencies: ["TallyIO"]),
        .target(
            name: "TallyTrain", dependencies: ["TallyEngine", "TallyStore", "TallyWorld"], swiftSettings: fastMath),
        .target(name: "TallyArena", dependencies: ["TallyEngine", "TallyStore", "TallyWorld", "TallyTrain"]),
        .target(name: "TallyTUI", dependencies: ["TallyStore", "CNcursesw"]),
        .executableTarget(
            name: "tally",
            dependencies: [
                "TallyIO", "TallyEngine", "TallyStore", "TallyWorld", "TallyTrain", "TallyArena", "TallyTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "TallyIOTests", dependencies: ["TallyIO"]),
        .testTarget(name: "TallyEngineTests", dependencies: ["TallyEngine"], exclude: ["Fixtures"]),
        .testTarget(name: "TallyStoreTests", dependencies: ["TallyStore"]),
        .testTarget(name: "TallyWorldTests", dependencies: ["TallyWorld"]),
        .testTarget(name: "TallyTrainTests", dependencies: ["TallyTrain", "TallyWorld"]),
        .testTarget(name: "TallyArenaTests", dependencies: ["TallyArena"], exclude: ["Fixtures"]),
        .testTarget(name: "TallyTUITests", dependencies: ["TallyTUI", "TallyStore"]),
        .testTarget(name: "TallyCLITests", dependencies: ["tally", "TallyStore"]),
    ],
    swiftLanguageModes: [.v5]
)
