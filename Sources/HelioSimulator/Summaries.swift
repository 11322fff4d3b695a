/// Rows changed in one table.
public struct ChangeCounts: Sendable, Equatable {
    public var inserts = 0
    public var updates = 0
    public var deletes = 0

    public init(inserts: Int = 0, updates: Int = 0, deletes: Int = 0) {
        self.inserts = inserts
        self.updates = updates
        self.deletes = deletes
    }

    public var total: Int { inserts + updates + deletes }
}

/// What `seed()` found and created.
public struct SeedSummary: Sendable, Equatable, CustomStringConvertible {
    public var existingUsers = 0
    public var existingUnits = 0
    public var existingDevices = 0
    public var createdUsers = 0
    public var createdUnits = 0
    public var createdDevices = 0

    public init() {}

    public var description: String {
        "users \(createdUsers) created / \(existingUsers) reused, units \(createdUnits) / \(existingUnits), "
            + "devices \(createdDevices) / \(existingDevices)"
    }
}

/// What `run(shouldStop:)` wrote: rows changed per source table (the six contract names),
/// as the server counted them (an insert that hit `ON CONFLICT DO NOTHING` does not count).
public struct RunSummary: Sendable, CustomStringConvertible {
    public static let tables = ["users", "units", "devices", "energy", "energy_compensate", "irradiance"]

    public var steps = 0
    public var tables: [String: ChangeCounts] = Dictionary(uniqueKeysWithValues: RunSummary.tables.map { ($0, ChangeCounts()) })
    /// First and last sample instants written (the simulated clock), ISO-8601 UTC.
    public var simulatedStart: String?
    public var simulatedEnd: String?
    public var elapsedSeconds = 0.0
    /// Readings written implausible on purpose (`SimulatorOptions.implausibleShare`), by kind:
    /// `irradiance_spike`, `energy_spike`, `stuck_meter`, `future_clock`.
    public var implausible: [String: Int] = [:]

    public init() {}

    public var changes: Int { tables.values.reduce(0) { $0 + $1.total } }

    public var changesPerSecond: Double { elapsedSeconds > 0 ? Double(changes) / elapsedSeconds : 0 }

    public subscript(table: String) -> ChangeCounts {
        get { tables[table] ?? ChangeCounts() }
        set { tables[table] = newValue }
    }

    mutating func add(_ other: [String: ChangeCounts]) {
        for (table, counts) in other {
            self[table].inserts += counts.inserts
            self[table].updates += counts.updates
            self[table].deletes += counts.deletes
        }
    }

    public var description: String {
        let perTable = RunSummary.tables.map { name in
            let c = self[name]
            return "\(name) +\(c.inserts) ~\(c.updates) -\(c.deletes)"
        }.joined(separator: ", ")
        let rate = (changesPerSecond * 10).rounded() / 10
        let odd = implausible.values.reduce(0, +)
        return "\(steps) steps, \(changes) changes (\(rate)/s) from \(simulatedStart ?? "-") to \(simulatedEnd ?? "-"): \(perTable)"
            + (odd > 0 ? ", implausible readings \(odd) (" + implausible.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")" : "")
    }
}
