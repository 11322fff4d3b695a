/// Bounds-checked big-endian reads over one message.
///
/// Every read checks the remaining length first and throws `.truncated` instead of trapping,
/// so malformed input can never crash the process. Reads hand back slices of the caller's
/// storage; only strings and binary column values are copied, once, into their final form.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    private(set) var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// Position relative to the first byte of the message, as reported in errors.
    var offset: Int { index - bytes.startIndex }

    var remaining: Int { bytes.endIndex - index }

    func error(_ kind: PGOutputError.Kind, at index: Int? = nil) -> PGOutputError {
        PGOutputError(kind, offset: (index ?? self.index) - bytes.startIndex)
    }

    private func require(_ count: Int) throws(PGOutputError) {
        guard count <= remaining else { throw error(.truncated) }
    }

    mutating func readUInt8() throws(PGOutputError) -> UInt8 {
        try require(1)
        defer { index += 1 }
        return bytes[index]
    }

    mutating func readInteger<T: FixedWidthInteger>(as type: T.Type = T.self) throws(PGOutputError) -> T {
        let size = MemoryLayout<T>.size
        try require(size)
        var result: T = 0
        for position in index..<(index + size) {
            result = result << 8 | T(truncatingIfNeeded: bytes[position])
        }
        index += size
        return result
    }

    mutating func readLSN() throws(PGOutputError) -> LSN {
        LSN(try readInteger(as: UInt64.self))
    }

    /// A count or length sent as a signed Int16/Int32, refused when negative.
    mutating func readLength<T: FixedWidthInteger & SignedInteger>(as type: T.Type) throws(PGOutputError) -> Int {
        let start = index
        let length = try readInteger(as: T.self)
        guard length >= 0 else { throw error(.invalidLength(Int(length)), at: start) }
        return Int(length)
    }

    mutating func readSlice(count: Int) throws(PGOutputError) -> ArraySlice<UInt8> {
        try require(count)
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    /// The rest of the message, without copying.
    mutating func readRemaining() -> ArraySlice<UInt8> {
        defer { index = bytes.endIndex }
        return bytes[index...]
    }

    /// A UTF-8 string of `count` bytes, validated and copied straight from the slice.
    mutating func readString(count: Int) throws(PGOutputError) -> String {
        let start = index
        return try ByteReader.decodeUTF8(readSlice(count: count), failure: error(.invalidUTF8, at: start))
    }

    /// A zero-terminated UTF-8 string (PostgreSQL's `String` in the protocol docs).
    mutating func readCString() throws(PGOutputError) -> String {
        let start = index
        guard let end = bytes[index...].firstIndex(of: 0) else { throw error(.unterminatedString) }
        index = end + 1
        return try ByteReader.decodeUTF8(bytes[start..<end], failure: error(.invalidUTF8, at: start))
    }

    private static func decodeUTF8(_ slice: ArraySlice<UInt8>, failure: PGOutputError) throws(PGOutputError) -> String {
        // Most values (numbers, times, keys, codes) are ASCII, which is valid UTF-8 as it
        // stands. String(validating:as:) is generic over the encoding and looked up type
        // metadata at run time for every value (`_swift_getGenericMetadata`, 2-3 % of
        // capture's thread in `perf`); String(decoding:) is not.
        if slice.withUnsafeBytes({ isASCII($0) }) { return String(decoding: slice, as: UTF8.self) }
        if #available(macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2, *) {
            guard let string = String(validating: slice, as: UTF8.self) else { throw failure }
            return string
        }
        // Older Apple runtimes lack String(validating:as:): validate, then decode.
        let invalid = transcode(slice.makeIterator(), from: UTF8.self, to: UTF8.self, stoppingOnError: true) { _ in }
        guard !invalid else { throw failure }
        return String(decoding: slice, as: UTF8.self)
    }

    /// No byte has its top bit set: eight bytes at a time.
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var bits: UInt64 = 0
        var offset = 0
        while offset + 8 <= bytes.count {
            bits |= bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        while offset < bytes.count {
            bits |= UInt64(bytes[offset])
            offset += 1
        }
        return bits & 0x8080_8080_8080_8080 == 0
    }
}
