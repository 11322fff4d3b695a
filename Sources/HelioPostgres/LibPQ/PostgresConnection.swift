import CLibPQ
import Glibc

/// One libpq connection, owned by one thread at a time.
///
/// Every call here may block on the network; pipelines run them on dedicated threads,
/// never on Swift's cooperative pool. The replication read path waits with `poll(2)` on
/// the socket, so it never blocks inside libpq.
public final class PostgresConnection: @unchecked Sendable {
    let handle: OpaquePointer
    public let options: ConnectionOptions

    public init(_ options: ConnectionOptions) throws(PostgresError) {
        self.options = options
        // Defaults apply only where the URL is silent; see ConnectionOptions.connectionParameters.
        let (keys, values) = options.connectionParameters()
        // expand_dbname=1: the first "dbname" is parsed as a URL; later keys override it.
        let connection: OpaquePointer? = withCStringArray(keys) { keyPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keyPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.errorText(connection)
            PQfinish(connection)
            throw PostgresError.connectFailure(message, options: options)
        }
        self.handle = connection
    }

    deinit { PQfinish(handle) }

    /// The server's version as a number (150018 for 15.18).
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Whether the connection is still usable.
    public var isHealthy: Bool { PQstatus(handle) == CONNECTION_OK }

    /// The value libpq uses for a connection keyword (`sslmode`, `connect_timeout`,
    /// `keepalives_idle`, …), whoever set it: the URL, Helio's defaults, the environment or
    /// libpq's built-in default. `nil` for the password and for keywords that have no value.
    public func parameter(_ keyword: String) -> String? {
        guard keyword != "password", let all = PQconninfo(handle) else { return nil }
        defer { PQconninfoFree(all) }
        var option = all
        while let name = option.pointee.keyword {
            if String(cString: name) == keyword { return option.pointee.val.map { String(cString: $0) } }
            option += 1
        }
        return nil
    }

    /// libpq's own version (150018 for 15.18).
    public static var libraryVersion: Int { Int(PQlibVersion()) }

    /// Runs one statement (with `$1`… parameters in text form) and returns its rows.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> QueryResult {
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = PQexec(handle, sql)
        } else {
            result = withOptionalCStringArray(parameters) { pointers in
                PQexecParams(handle, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
            }
        }
        return try consume(result, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
    }

    /// Runs exactly one statement through the extended protocol, which refuses a second one:
    /// for SQL that embeds text from elsewhere (an operator's condition).
    @discardableResult
    public func executeOne(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> QueryResult {
        let result = withOptionalCStringArray(parameters) { pointers in
            PQexecParams(handle, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
        }
        return try consume(result, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK])
    }

    /// Runs several statements separated by semicolons (a schema file); no parameters.
    public func executeScript(_ sql: String) throws(PostgresError) {
        guard PQsendQuery(handle, sql) == 1 else { throw lastError(.query) }
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            if failure == nil {
                do throws(PostgresError) { _ = try consume(result, expecting: [PGRES_COMMAND_OK, PGRES_TUPLES_OK], clear: false) }
                catch { failure = error }
            }
            PQclear(result)
        }
        if let failure { throw failure }
    }

    /// Quotes an identifier for SQL text (`"dw"."dim_users"`).
    public func quoteIdentifier(_ name: String) -> String {
        guard let quoted = PQescapeIdentifier(handle, name, name.utf8.count) else { return "\"\(name)\"" }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    /// Quotes a literal for SQL text (`'it''s'`), for statements that take no parameters.
    public func quoteLiteral(_ value: String) -> String {
        guard let quoted = PQescapeLiteral(handle, value, value.utf8.count) else { return "'\(value)'" }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    // MARK: - Results and errors

    func consume(_ result: OpaquePointer?, expecting statuses: [ExecStatusType], clear: Bool = true) throws(PostgresError) -> QueryResult {
        guard let result else { throw lastError(.connection) }
        defer { if clear { PQclear(result) } }
        let status = PQresultStatus(result)
        guard statuses.contains(status) else { throw Self.resultError(result, connection: handle) }
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount { columns.append(String(cString: PQfname(result, Int32(column)))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(values)
        }
        let tuples = String(cString: PQcmdTuples(result))
        return QueryResult(columns: columns, rows: rows, affectedRows: Int(tuples))
    }

    func lastError(_ kind: PostgresError.Kind) -> PostgresError {
        let message = Self.errorText(handle)
        if PQstatus(handle) != CONNECTION_OK {
            return PostgresError(kind: .connection, message: message.isEmpty ? "connection lost" : message)
        }
        return PostgresError(kind: kind, message: message)
    }

    static func resultError(_ result: OpaquePointer, connection: OpaquePointer) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let pointer = PQresultErrorField(result, code) else { return nil }
            return String(cString: pointer)
        }
        let sqlState = field(Int32(UInt8(ascii: "C")))
        var message = field(Int32(UInt8(ascii: "M"))) ?? errorText(connection)
        if let detail = field(Int32(UInt8(ascii: "D"))) { message += " (\(detail))" }
        let kind: PostgresError.Kind = PQstatus(connection) == CONNECTION_OK ? .query : .connection
        return PostgresError(kind: kind, message: message, sqlState: sqlState, advice: field(Int32(UInt8(ascii: "H"))))
    }

    static func errorText(_ connection: OpaquePointer) -> String {
        guard let pointer = PQerrorMessage(connection) else { return "" }
        return String(cString: pointer).trimmingTrailingWhitespace()
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var text = self
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}
