import CLibPQ
import Glibc

extension PostgresConnection {
    /// Starts `COPY … FROM STDIN`; write rows through the writer, then `finish()` it.
    public func copyIn(_ sql: String) throws(PostgresError) -> CopyInWriter {
        guard let result = PQexec(handle, sql) else { throw lastError(.connection) }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COPY_IN else { throw Self.resultError(result, connection: handle) }
        return CopyInWriter(connection: self)
    }

    /// Runs `COPY … TO STDOUT`, handing each row (one line of COPY text, newline included) to `row`.
    /// Returns the number of rows.
    @discardableResult
    public func copyOut(_ sql: String, row: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        guard let result = PQexec(handle, sql) else { throw lastError(.connection) }
        let status = PQresultStatus(result)
        if status != PGRES_COPY_OUT {
            defer { PQclear(result) }
            throw Self.resultError(result, connection: handle)
        }
        PQclear(result)
        var count = 0
        var buffer: UnsafeMutablePointer<CChar>?
        while true {
            let length = PQgetCopyData(handle, &buffer, 0)
            if length > 0, let data = buffer {
                defer { PQfreemem(data) }
                try row(UnsafeRawBufferPointer(start: data, count: Int(length)))
                count += 1
            } else if length == -1 {
                break
            } else {
                throw lastError(.connection)
            }
        }
        _ = try consume(PQgetResult(handle), expecting: [PGRES_COMMAND_OK])
        while let extra = PQgetResult(handle) { PQclear(extra) }
        return count
    }
}

/// Streams rows into an open `COPY … FROM STDIN`, in chunks of about 256 KiB.
public struct CopyInWriter: ~Copyable {
    let connection: PostgresConnection
    var buffer: [UInt8] = []

    init(connection: PostgresConnection) {
        self.connection = connection
        buffer.reserveCapacity(1 << 18)
    }

    /// Appends raw COPY text (already escaped, rows ending in "\n").
    public mutating func write(_ bytes: some Sequence<UInt8>) throws(PostgresError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 18 { try flush() }
    }

    /// As above, for a batch rendered whole: sent as it is, without copying it into the buffer
    /// (a generic append from another module walks it byte by byte).
    public mutating func write(_ bytes: [UInt8]) throws(PostgresError) {
        try flush()
        var sent = 0
        while sent < bytes.count {
            let chunk = min(bytes.count - sent, 1 << 20)
            let status = bytes.withUnsafeBufferPointer { pointer in
                pointer.withMemoryRebound(to: CChar.self) { PQputCopyData(connection.handle, $0.baseAddress! + sent, Int32(chunk)) }
            }
            guard status == 1 else { throw connection.lastError(.connection) }
            sent += chunk
        }
    }

    /// Appends one row of COPY text format from values (`nil` is NULL), escaping as COPY requires.
    public mutating func writeRow(_ values: [String?]) throws(PostgresError) {
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(0x09) }
            if let value { CopyText.escape(value, into: &buffer) } else { buffer.append(contentsOf: [0x5C, 0x4E]) }
        }
        buffer.append(0x0A)
        if buffer.count >= 1 << 18 { try flush() }
    }

    mutating func flush() throws(PostgresError) {
        guard !buffer.isEmpty else { return }
        let status = buffer.withUnsafeBufferPointer { pointer in
            pointer.withMemoryRebound(to: CChar.self) { PQputCopyData(connection.handle, $0.baseAddress, Int32($0.count)) }
        }
        guard status == 1 else { throw connection.lastError(.connection) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Ends the COPY and returns the number of rows the server stored.
    @discardableResult
    public consuming func finish() throws(PostgresError) -> Int {
        try flush()
        guard PQputCopyEnd(connection.handle, nil) == 1 else { throw connection.lastError(.connection) }
        let result = try connection.consume(PQgetResult(connection.handle), expecting: [PGRES_COMMAND_OK])
        while let extra = PQgetResult(connection.handle) { PQclear(extra) }
        return result.affectedRows ?? 0
    }
}

/// COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
public enum CopyText {
    public static func escape(_ value: String, into buffer: inout [UInt8]) {
        var value = value
        value.withUTF8 { escape(bytes: $0, into: &buffer) }
    }

    /// The hot path (row images, hundreds of bytes each): runs without special bytes are
    /// copied whole.
    public static func escape(bytes: UnsafeBufferPointer<UInt8>, into buffer: inout [UInt8]) {
        var runStart = 0
        for index in 0..<bytes.count {
            let replacement: UInt8
            switch bytes[index] {
            case 0x5C: replacement = 0x5C
            case 0x09: replacement = UInt8(ascii: "t")
            case 0x0A: replacement = UInt8(ascii: "n")
            case 0x0D: replacement = UInt8(ascii: "r")
            default: continue
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            buffer.append(0x5C)
            buffer.append(replacement)
            runStart = index + 1
        }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    }

    public static func escape(bytes: some Sequence<UInt8>, into buffer: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case 0x5C: buffer.append(0x5C); buffer.append(0x5C)
            case 0x09: buffer.append(0x5C); buffer.append(UInt8(ascii: "t"))
            case 0x0A: buffer.append(0x5C); buffer.append(UInt8(ascii: "n"))
            case 0x0D: buffer.append(0x5C); buffer.append(UInt8(ascii: "r"))
            default: buffer.append(byte)
            }
        }
    }

    /// Splits one COPY text line into fields, unescaping; `nil` for `\N`.
    public static func parseLine(_ line: UnsafeRawBufferPointer) -> [String?] {
        var fields: [String?] = []
        var current: [UInt8] = []
        var isNull = false
        var index = 0
        let count = line.count > 0 && line[line.count - 1] == 0x0A ? line.count - 1 : line.count
        func finishField() {
            fields.append(isNull ? nil : String(decoding: current, as: UTF8.self))
            current.removeAll(keepingCapacity: true)
            isNull = false
        }
        while index < count {
            let byte = line[index]
            if byte == 0x09 {
                finishField()
            } else if byte == 0x5C, index + 1 < count {
                index += 1
                switch line[index] {
                case UInt8(ascii: "N"): isNull = true
                case UInt8(ascii: "t"): current.append(0x09)
                case UInt8(ascii: "n"): current.append(0x0A)
                case UInt8(ascii: "r"): current.append(0x0D)
                case UInt8(ascii: "b"): current.append(0x08)
                case UInt8(ascii: "f"): current.append(0x0C)
                case UInt8(ascii: "v"): current.append(0x0B)
                default: current.append(line[index])
                }
            } else {
                current.append(byte)
            }
            index += 1
        }
        finishField()
        return fields
    }
}
