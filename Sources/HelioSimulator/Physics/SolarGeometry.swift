import Foundation

/// Where the sun is: the textbook approximations (Cooper's declination, Spencer-style
/// equation of time), good to a fraction of a degree, which is plenty for a simulator.
enum SolarGeometry {
    /// Local apparent solar time in hours [0, 24) at a longitude (degrees east).
    static func solarHour(instant: Int64, longitude: Double) -> Double {
        let utcHours = Double(instant - instant.floorDiv(86_400) * 86_400) / 3600
        let day = CivilDate(daysSinceEpoch: Int(instant.floorDiv(86_400))).dayOfYear
        let b = 2 * Double.pi * Double(day - 81) / 364
        let equationOfTime = 9.87 * sin(2 * b) - 7.53 * cos(b) - 1.5 * sin(b) // minutes
        let hour = utcHours + longitude / 15 + equationOfTime / 60
        return hour - 24 * (hour / 24).rounded(.down)
    }

    /// Sine of the sun's elevation above the horizon (negative at night).
    static func sinElevation(instant: Int64, latitude: Double, longitude: Double) -> Double {
        let day = Double(CivilDate(daysSinceEpoch: Int(instant.floorDiv(86_400))).dayOfYear)
        let declination = 23.44 * sin(2 * Double.pi * (284 + day) / 365) * Double.pi / 180
        let hourAngle = (solarHour(instant: instant, longitude: longitude) - 12) * 15 * Double.pi / 180
        let phi = latitude * Double.pi / 180
        return sin(phi) * sin(declination) + cos(phi) * cos(declination) * cos(hourAngle)
    }

    /// Clear-sky global horizontal irradiance in W/m² (Haurwitz): ~1040 with the sun overhead.
    static func clearSkyIrradiance(sinElevation: Double) -> Double {
        guard sinElevation > 0.01 else { return 0 }
        return 1098 * sinElevation * exp(-0.057 / sinElevation)
    }
}
