@testable import PGOutput
import Testing

@Suite struct ByteReaderTests {
    @Test func readsBigEndianIntegers() throws {
        var reader = ByteReader([0x01, 0x02, 0x03, 0x04, 0xFF, 0xFF, 0xFF, 0xFE, 0x00, 0x07][...])
        #expect(try reader.readInteger(as: UInt32.self) == 0x0102_0304)
        #expect(try reader.readInteger(as: Int32.self) == -2)
        #expect(try reader.readInteger(as: Int16.self) == 7)
        #expect(reader.remaining == 0)
    }

    @Test func reportsOffsetsFromTheSliceStart() throws {
        // A slice that does not start at index 0, as XLogData's payload does not.
        let storage: [UInt8] = [0xAA, 0xAA, 0x00, 0x01]
        var reader = ByteReader(storage[2...])
        #expect(try reader.readUInt8() == 0)
        #expect(reader.offset == 1)
        #expect(throws: PGOutputError(.truncated, offset: 1)) { try reader.readInteger(as: UInt16.self) }
        // A failed read consumes nothing.
        #expect(try reader.readUInt8() == 1)
    }

    @Test func readsCStrings() throws {
        var reader = ByteReader(Array("public\0énergie\0".utf8)[...])
        #expect(try reader.readCString() == "public")
        #expect(try reader.readCString() == "énergie")
        #expect(throws: PGOutputError(.truncated, offset: 16)) { try reader.readUInt8() }
    }

    @Test func asciiIsToldApartAtEveryLengthAndPosition() {
        // The ASCII fast path reads eight bytes at a time, then the rest one by one: a high
        // bit anywhere, in a word or in the tail, must send the bytes to full validation.
        for length in 0...20 {
            let ascii = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            #expect(ascii.withUnsafeBytes { ByteReader.isASCII($0) }, "length \(length)")
            for position in 0..<length {
                var marked = ascii
                marked[position] = 0x80
                #expect(!marked.withUnsafeBytes { ByteReader.isASCII($0) }, "length \(length), byte \(position)")
            }
        }
    }

    @Test func readsASCIIAndMultibyteStringsOfEveryLengthAndRefusesInvalidOnes() throws {
        for length in 1...20 {
            let ascii = String((0..<length).map { Character(UnicodeScalar(UInt8(ascii: "0") + UInt8($0 % 10))) })
            var reader = ByteReader(Array(ascii.utf8)[...])
            #expect(try reader.readString(count: length) == ascii)
            // The same with one multibyte character at the end, and with one invalid byte in the middle.
            let multibyte = ascii + "é"
            var multibyteReader = ByteReader(Array(multibyte.utf8)[...])
            #expect(try multibyteReader.readString(count: length + 2) == multibyte)
            var invalid = Array(ascii.utf8)
            invalid[length / 2] = 0xFF
            var invalidReader = ByteReader(invalid[...])
            #expect(throws: PGOutputError(.invalidUTF8, offset: 0)) { try invalidReader.readString(count: length) }
        }
    }

    @Test func refusesUnterminatedAndInvalidStrings() {
        var unterminated = ByteReader(Array("abc".utf8)[...])
        #expect(throws: PGOutputError(.unterminatedString, offset: 0)) { try unterminated.readCString() }

        var invalid = ByteReader([0x41, 0xC3, 0x28, 0x00][...])
        #expect(throws: PGOutputError(.invalidUTF8, offset: 0)) { try invalid.readCString() }

        var counted = ByteReader([0x41, 0xFF][...])
        #expect(throws: PGOutputError(.invalidUTF8, offset: 0)) { try counted.readString(count: 2) }
    }

    @Test func refusesNegativeLengths() {
        var reader = ByteReader([0xFF, 0xFF, 0xFF, 0xFE][...])
        #expect(throws: PGOutputError(.invalidLength(-2), offset: 0)) { try reader.readLength(as: Int32.self) }
    }

    @Test func errorDescriptionNamesKindAndOffset() {
        #expect(PGOutputError(.unknownTag(0x5A), offset: 0).description == "pgoutput: unknown message tag 'Z' (0x5A) at byte 0")
        #expect(PGOutputError(.badTupleKind(0), offset: 9).description == "pgoutput: unknown tuple column kind 0x0 at byte 9")
        #expect(PGOutputError(.truncated, offset: 3).description == "pgoutput: message truncated at byte 3")
    }
}
