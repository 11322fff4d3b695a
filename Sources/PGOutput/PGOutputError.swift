/// Why a message could not be decoded, and where.
///
/// `offset` counts bytes from the start of the message handed to the decoder (the tag is at
/// 0), so a hex dump of the message points straight at the culprit. The description carries
/// no data from the message, so it is safe to log.
public struct PGOutputError: Error, Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// The message ended before a field that it must contain.
        case truncated
        /// The first byte names no message this decoder knows (protocol 3's two-phase
        /// messages among them): usually a newer server or a misaligned stream.
        case unknownTag(UInt8)
        /// A tuple column kind other than 'n', 'u', 't' or 'b'.
        case badTupleKind(UInt8)
        /// Update and Delete expect 'K', 'O' or 'N' before a tuple.
        case badTupleMarker(UInt8)
        /// A text field or name that is not valid UTF-8.
        case invalidUTF8
        /// A name without its terminating zero byte.
        case unterminatedString
        /// A negative count or length.
        case invalidLength(Int)
    }

    public var kind: Kind
    public var offset: Int

    public init(_ kind: Kind, offset: Int) {
        self.kind = kind
        self.offset = offset
    }
}

extension PGOutputError: CustomStringConvertible {
    public var description: String {
        let what: String
        switch kind {
        case .truncated: what = "message truncated"
        case .unknownTag(let tag): what = "unknown message tag \(PGOutputError.show(tag))"
        case .badTupleKind(let byte): what = "unknown tuple column kind \(PGOutputError.show(byte))"
        case .badTupleMarker(let byte): what = "unexpected tuple marker \(PGOutputError.show(byte))"
        case .invalidUTF8: what = "invalid UTF-8 text"
        case .unterminatedString: what = "string without terminating zero"
        case .invalidLength(let length): what = "invalid length \(length)"
        }
        return "pgoutput: \(what) at byte \(offset)"
    }

    private static func show(_ byte: UInt8) -> String {
        let hex = "0x" + String(byte, radix: 16, uppercase: true)
        guard (0x21...0x7E).contains(byte) else { return hex }
        return "'\(Character(Unicode.Scalar(byte)))' (\(hex))"
    }
}
