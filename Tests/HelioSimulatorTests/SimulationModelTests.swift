import Testing
@testable import HelioSimulator

/// The pure parts: generator, documents, sun, bills, calendar. No database.
@Suite struct SimulationModelTests {
    @Test func splitMix64MatchesTheReferenceSequence() {
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func generatedDocumentsCarryValidCheckDigits() {
        #expect(DocumentNumbers.isValid("529.982.247-25"))
        #expect(!DocumentNumbers.isValid("529.982.247-26"))
        #expect(DocumentNumbers.isValid("11.222.333/0001-81"))
        var rng = SplitMix64(seed: 9)
        for _ in 0..<200 {
            let cpf = DocumentNumbers.cpf(&rng), cnpj = DocumentNumbers.cnpj(&rng)
            #expect(DocumentNumbers.isValid(cpf) && cpf.count == 14, "\(cpf)")
            #expect(DocumentNumbers.isValid(cnpj) && cnpj.count == 18 && cnpj.contains("/0001-"), "\(cnpj)")
        }
    }

    @Test func sameSeedSamePlatform() {
        func platform(_ seed: UInt64) -> NewEntities {
            var generator = FleetGenerator(unitsPerUser: 1...3, devicesPerUnit: 2...4, takenEmails: [], takenSerials: [])
            var rng = SplitMix64(seed: seed, stream: 1)
            return generator.customers(40, installedBefore: CivilDate(year: 2026, month: 1, day: 1), rng: &rng)
        }
        let a = platform(42), b = platform(42), c = platform(43)
        #expect(a.users.map(\.email) == b.users.map(\.email))
        #expect(a.users.map(\.document) == b.users.map(\.document))
        #expect(a.devices.map(\.serialNumber) == b.devices.map(\.serialNumber))
        #expect(a.users.map(\.email) != c.users.map(\.email))
        #expect(Set(a.users.map(\.email)).count == a.users.count)
        #expect(Set(a.devices.map(\.serialNumber)).count == a.devices.count)
        for user in a.users {
            #expect(user.phone.hasPrefix("+55 ") && user.phone.count >= 16, "\(user.phone)")
            #expect(user.email.allSatisfy { $0.isASCII }, "\(user.email)")
        }
        for unit in a.units {
            #expect((3...75).contains(unit.installedPowerKWp), "\(unit.installedPowerKWp)")
            #expect((-34.0 ... 0.0).contains(unit.latitude) && (-61.0 ... -34.0).contains(unit.longitude))
        }
        #expect(a.devices.contains { $0.kind == .weatherStation } && a.devices.contains { $0.kind == .meter })
    }

    @Test func sunIsUpAtLocalNoonAndDownAtNight() throws {
        let unit = UnitRecord(id: 1, userID: 1, latitude: -23.55, longitude: -46.63, installedPowerKWp: 10,
                              tariffClass: "B1", utility: "ENEL SP")
        let weather = Weather(seed: 1)
        var rng = SplitMix64(seed: 1)
        let calendar = try LocalCalendar(identifier: "America/Sao_Paulo")
        let midnight = calendar.midnight(CivilDate(year: 2026, month: 1, day: 15))
        for hour in [0, 1, 2, 3, 4, 21, 22, 23] {
            let reading = weather.reading(unit: unit, stationID: nil, instant: midnight + Int64(hour) * 3600, rng: &rng)
            #expect(reading.irradiance == 0, "hour \(hour)")
            #expect(weather.energy(deviceID: 1, nominalKW: 8, irradiance: reading.irradiance, instant: 0,
                                   intervalHours: 0.25, rng: &rng) == nil)
        }
        let clear = SolarGeometry.clearSkyIrradiance(
            sinElevation: SolarGeometry.sinElevation(instant: midnight + 12 * 3600, latitude: -23.55, longitude: -46.63))
        #expect(clear > 950 && clear < 1100)
        let noon = weather.reading(unit: unit, stationID: nil, instant: midnight + 12 * 3600, rng: &rng)
        #expect(noon.irradiance > 250 && noon.irradiance < 1200)
        #expect(noon.moduleTemp > noon.ambientTemp)
        #expect((18...34).contains(noon.ambientTemp))
        let energy = try #require(weather.energy(deviceID: 1, nominalKW: 8, irradiance: noon.irradiance, instant: 0,
                                                 intervalHours: 0.25, rng: &rng))
        #expect(energy.powerKW > 0 && energy.powerKW <= 8)
        #expect(abs(energy.energyKWh - energy.powerKW * 0.25) < 0.0002)
    }

    @Test func billsKeepTheirIdentities() {
        var rng = SplitMix64(seed: 3)
        var credit: Int64 = 0
        for _ in 0..<500 {
            let bill = Bill.compute(generated: Int64(rng.int(0...20_000_000)), selfShare: rng.double(0.15...0.45),
                                    loadRatio: rng.double(0.7...1.4), previousCredit: credit)
            #expect(bill.creditBalance == credit + bill.injected - bill.compensated)
            #expect(bill.compensated <= bill.consumed && bill.compensated <= bill.injected + credit)
            #expect(bill.creditBalance >= 0)
            credit = bill.creditBalance
        }
        #expect(Bill.parse("123.4567") == 1_234_567 && Bill.parse("-0.5") == -5_000 && Bill.parse("7") == 70_000)
        #expect(Bill.text(1_234_567) == "123.4567" && Bill.text(5) == "0.0005")
    }

    @Test func calendarArithmetic() throws {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(CivilDate(year: 2024, month: 3, day: 1).adding(days: -1).text == "2024-02-29")
        #expect(Timestamp.iso(1_769_828_400) == "2026-01-31T03:00:00Z")
        let calendar = try LocalCalendar(identifier: "America/Sao_Paulo")
        #expect(calendar.midnight(CivilDate(year: 2026, month: 1, day: 31)) == 1_769_828_400)
        #expect(calendar.local(1_769_828_400).date.text == "2026-01-31")
        #expect(calendar.local(1_769_828_399).date.text == "2026-01-30")
        #expect(Text.decimal(-0.004, places: 2) == "0.00" && Text.decimal(12.5, places: 3) == "12.500")
        #expect(Text.fold("João Conceição") == "joao conceicao")
    }

    @Test func scratchDatabaseURLKeepsServerAndCredentials() {
        #expect(ScratchDatabase.replacingDatabase(in: "postgresql://postgres:pw@127.0.0.1:5432/solar", with: "x")
                == "postgresql://postgres:pw@127.0.0.1:5432/x")
        #expect(ScratchDatabase.replacingDatabase(in: "postgresql://postgres@/solar?host=/tmp/pg&port=5", with: "x")
                == "postgresql://postgres@/x?host=/tmp/pg&port=5")
        #expect(ScratchDatabase.replacingDatabase(in: "postgresql://h:5432", with: "x") == "postgresql://h:5432/x")
        #expect(ScratchDatabase.replacingDatabase(in: "host=h dbname=solar", with: "x") == "host=h dbname=solar dbname=x")
    }
}
