import Testing
@testable import HelioSimulator

/// The seeded share of implausible readings the demo writes for the data-quality rules to find.
@Suite struct ImplausibleReadingsTests {
    static let step: Int64 = 900
    static let start: Int64 = 1_769_860_800   // 2026-01-31 12:00 UTC, on the 15-minute grid

    /// 100 inverters of 8 kW × 1,000 steps under a bright sun, through `readings`.
    static func energy(_ readings: ImplausibleReadings) -> [(EnergyReading, EnergyReading, ImplausibleReadings.Kind?)] {
        var out: [(EnergyReading, EnergyReading, ImplausibleReadings.Kind?)] = []
        for device in Int64(1)...100 {
            for k in Int64(0)..<1_000 {
                let plain = EnergyReading(deviceID: device, instant: start + k * step, energyKWh: 1.5, powerKW: 6)
                let (sent, kind) = readings.energy(plain, nominalKW: 8, irradiance: 800, intervalHours: 0.25)
                out.append((plain, sent, kind))
            }
        }
        return out
    }

    static func irradiance(_ readings: ImplausibleReadings) -> [(IrradianceReading, ImplausibleReadings.Kind?)] {
        (Int64(1)...100).flatMap { unit in
            (Int64(0)..<1_000).map { k in
                readings.irradiance(IrradianceReading(unitID: unit, stationID: nil, instant: start + k * step,
                                                      irradiance: 850, moduleTemp: 45, ambientTemp: 28))
            }
        }
    }

    @Test func aSmallShareOfEachKindAppears() {
        let readings = ImplausibleReadings(seed: 42, share: 0.002)
        let energy = Self.energy(readings)
        let odd = energy.filter { $0.2 != nil }
        // 100,000 readings at 0.2 %: about 200 (a binomial's spread is about 14).
        #expect((140...260).contains(odd.count), "\(odd.count)")
        var kinds: [ImplausibleReadings.Kind: Int] = [:]
        for (plain, sent, kind) in odd {
            guard let kind else { continue }
            kinds[kind, default: 0] += 1
            switch kind {
            case .energySpike:
                // The nominal_power rule (8 kW × 0.25 h × 1.2 = 2.4 kWh) fails it.
                #expect(sent.energyKWh >= 6 && sent.powerKW >= 24 && sent.instant == plain.instant, "\(sent)")
            case .stuckMeter:
                #expect(sent.energyKWh == 0 && sent.powerKW == 0 && sent.instant == plain.instant)
            case .futureClock:
                let ahead = sent.instant - plain.instant
                #expect(ahead >= 2 * 3_600 && ahead <= 13 * 3_600, "\(ahead)")
                #expect(ahead % 60 != 0, "off the sample grid: never the key of a regular reading")
                #expect(sent.energyKWh == plain.energyKWh)
            case .irradianceSpike:
                Issue.record("an inverter's reading made an irradiance spike")
            }
        }
        #expect((kinds[.energySpike] ?? 0) > 30 && (kinds[.stuckMeter] ?? 0) > 30 && (kinds[.futureClock] ?? 0) > 30, "\(kinds)")
        // Every other reading is sent as the weather made it.
        for (plain, sent, kind) in energy where kind == nil {
            #expect(sent.energyKWh == plain.energyKWh && sent.instant == plain.instant)
        }

        let stations = Self.irradiance(readings)
        let spikes = stations.filter { $0.1 != nil }
        #expect((140...260).contains(spikes.count), "\(spikes.count)")
        for (reading, kind) in spikes {
            #expect(kind == .irradianceSpike)
            #expect(reading.irradiance >= 2_000 && reading.irradiance <= 9_000, "\(reading.irradiance)")
        }
        #expect(stations.filter { $0.1 == nil }.allSatisfy { $0.0.irradiance == 850 })
    }

    @Test func theSameSeedMakesTheSameReadingsImplausible() {
        func odd(_ seed: UInt64) -> [String] {
            Self.energy(ImplausibleReadings(seed: seed, share: 0.002)).compactMap { plain, sent, kind in
                kind.map { "\(plain.deviceID)@\(plain.instant) \($0.rawValue) \(sent.energyKWh) \(sent.instant)" }
            } + Self.irradiance(ImplausibleReadings(seed: seed, share: 0.002)).compactMap { reading, kind in
                kind.map { _ in "unit \(reading.unitID)@\(reading.instant) \(reading.irradiance)" }
            }
        }
        let first = odd(42)
        #expect(!first.isEmpty)
        #expect(first == odd(42))
        #expect(first != odd(43))
    }

    @Test func shareZeroMakesNone() {
        let off = ImplausibleReadings(seed: 42, share: 0)
        #expect(Self.energy(off).allSatisfy { $0.2 == nil && $0.1.energyKWh == $0.0.energyKWh && $0.1.instant == $0.0.instant })
        #expect(Self.irradiance(off).allSatisfy { $0.1 == nil && $0.0.irradiance == 850 })
    }

    @Test func aStuckMeterNeedsTheSunUp() {
        // Under a dim sky a reading picked to be stuck is sent as it is: zero would be plausible.
        let readings = ImplausibleReadings(seed: 42, share: 0.5)
        var dim = 0
        for device in Int64(1)...200 {
            let plain = EnergyReading(deviceID: device, instant: Self.start, energyKWh: 0.01, powerKW: 0.04)
            let (sent, kind) = readings.energy(plain, nominalKW: 8, irradiance: 50, intervalHours: 0.25)
            #expect(kind != .stuckMeter)
            if kind == nil { dim += sent.energyKWh == plain.energyKWh ? 1 : 0 }
        }
        #expect(dim > 0)
    }

    @Test func optionsRefuseAShareOutsideZeroToAHalf() {
        #expect(SimulatorOptions().implausibleShare == SimulatorOptions.defaultImplausibleShare)
        #expect(throws: SimulatorError.self) { try SimulatorOptions(implausibleShare: 0.6).validate() }
        #expect(throws: SimulatorError.self) { try SimulatorOptions(implausibleShare: -0.1).validate() }
        #expect(throws: Never.self) { try SimulatorOptions(implausibleShare: 0).validate() }
    }
}
