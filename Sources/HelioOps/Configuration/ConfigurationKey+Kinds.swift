import Foundation

/// The kinds of value the table uses, each with its parser and how it prints. Parsers throw a
/// `ValueProblem` that says what was expected, never what was given.
extension ConfigurationKey {
    typealias Target<Value> = WritableKeyPath<HelioConfiguration, Value>

    static func text(_ path: String, _ environment: String, flag: String? = nil, secrecy: Secrecy = .none,
                     _ property: Target<String>, _ summary: String) -> ConfigurationKey {
        let property = SendableKeyPath(property)
        return .init(path, environment, flag: flag, secrecy: secrecy, expectation: "text", summary: summary,
                     assign: { config, value in config[keyPath: property.path] = try value.scalar() },
                     render: { config in config[keyPath: property.path] })
    }

    static func optionalText(_ path: String, _ environment: String, flag: String? = nil, secrecy: Secrecy = .none,
                             _ property: Target<String?>, _ summary: String) -> ConfigurationKey {
        let property = SendableKeyPath(property)
        return .init(path, environment, flag: flag, secrecy: secrecy, expectation: "text", summary: summary,
                     assign: { config, value in config[keyPath: property.path] = try value.scalar() },
                     render: { config in config[keyPath: property.path] })
    }

    static func integer<Number: FixedWidthInteger & Sendable>(
        _ path: String, _ environment: String, flag: String? = nil, _ property: Target<Number>, minimum: Number,
        _ summary: String
    ) -> ConfigurationKey {
        let property = SendableKeyPath(property)
        let expectation = "a whole number from \(minimum)"
        return .init(path, environment, flag: flag, expectation: expectation, summary: summary,
                     assign: { config, value in
                         let text = try value.scalar().replacingOccurrences(of: "_", with: "")
                         guard let number = Number(text), number >= minimum else { throw ValueProblem(expected: expectation) }
                         config[keyPath: property.path] = number
                     },
                     render: { config in String(config[keyPath: property.path]) })
    }

    static func seconds(_ path: String, _ environment: String, flag: String? = nil, _ property: Target<Double>,
                        positive: Bool, _ summary: String) -> ConfigurationKey {
        let property = SendableKeyPath(property)
        let expectation = positive ? "a number of seconds above 0" : "a number of seconds, 0 or more"
        return .init(path, environment, flag: flag, expectation: expectation, summary: summary,
                     assign: { config, value in
                         guard let number = Double(try value.scalar()), number.isFinite, positive ? number > 0 : number >= 0 else {
                             throw ValueProblem(expected: expectation)
                         }
                         config[keyPath: property.path] = number
                     },
                     render: { config in Self.trimmed(config[keyPath: property.path]) })
    }

    static func boolean(_ path: String, _ environment: String, flag: String? = nil, _ property: Target<Bool>,
                        _ summary: String) -> ConfigurationKey {
        let property = SendableKeyPath(property)
        let expectation = "true or false (also yes/no, on/off, 1/0)"
        return .init(path, environment, flag: flag, expectation: expectation, summary: summary,
                     assign: { config, value in
                         switch try value.scalar().lowercased() {
                         case "1", "true", "yes", "on", "always": config[keyPath: property.path] = true
                         case "0", "false", "no", "off", "never": config[keyPath: property.path] = false
                         default: throw ValueProblem(expected: expectation)
                         }
                     },
                     render: { config in String(config[keyPath: property.path]) })
    }

    static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(
        _ path: String, _ environment: String, flag: String? = nil, _ property: Target<Choice>, _ summary: String
    ) -> ConfigurationKey where Choice.RawValue == String {
        let property = SendableKeyPath(property)
        let expectation = "one of " + Choice.allCases.map(\.rawValue).joined(separator: ", ")
        return .init(path, environment, flag: flag, expectation: expectation, summary: summary,
                     assign: { config, value in
                         guard let choice = Choice(rawValue: try value.scalar().lowercased()) else { throw ValueProblem(expected: expectation) }
                         config[keyPath: property.path] = choice
                     },
                     render: { config in config[keyPath: property.path].rawValue })
    }

    /// Schema-qualified table names; a name without a schema gets `public.`.
    static func tables(_ path: String, _ environment: String, flag: String? = nil, _ property: Target<[String]>,
                       _ summary: String) -> ConfigurationKey {
        let property = SendableKeyPath(property)
        return .init(path, environment, flag: flag, shape: .list, expectation: "a list of tables (schema.table)", summary: summary,
                     assign: { config, value in config[keyPath: property.path] = try value.items().map(HelioConfiguration.qualify) },
                     render: { config in config[keyPath: property.path].joined(separator: ",") })
    }

    /// `name=value` settings that replace the default as a whole.
    static func settings(_ path: String, _ environment: String, flag: String? = nil, _ property: Target<[String: String]>,
                         _ summary: String) -> ConfigurationKey {
        let property = SendableKeyPath(property)
        return .init(path, environment, flag: flag, shape: .settings, expectation: "name=value[,name=value…]", summary: summary,
                     assign: { config, value in
                         var settings: [String: String] = [:]
                         for (name, setting) in try value.pairs() { settings[name] = setting }
                         config[keyPath: property.path] = settings
                     },
                     render: { config in Self.renderSettings(config[keyPath: property.path]) })
    }

    static func renderSettings(_ settings: [String: String]) -> String {
        settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    static func trimmed(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

extension ConfigurationValue {
    func scalar() throws -> String {
        guard case .text(let text) = self else { throw ValueProblem(expected: "a single value, not a list or mapping") }
        return text
    }

    /// List items, trimmed, empty ones dropped; one string is split at commas.
    func items() throws -> [String] {
        let raw: [String]
        switch self {
        case .text(let text): raw = text.split(separator: ",").map(String.init)
        case .list(let list): raw = list
        case .settings: throw ValueProblem(expected: "a list, not a mapping")
        }
        return raw.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func pairs() throws -> [(name: String, value: String)] {
        switch self {
        case .settings(let pairs): return pairs
        case .list: throw ValueProblem(expected: "name=value settings, not a list")
        case .text(let text):
            return try text.split(separator: ",").map { pair in
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty else { throw ValueProblem(expected: "name=value[,name=value…]") }
                return (parts[0], parts[1])
            }
        }
    }
}

/// A key path the table's closures may capture: the table is built once and only read.
struct SendableKeyPath<Root, Value>: @unchecked Sendable {
    let path: WritableKeyPath<Root, Value>
    init(_ path: WritableKeyPath<Root, Value>) { self.path = path }
}
