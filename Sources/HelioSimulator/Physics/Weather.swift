import Foundation

/// One weather-station reading.
struct IrradianceReading: Sendable {
    var unitID: Int64
    var stationID: Int64?
    var instant: Int64
    var irradiance: Double
    var moduleTemp: Double
    var ambientTemp: Double
}

/// One inverter reading for the interval that ends at `instant`.
struct EnergyReading: Sendable {
    var deviceID: Int64
    var instant: Int64
    var energyKWh: Double
    var powerKW: Double
}

/// The weather and the plants' response to it. Day-level traits (cloudiness, temperature
/// range, inverter efficiency) come from hashes of the seed and ids, so a restart sees the
/// same day it left; sample-level noise comes from the run's generator.
struct Weather: Sendable {
    let seed: UInt64

    /// Clear-sky fraction of a unit's day, 0.3...1, mostly sunny; nearby units share weather.
    func clearness(unit: UnitRecord, day: Int) -> Double {
        let region = UInt64(bitPattern: Int64((unit.latitude).rounded()) &* 1000 &+ Int64((unit.longitude).rounded()))
        let regional = SplitMix64.unitHash(seed, 1, region, UInt64(bitPattern: Int64(day)))
        let local = SplitMix64.unitHash(seed, 2, UInt64(bitPattern: unit.id), UInt64(bitPattern: Int64(day)))
        let cloud = 0.65 * regional + 0.35 * local
        return 1 - 0.7 * pow(cloud, 2.2)
    }

    /// Conversion efficiency of an inverter and its strings, 0.80...0.95, fixed per device.
    func efficiency(deviceID: Int64) -> Double {
        0.80 + 0.15 * SplitMix64.unitHash(seed, 3, UInt64(bitPattern: deviceID))
    }

    func reading(unit: UnitRecord, stationID: Int64?, instant: Int64, rng: inout some RandomNumberGenerator) -> IrradianceReading {
        let day = Int(instant.floorDiv(86_400))
        let sinElevation = SolarGeometry.sinElevation(instant: instant, latitude: unit.latitude, longitude: unit.longitude)
        let clear = SolarGeometry.clearSkyIrradiance(sinElevation: sinElevation)
        let clearness = clearness(unit: unit, day: day)
        var irradiance = 0.0
        if clear > 0 {
            irradiance = clear * clearness * (1 + rng.noise(sd: 0.02 + 0.25 * (1 - clearness)))
            irradiance = min(max(irradiance, 0), clear * 1.1 + 5)
        }
        let ambient = ambientTemperature(unit: unit, instant: instant, clearness: clearness)
        let heating = irradiance * (0.025 + 0.007 * SplitMix64.unitHash(seed, 4, UInt64(bitPattern: unit.id)))
        let module = ambient + heating - (clear > 0 ? 0 : 1.2) + rng.noise(sd: 0.3)
        return IrradianceReading(unitID: unit.id, stationID: stationID, instant: instant,
                                 irradiance: (irradiance * 100).rounded() / 100,
                                 moduleTemp: (module * 100).rounded() / 100,
                                 ambientTemp: (ambient * 100).rounded() / 100)
    }

    /// Ambient temperature, 18–34 °C: warmer near the equator and in summer, coolest before
    /// dawn, warmest mid-afternoon (local solar time), flatter on cloudy days.
    func ambientTemperature(unit: UnitRecord, instant: Int64, clearness: Double) -> Double {
        let day = Int(instant.floorDiv(86_400))
        let dayOfYear = Double(CivilDate(daysSinceEpoch: day).dayOfYear)
        let latitude = abs(unit.latitude)
        let season = cos(2 * Double.pi * (dayOfYear - 15) / 365.25) // +1 mid-January, −1 mid-July
        let dayNoise = SplitMix64.unitHash(seed, 5, UInt64(bitPattern: unit.id), UInt64(bitPattern: Int64(day))) * 3 - 1.5
        let low = 22.5 - 0.2 * (latitude - 3) + season * 2.5 * latitude / 25 + dayNoise
        let range = (8 + 2 * SplitMix64.unitHash(seed, 6, UInt64(bitPattern: unit.id))) * (0.5 + 0.5 * clearness)
        let hour = SolarGeometry.solarHour(instant: instant, longitude: unit.longitude)
        let shape: Double
        if hour >= 6 && hour < 15 {
            shape = 0.5 - 0.5 * cos(Double.pi * (hour - 6) / 9)
        } else {
            let sinceWarmest = hour >= 15 ? hour - 15 : hour + 9
            shape = 0.5 + 0.5 * cos(Double.pi * sinceWarmest / 15)
        }
        return min(34, max(18, low + range * shape))
    }

    /// The energy an inverter delivers over one sample interval under `irradiance`; nil when
    /// it produces nothing (night: inverters sleep and send no reading).
    func energy(deviceID: Int64, nominalKW: Double, irradiance: Double, instant: Int64, intervalHours: Double,
                rng: inout some RandomNumberGenerator) -> EnergyReading? {
        guard irradiance > 0, nominalKW > 0 else { return nil }
        var power = irradiance / 1000 * nominalKW * efficiency(deviceID: deviceID) * (1 + rng.noise(sd: 0.01))
        power = min(max(power, 0), nominalKW) // the inverter clips at its nominal power
        let energy = ((power * intervalHours) * 10_000).rounded() / 10_000
        guard energy > 0 else { return nil }
        return EnergyReading(deviceID: deviceID, instant: instant, energyKWh: energy,
                             powerKW: (power * 10_000).rounded() / 10_000)
    }
}
