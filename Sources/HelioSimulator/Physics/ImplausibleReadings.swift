/// A small, seeded share of implausible readings, so that the demo shows the data-quality
/// rules at work (docs/operations.md, Data quality): a weather station's sensor spike
/// (thousands of W/m²), an inverter's spike (several times what its nominal power can
/// deliver in the interval), a stuck meter (zero energy while the sun is up) and an inverter
/// whose clock runs hours ahead (`measured_at` in the future).
///
/// Which reading goes wrong, and how, is a hash of the seed, the device (or unit) and the
/// instant, never a draw from the run's generator: the plausible readings stay exactly what
/// they are with the share at 0, and a restart or a second run with the same seed makes the
/// same readings implausible. Pure: no I/O.
struct ImplausibleReadings: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        /// Irradiance far above the 1,500 W/m² the default rule allows.
        case irradianceSpike = "irradiance_spike"
        /// Energy several times the device's nominal power × the interval.
        case energySpike = "energy_spike"
        /// Zero energy and power while the station sees a bright sun.
        case stuckMeter = "stuck_meter"
        /// `measured_at` hours after the step's instant (and off the sample grid).
        case futureClock = "future_clock"
    }

    let seed: UInt64
    /// The fraction of readings made implausible, 0 (off) to 0.5.
    let share: Double

    /// Irradiance a stuck meter needs to be obviously stuck: a clear morning or better.
    static let brightIrradiance = 300.0
    /// Seconds added to a future clock beyond whole hours: 7 min 13 s, a multiple of no
    /// sample interval, so the reading never takes the key of the device's regular reading
    /// when the clock later gets there.
    static let futureOffGrid: Int64 = 433

    /// Hash streams: one decides whether, one what kind, one how much.
    private func hash(_ stream: UInt64, _ id: Int64, _ instant: Int64) -> Double {
        SplitMix64.unitHash(seed, 0x1A7E, stream, UInt64(bitPattern: id), UInt64(bitPattern: instant))
    }

    /// The station's reading, or a spike of 2,000–9,000 W/m² for its share.
    func irradiance(_ reading: IrradianceReading) -> (IrradianceReading, Kind?) {
        guard share > 0, hash(1, reading.unitID, reading.instant) < share else { return (reading, nil) }
        var spiked = reading
        spiked.irradiance = ((2_000 + 7_000 * hash(3, reading.unitID, reading.instant)) * 100).rounded() / 100
        return (spiked, .irradianceSpike)
    }

    /// The inverter's reading, or for its share one of: a spike of 3–10 × nominal power, a
    /// stuck meter (zero, only under `brightIrradiance`; plausible otherwise) or a clock
    /// 2–12 hours ahead.
    func energy(_ reading: EnergyReading, nominalKW: Double, irradiance: Double, intervalHours: Double) -> (EnergyReading, Kind?) {
        guard share > 0, hash(2, reading.deviceID, reading.instant) < share else { return (reading, nil) }
        let pick = hash(4, reading.deviceID, reading.instant), amount = hash(5, reading.deviceID, reading.instant)
        var changed = reading
        switch pick {
        case ..<(1.0 / 3):
            let power = nominalKW * (3 + 7 * amount)
            changed.powerKW = (power * 10_000).rounded() / 10_000
            changed.energyKWh = (power * intervalHours * 10_000).rounded() / 10_000
            return (changed, .energySpike)
        case ..<(2.0 / 3):
            guard irradiance >= Self.brightIrradiance else { return (reading, nil) }
            changed.powerKW = 0
            changed.energyKWh = 0
            return (changed, .stuckMeter)
        default:
            changed.instant += Int64(2 + (amount * 11).rounded(.down)) * 3_600 + Self.futureOffGrid
            return (changed, .futureClock)
        }
    }
}
