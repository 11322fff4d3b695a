/// The platform as the simulator knows it: every user, unit and device, by id.
struct Fleet: Sendable {
    private(set) var users: [UserRecord] = []
    private(set) var units: [UnitRecord] = []
    private(set) var devices: [DeviceRecord] = []
    private var userIndex: [Int64: Int] = [:]
    private var unitIndex: [Int64: Int] = [:]
    private var deviceIndex: [Int64: Int] = [:]

    init(users: [UserRecord] = [], units: [UnitRecord] = [], devices: [DeviceRecord] = []) {
        for user in users { add(user) }
        for unit in units { add(unit) }
        for device in devices { add(device) }
    }

    var isEmpty: Bool { users.isEmpty }

    mutating func add(_ user: UserRecord) { userIndex[user.id] = users.count; users.append(user) }
    mutating func add(_ unit: UnitRecord) { unitIndex[unit.id] = units.count; units.append(unit) }
    mutating func add(_ device: DeviceRecord) { deviceIndex[device.id] = devices.count; devices.append(device) }

    func user(_ id: Int64) -> UserRecord? { userIndex[id].map { users[$0] } }
    func unit(_ id: Int64) -> UnitRecord? { unitIndex[id].map { units[$0] } }
    func device(_ id: Int64) -> DeviceRecord? { deviceIndex[id].map { devices[$0] } }

    mutating func updateUser(_ id: Int64, _ change: (inout UserRecord) -> Void) {
        if let index = userIndex[id] { change(&users[index]) }
    }
    mutating func updateUnit(_ id: Int64, _ change: (inout UnitRecord) -> Void) {
        if let index = unitIndex[id] { change(&units[index]) }
    }
    mutating func updateDevice(_ id: Int64, _ change: (inout DeviceRecord) -> Void) {
        if let index = deviceIndex[id] { change(&devices[index]) }
    }

    var inverters: [DeviceRecord] { devices.filter { $0.kind == .inverter } }

    /// Each unit's weather station (the first, if several) and inverters, in id order.
    func equipment() -> [Int64: (station: Int64?, inverters: [DeviceRecord])] {
        var result: [Int64: (station: Int64?, inverters: [DeviceRecord])] = [:]
        for device in devices {
            var entry = result[device.unitID] ?? (nil, [])
            switch device.kind {
            case .weatherStation: if entry.station == nil { entry.station = device.id }
            case .inverter: entry.inverters.append(device)
            case .meter: break
            }
            result[device.unitID] = entry
        }
        return result
    }
}
