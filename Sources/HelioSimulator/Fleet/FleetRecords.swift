/// What the simulator remembers of the rows it writes to. The database is the truth: these
/// are reloaded from it on start, so a restart continues where the last run stopped.
struct UserRecord: Sendable {
    var id: Int64
    var name: String
    var email: String
    var status: String
    /// Area code of the user's phone, kept when the number changes.
    var ddd: Int
    var isCompany: Bool
}

struct UnitRecord: Sendable {
    var id: Int64
    var userID: Int64
    var latitude: Double
    var longitude: Double
    var installedPowerKWp: Double
    var tariffClass: String
    var utility: String
}

struct DeviceRecord: Sendable {
    var id: Int64
    var unitID: Int64
    var kind: DeviceKind
    var manufacturer: String
    var nominalKW: Double?
    var firmware: String?
}

/// Rows ready to insert: generated values, no database ids yet.
struct NewUser: Sendable {
    var name: String
    var email: String
    var document: String
    var phone: String
    var status: String
    var ddd: Int
    var isCompany: Bool
}

struct NewUnit: Sendable {
    /// Index of the owner in the batch's new users, or an existing user id.
    var owner: Owner
    var name: String
    var address: String
    var city: String
    var state: String
    var latitude: Double
    var longitude: Double
    var installedPowerKWp: Double
    var tariffClass: String
    var utility: String

    enum Owner: Sendable, Hashable {
        case new(Int)
        case existing(Int64)
    }
}

struct NewDevice: Sendable {
    /// Index of the unit in the batch's new units, or an existing unit id.
    var unit: Parent
    var serialNumber: String
    var manufacturer: String
    var model: String
    var kind: DeviceKind
    var nominalKW: Double?
    var firmware: String
    /// `YYYY-MM-DD`.
    var installedAt: String

    enum Parent: Sendable, Hashable {
        case new(Int)
        case existing(Int64)
    }
}

/// Users, units and devices to create in one transaction.
struct NewEntities: Sendable {
    var users: [NewUser] = []
    var units: [NewUnit] = []
    var devices: [NewDevice] = []

    var isEmpty: Bool { users.isEmpty && units.isEmpty && devices.isEmpty }
}
