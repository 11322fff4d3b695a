import Foundation
import HelioEvents
import HelioOps

/// The columns of the source tables whose values Debezium's form encodes differently from the
/// data contract, with what apply needs to read them back: a `numeric`'s declared scale (the
/// payload carries only the unscaled integer) and which columns are dates (days since 1970).
/// Every other column the contract uses (bigint, text, char, double precision, timestamptz as
/// ISO-8601 UTC text) reads the same in both forms.
///
/// This is apply's model of the contract's tables (docs/contract.md §1): a source whose
/// declared scales differ would be read wrong by a factor of ten per digit, which
/// `helio verify` reports as differing rows.
struct DebeziumColumns {
    private static let scales: [String: [String: Int]] = [
        "units": ["installed_power_kwp": 3],
        "devices": ["nominal_power_kw": 3],
        "energy": ["energy_kwh": 4, "power_kw": 4],
        "energy_compensate": ["injected_kwh": 4, "consumed_kwh": 4, "compensated_kwh": 4, "credit_balance_kwh": 4],
        "irradiance": ["irradiance_wm2": 2, "module_temp_c": 2, "ambient_temp_c": 2],
    ]
    private static let dates: [String: Set<String>] = [
        "devices": ["installed_at"],
        "energy_compensate": ["reference_month"],
    ]

    let scales: [String: Int]
    let dates: Set<String>
    /// `capture.decimal_handling_mode`: how capture wrote the numerics.
    let decimalMode: HelioConfiguration.DecimalHandlingMode

    init(table: String, decimalMode: HelioConfiguration.DecimalHandlingMode = .precise) {
        scales = Self.scales[table] ?? [:]
        dates = Self.dates[table] ?? []
        self.decimalMode = decimalMode
    }

    /// The row image with numerics and dates in the contract's forms. A value that is not in
    /// Debezium's form for its column (the TOAST placeholder, a null) is kept as it is.
    func contractValues(_ row: JSONObject) throws(PoisonRecord) -> JSONObject {
        guard !scales.isEmpty || !dates.isEmpty else { return row }
        var converted = JSONObject(minimumCapacity: row.count)
        for field in row {
            converted.append(field.key, try contractValue(field.key, field.value))
        }
        return converted
    }

    private func contractValue(_ column: String, _ value: JSONValue) throws(PoisonRecord) -> JSONValue {
        if let scale = scales[column], decimalMode != .precise {
            return try DecimalModeText.contractValue(column, value, scale: scale, mode: decimalMode)
        }
        if let scale = scales[column] {
            switch value {
            case .string(let base64) where base64 != unavailableValuePlaceholder:
                guard let text = DecimalBytes.text(base64: base64, scale: scale) else {
                    throw PoisonRecord(reason: "\(column): '\(base64)' is not a base64 numeric")
                }
                return .string(text)
            case .object(let variable):  // numeric without a declared scale: {"scale": s, "value": base64}
                guard let scale = variable["scale"]?.intValue, let base64 = variable["value"]?.stringValue,
                      let text = DecimalBytes.text(base64: base64, scale: scale) else {
                    throw PoisonRecord(reason: "\(column): \(value) is not a numeric {scale, value}")
                }
                return .string(text)
            default:
                return value
            }
        }
        if dates.contains(column), let days = value.int64Value {
            let (year, month, day) = PostgresTime.civilDate(daysSinceUnixEpoch: days)
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            guard year >= 1 && year <= 9999 else { throw PoisonRecord(reason: "\(column): day \(days) is outside years 1–9999") }
            let yearText = String(year)
            return .string(String(repeating: "0", count: 4 - yearText.count) + yearText + "-" + two(month) + "-" + two(day))
        }
        return value
    }

}

/// Kafka Connect's `Decimal`: the unscaled value as big-endian two's complement, base64.
enum DecimalBytes {
    static func text(base64: String, scale: Int) -> String? {
        guard let bytes = decodeBase64(base64), !bytes.isEmpty, scale >= 0 else { return nil }
        let negative = bytes[0] & 0x80 != 0
        // magnitude of a two's complement number: invert and add one when negative
        var magnitude = negative ? bytes.map { ~$0 } : bytes
        if negative {
            var index = magnitude.count - 1
            while index >= 0 {
                let (sum, carry) = magnitude[index].addingReportingOverflow(1)
                magnitude[index] = sum
                if !carry { break }
                index -= 1
            }
        }
        var digits = decimalDigits(magnitude)
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        let integer = digits.dropLast(scale)
        let fraction = digits.suffix(scale)
        return (negative ? "-" : "") + integer + (scale > 0 ? "." + fraction : "")
    }

    /// Base-256 digits to base-10 text by repeated division (values are a few bytes long).
    private static func decimalDigits(_ bytes: [UInt8]) -> String {
        var number = Array(bytes.drop { $0 == 0 })
        guard !number.isEmpty else { return "0" }
        var digits: [UInt8] = []
        while !number.isEmpty {
            var remainder = 0
            var quotient: [UInt8] = []
            quotient.reserveCapacity(number.count)
            for byte in number {
                let current = remainder * 256 + Int(byte)
                let digit = current / 10
                remainder = current % 10
                if !quotient.isEmpty || digit != 0 { quotient.append(UInt8(digit)) }
            }
            digits.append(UInt8(ascii: "0") + UInt8(remainder))
            number = quotient
        }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }

    private static func decodeBase64(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text).map { [UInt8]($0) }
    }
}
