/// The kinds of device the contract knows (`devices.kind`).
enum DeviceKind: String, Sendable {
    case inverter
    case meter
    case weatherStation = "weather_station"
}

/// A device model a manufacturer sells.
struct DeviceModel: Sendable {
    let manufacturer: String
    let model: String
    /// AC nominal power for inverters; nil for stations and meters.
    let nominalKW: Double?
}

/// How a manufacturer names its serial numbers and firmware releases.
struct Manufacturer: Sendable {
    let name: String
    let serialPrefix: String
    let serialDigits: Int
    /// Major version of the current firmware line (`3` → `3.14.2`).
    let firmwareMajor: Int
    let weight: Double
}

enum Equipment {
    static let inverterMakers = [
        Manufacturer(name: "Fronius", serialPrefix: "FRO", serialDigits: 9, firmwareMajor: 3, weight: 3),
        Manufacturer(name: "Growatt", serialPrefix: "GRW", serialDigits: 10, firmwareMajor: 2, weight: 4),
        Manufacturer(name: "SMA", serialPrefix: "SMA", serialDigits: 10, firmwareMajor: 4, weight: 2),
        Manufacturer(name: "Huawei", serialPrefix: "HWI", serialDigits: 10, firmwareMajor: 1, weight: 4),
        Manufacturer(name: "WEG", serialPrefix: "WEG", serialDigits: 9, firmwareMajor: 2, weight: 2),
    ]

    static let inverterModels: [DeviceModel] = [
        DeviceModel(manufacturer: "Fronius", model: "Primo 3.0-1", nominalKW: 3.0),
        DeviceModel(manufacturer: "Fronius", model: "Primo 5.0-1", nominalKW: 5.0),
        DeviceModel(manufacturer: "Fronius", model: "Primo 8.2-1", nominalKW: 8.2),
        DeviceModel(manufacturer: "Fronius", model: "Symo 10.0-3-M", nominalKW: 10.0),
        DeviceModel(manufacturer: "Fronius", model: "Symo 15.0-3-M", nominalKW: 15.0),
        DeviceModel(manufacturer: "Fronius", model: "Symo 20.0-3-M", nominalKW: 20.0),
        DeviceModel(manufacturer: "Fronius", model: "Tauro 50-3-D", nominalKW: 50.0),
        DeviceModel(manufacturer: "Growatt", model: "MIC 3000TL-X", nominalKW: 3.0),
        DeviceModel(manufacturer: "Growatt", model: "MIN 5000TL-X", nominalKW: 5.0),
        DeviceModel(manufacturer: "Growatt", model: "MIN 6000TL-X", nominalKW: 6.0),
        DeviceModel(manufacturer: "Growatt", model: "MOD 10KTL3-X", nominalKW: 10.0),
        DeviceModel(manufacturer: "Growatt", model: "MID 15KTL3-X", nominalKW: 15.0),
        DeviceModel(manufacturer: "Growatt", model: "MID 25KTL3-X", nominalKW: 25.0),
        DeviceModel(manufacturer: "Growatt", model: "MAX 50KTL3 LV", nominalKW: 50.0),
        DeviceModel(manufacturer: "SMA", model: "Sunny Boy 3.0", nominalKW: 3.0),
        DeviceModel(manufacturer: "SMA", model: "Sunny Boy 5.0", nominalKW: 5.0),
        DeviceModel(manufacturer: "SMA", model: "Sunny Tripower 8.0", nominalKW: 8.0),
        DeviceModel(manufacturer: "SMA", model: "Sunny Tripower 10.0", nominalKW: 10.0),
        DeviceModel(manufacturer: "SMA", model: "Sunny Tripower 15000TL", nominalKW: 15.0),
        DeviceModel(manufacturer: "SMA", model: "Sunny Tripower 25000TL", nominalKW: 25.0),
        DeviceModel(manufacturer: "SMA", model: "Sunny Tripower CORE1 50", nominalKW: 50.0),
        DeviceModel(manufacturer: "Huawei", model: "SUN2000-3KTL-L1", nominalKW: 3.0),
        DeviceModel(manufacturer: "Huawei", model: "SUN2000-5KTL-L1", nominalKW: 5.0),
        DeviceModel(manufacturer: "Huawei", model: "SUN2000-8KTL-M1", nominalKW: 8.0),
        DeviceModel(manufacturer: "Huawei", model: "SUN2000-12KTL-M2", nominalKW: 12.0),
        DeviceModel(manufacturer: "Huawei", model: "SUN2000-20KTL-M2", nominalKW: 20.0),
        DeviceModel(manufacturer: "Huawei", model: "SUN2000-30KTL-M3", nominalKW: 30.0),
        DeviceModel(manufacturer: "Huawei", model: "SUN2000-50KTL-M3", nominalKW: 50.0),
        DeviceModel(manufacturer: "WEG", model: "SIW200G M030", nominalKW: 3.0),
        DeviceModel(manufacturer: "WEG", model: "SIW200G M050", nominalKW: 5.0),
        DeviceModel(manufacturer: "WEG", model: "SIW500H ST008", nominalKW: 8.0),
        DeviceModel(manufacturer: "WEG", model: "SIW500H ST012", nominalKW: 12.0),
        DeviceModel(manufacturer: "WEG", model: "SIW500H ST020", nominalKW: 20.0),
        DeviceModel(manufacturer: "WEG", model: "SIW500H ST036", nominalKW: 36.0),
        DeviceModel(manufacturer: "WEG", model: "SIW700 T050", nominalKW: 50.0),
    ]

    static let stationMakers = [
        Manufacturer(name: "Kipp & Zonen", serialPrefix: "KZW", serialDigits: 8, firmwareMajor: 1, weight: 2),
        Manufacturer(name: "Hukseflux", serialPrefix: "HKW", serialDigits: 8, firmwareMajor: 2, weight: 2),
        Manufacturer(name: "Campbell Scientific", serialPrefix: "CSW", serialDigits: 8, firmwareMajor: 5, weight: 1),
    ]
    static let stationModels: [String: String] = [
        "Kipp & Zonen": "SMP3 Weather Kit", "Hukseflux": "SR05-D1A3 Station", "Campbell Scientific": "MetSENS500",
    ]

    static let meterMakers = [
        Manufacturer(name: "Landis+Gyr", serialPrefix: "LGM", serialDigits: 9, firmwareMajor: 6, weight: 2),
        Manufacturer(name: "Nansen", serialPrefix: "NSM", serialDigits: 9, firmwareMajor: 3, weight: 2),
        Manufacturer(name: "Eletra", serialPrefix: "ELM", serialDigits: 9, firmwareMajor: 2, weight: 1),
    ]
    static let meterModels: [String: String] = [
        "Landis+Gyr": "E450", "Nansen": "Spectrum K", "Eletra": "Zeus 8023",
    ]

    /// The inverter model of `manufacturer` whose nominal power is closest to `targetKW`.
    static func inverterModel(manufacturer: String, closestTo targetKW: Double) -> DeviceModel {
        let models = inverterModels.filter { $0.manufacturer == manufacturer }
        return models.min { abs(($0.nominalKW ?? 0) - targetKW) < abs(($1.nominalKW ?? 0) - targetKW) } ?? inverterModels[0]
    }
}
