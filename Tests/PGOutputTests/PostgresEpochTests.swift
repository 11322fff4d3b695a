import PGOutput
import Testing

@Suite struct PostgresEpochTests {
    @Test func convertsBetweenEpochs() {
        #expect(PostgresEpoch.unixMicros(postgresMicros: 0) == 946_684_800_000_000)
        #expect(PostgresEpoch.postgresMicros(unixMicros: 946_684_800_000_000) == 0)
        // 2026-11-28 00:00:00 UTC, as sent in the origin fixture.
        #expect(PostgresEpoch.unixMicros(postgresMicros: 0x0003_0449_A061_8000) == 1_795_824_000_000_000)
    }

    @Test func infinityDoesNotTrap() {
        #expect(PostgresEpoch.unixMicros(postgresMicros: .max) < 0)
        #expect(PostgresEpoch.postgresMicros(unixMicros: .min) > 0)
    }
}
