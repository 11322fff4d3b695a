import PGOutput
import Testing

@Suite struct LSNTests {
    @Test func formatsLikePostgres() {
        #expect(LSN(0x16_B374_D848).description == "16/B374D848")
        #expect(LSN(0).description == "0/0")
        #expect(LSN(0x1_0000_0000).description == "1/0")
        #expect(LSN(UInt64.max).description == "FFFFFFFF/FFFFFFFF")
    }

    @Test(arguments: ["16/B374D848", "0/0", "1/0", "0/1566D28", "FFFFFFFF/FFFFFFFF"])
    func roundTrips(text: String) throws {
        let lsn = try #require(LSN(text))
        #expect(lsn.description == text)
        #expect(LSN(lsn.description) == lsn)
    }

    @Test func parsesLowerCaseAndLeadingZeros() {
        #expect(LSN("16/b374d848") == LSN(0x16_B374_D848))
        #expect(LSN("00000016/0000000A") == LSN(0x16_0000_000A))
        #expect(LSN(parsing: "1/2"[...]) == LSN(0x1_0000_0002))
    }

    @Test(arguments: ["", "/", "1/", "/1", "1//2", "1/2/3", "123456789/0", "0/123456789", "g/0", "+1/0", " 1/0", "1/0 ", "-1/0"])
    func refusesMalformedText(text: String) {
        #expect(LSN(text) == nil)
    }

    @Test func ordersByPosition() {
        #expect(LSN("0/FFFFFFFF")! < LSN("1/0")!)
        #expect(LSN.invalid < LSN(1))
        #expect([LSN(3), LSN(1), LSN(2)].sorted() == [LSN(1), LSN(2), LSN(3)])
    }
}
