import Configuration
import Foundation
import Yams

/// The YAML configuration file, checked against the key table before anything is read from
/// it: an unknown key, or a value of the wrong shape, stops Helio naming the key (and the key it
/// probably meant). The values themselves are read through swift-configuration's
/// `YAMLSnapshot`; what a snapshot cannot list (the names under `kafka.properties`, a
/// `topics.config` mapping) is collected here.
struct ConfigurationFile {
    let path: String
    let snapshot: YAMLSnapshot
    /// `name: value` mappings given for `.settings` keys, by key path, in file order.
    var settings: [String: [(name: String, value: String)]] = [:]
    /// Property names under `kafka.properties`, a `name_file` entry counted as `name`.
    var kafkaPropertyNames: [String] = []
    /// Dotted paths written with no value (`url:` or `url: ~`): unset, as an empty variable is.
    var empty: Set<String> = []

    init(path: String) throws {
        self.path = path
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError(key: path, problem: "cannot be read (\(Self.reason(error)))", source: "configuration file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(key: path, problem: "is not UTF-8 text", source: "configuration file")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(key: path, problem: Self.syntaxProblem(error), source: "configuration file")
        }
        var snapshotFailure: Error?
        do {
            snapshot = try YAMLSnapshot(data: data.bytes, providerName: "file", parsingOptions: .default)
        } catch {
            // Yams parsed the document above, so this is a shape the snapshot cannot hold (a
            // mapping inside a list): the walk below names the key.
            snapshotFailure = error
            snapshot = try YAMLSnapshot(data: Data("{}".utf8).bytes, providerName: "file", parsingOptions: .default)
        }
        switch root {
        case nil:
            break
        case .mapping(let mapping)?:
            try walk(mapping, prefix: [])
        case _?:
            throw ConfigurationError(key: path, problem: "must be a mapping of keys (source:, kafka:, apply: …)", source: "configuration file")
        }
        if let snapshotFailure {
            throw ConfigurationError(key: path, problem: "cannot be read as configuration (\(snapshotFailure))", source: "configuration file")
        }
    }

    private mutating func walk(_ mapping: Node.Mapping, prefix: [String]) throws {
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalar?.string else {
                throw unknown(prefix.joined(separator: ".") + ".?", line: keyNode.mark?.line)
            }
            let components = prefix + [name]
            let dotted = components.joined(separator: ".")
            if let key = HelioConfiguration.key(dotted) {
                try accept(value, for: key, at: dotted)
            } else if Self.namesSecretFile(dotted) {
                guard let file = value.scalar, !file.string.isEmpty else {
                    throw shapeError(dotted, "the path of a file holding the value", line: value.mark?.line)
                }
            } else if HelioConfiguration.keys.contains(where: { $0.path.hasPrefix(dotted + ".") }) {
                if value.null != nil { continue }
                guard let section = value.mapping else {
                    throw shapeError(dotted, "a section (a mapping of keys)", line: value.mark?.line)
                }
                try walk(section, prefix: components)
            } else {
                throw unknown(dotted, line: keyNode.mark?.line)
            }
        }
    }

    private mutating func accept(_ value: Node, for key: ConfigurationKey, at dotted: String) throws {
        if value.null != nil || value.scalar?.string == "" {
            empty.insert(dotted)
            return
        }
        switch key.shape {
        case .scalar:
            guard value.scalar != nil else { throw shapeError(dotted, key.expectation, line: value.mark?.line) }
        case .list:
            if let sequence = value.sequence {
                guard sequence.allSatisfy({ $0.scalar != nil }) else { throw shapeError(dotted, "a list of plain values", line: value.mark?.line) }
            } else if value.scalar == nil {
                throw shapeError(dotted, key.expectation, line: value.mark?.line)
            }
        case .settings:
            if let mapping = value.mapping {
                settings[dotted] = try scalarPairs(mapping, at: dotted)
            } else if value.scalar == nil {
                throw shapeError(dotted, "a mapping of name: value", line: value.mark?.line)
            }
        case .passthrough:
            guard let mapping = value.mapping else { throw shapeError(dotted, "a mapping of librdkafka property: value", line: value.mark?.line) }
            for (name, _) in try scalarPairs(mapping, at: dotted) {
                let base = name.hasSuffix("_file") ? String(name.dropLast(5)) : name
                if !kafkaPropertyNames.contains(base) { kafkaPropertyNames.append(base) }
            }
        }
    }

    private func scalarPairs(_ mapping: Node.Mapping, at dotted: String) throws -> [(name: String, value: String)] {
        try mapping.map { name, value in
            guard let name = name.scalar?.string, let scalar = value.scalar else {
                throw shapeError(dotted, "name: value pairs with plain values", line: value.mark?.line)
            }
            return (name, scalar.string)
        }
    }

    /// `source.url_file`: the value of `source.url` is in the file it names.
    static func namesSecretFile(_ dotted: String) -> Bool {
        guard dotted.hasSuffix("_file"), let key = HelioConfiguration.key(String(dotted.dropLast(5))) else { return false }
        return key.shape != .passthrough
    }

    private func shapeError(_ dotted: String, _ expected: String, line: Int?) -> ConfigurationError {
        ConfigurationError(key: dotted, problem: "must be \(expected)", source: Self.location(path, line: line))
    }

    private func unknown(_ dotted: String, line: Int?) -> ConfigurationError {
        var problem = "is not a configuration key"
        if let suggestion = KeySuggestion.closest(to: dotted) { problem += "; did you mean '\(suggestion)'?" }
        return ConfigurationError(key: dotted, problem: problem, source: Self.location(path, line: line))
    }

    static func location(_ path: String, line: Int?) -> String {
        "file \(path)" + (line.map { " line \($0)" } ?? "")
    }

    /// A YAML syntax error by position only: libyaml's message quotes the text around the
    /// error, which may be a secret.
    static func syntaxProblem(_ error: Error) -> String {
        guard let yaml = error as? YamlError else { return "is not valid YAML" }
        switch yaml {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "is not valid YAML: \(problem) at line \(mark.line), column \(mark.column)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "repeats the key \(duplicates.joined(separator: ", ")) (line \(context.mark.line))"
        default:
            return "is not valid YAML"
        }
    }

    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}
