import Foundation
@testable import HelioOps

/// A temporary directory for configuration and secret files, removed by `remove()`.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "helio-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `contents` to `name` in the directory; returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let file = "\(path)/\(name)"
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Loads with exactly these sources (no process environment leaks in).
func load(file: String? = nil, environment: [String: String] = [:], flags: [String: String] = [:],
          kafkaProperties: [String] = []) throws -> LoadedConfiguration {
    try HelioConfiguration.load(ConfigurationSources(filePath: file, environment: environment, flags: flags,
                                                     kafkaPropertyFlags: kafkaProperties))
}

/// The error text of a load that must fail.
func loadFailure(file: String? = nil, environment: [String: String] = [:], flags: [String: String] = [:]) -> String? {
    do {
        _ = try load(file: file, environment: environment, flags: flags)
        return nil
    } catch {
        return "\(error)"
    }
}
