import Testing
import HelioEvents

/// Inputs printed by PostgreSQL 15 under DateStyle ISO in the zones noted.
@Suite struct PGDateTimeTextTests {
    static let timestamptzCases: [(String, String)] = [
        ("2026-11-29 00:27:04.123456+00", "2026-11-29T00:27:04.123456Z"),  // UTC
        ("2026-11-29 00:27:04+00", "2026-11-29T00:27:04Z"),
        ("2026-11-29 00:27:04.5+00", "2026-11-29T00:27:04.5Z"),
        ("2026-11-29 05:57:04+05:30", "2026-11-29T05:57:04+05:30"),  // Asia/Kolkata
        ("2026-11-29 05:57:04.12+05:30", "2026-11-29T05:57:04.12+05:30"),
        ("2026-11-28 21:27:04-03", "2026-11-28T21:27:04-03:00"),  // America/Sao_Paulo
        ("1999-01-08 04:05:06-08", "1999-01-08T04:05:06-08:00"),  // PST8PDT
        ("2026-11-29 06:12:04+05:45", "2026-11-29T06:12:04+05:45"),  // Asia/Kathmandu
        ("1900-01-01 00:00:00+00:19:32", "1900-01-01T00:00:00+00:19:32"),  // Amsterdam LMT
        ("0044-03-15 10:00:00+00 BC", "-0043-03-15T10:00:00Z"),
        ("infinity", "infinity"),
        ("-infinity", "-infinity"),
    ]

    @Test(arguments: timestamptzCases)
    func timestamptzBecomesISO8601WithOffset(_ input: String, _ expected: String) {
        #expect(PGValueConverter.convert(input, typeOID: PGTypeOID.timestamptz) == .string(expected))
    }

    static let timestampCases: [(String, String)] = [
        ("2026-11-29 00:27:04.123456", "2026-11-29T00:27:04.123456"),
        ("2026-11-29 00:27:04", "2026-11-29T00:27:04"),
        ("0044-03-15 10:00:00 BC", "-0043-03-15T10:00:00"),
        ("infinity", "infinity"),
    ]

    @Test(arguments: timestampCases)
    func timestampBecomesISO8601WithoutOffset(_ input: String, _ expected: String) {
        #expect(PGValueConverter.convert(input, typeOID: PGTypeOID.timestamp) == .string(expected))
    }

    static let dateCases: [(String, String)] = [
        ("2026-11-29", "2026-11-29"),
        ("10000-01-01", "10000-01-01"),
        ("0044-03-15 BC", "-0043-03-15"),
        ("0001-01-01 BC", "0000-01-01"),
        ("infinity", "infinity"),
    ]

    @Test(arguments: dateCases)
    func dateStaysYYYYMMDD(_ input: String, _ expected: String) {
        #expect(PGValueConverter.convert(input, typeOID: PGTypeOID.date) == .string(expected))
    }

    /// Other DateStyles, or text of the wrong shape, pass through unchanged.
    @Test(arguments: [
        (PGTypeOID.timestamptz, "Sun Nov 29 00:27:04.123456 2026 UTC"),
        (PGTypeOID.timestamptz, "2026-11-29 00:27:04"),
        (PGTypeOID.timestamptz, "2026-11-29 00:27:04+0"),
        (PGTypeOID.timestamptz, "2026-11-29 0:27:04+00"),
        (PGTypeOID.timestamp, "2026-11-29 00:27:04+00"),
        (PGTypeOID.timestamp, "2026-11-29 00:27:04."),
        (PGTypeOID.date, "11/29/2026"),
        (PGTypeOID.date, "2026-11-29x"),
    ])
    func unrecognisedTextPassesThrough(_ oid: UInt32, _ input: String) {
        #expect(PGValueConverter.convert(input, typeOID: oid) == .string(input))
    }
}
