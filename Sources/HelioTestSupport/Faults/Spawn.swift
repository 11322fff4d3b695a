import Foundation

/// Child processes of the fault suite started with posix_spawn and reaped with waitpid:
/// Foundation's Process on Linux can miss the exit of a child whose own children outlive it
/// (pg_ctl's server), and the broker must be signalled by its own PID.
enum Spawn {
    struct Failed: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var output: String
        var description: String { "`\(command)` exited \(status): \(output.suffix(2_000))" }
    }

    /// Starts `arguments` with stdin from `input` (or /dev/null) and stdout+stderr appended to
    /// `log`; returns the PID.
    static func start(_ arguments: [String], input: String? = nil, log: String, environment: [String: String]? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group: a terminal's Ctrl-C reaches the test, not the servers it started.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let variables = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { variables?.forEach { free($0) } }
        let code: Int32 = if let variables {
            variables.withUnsafeBufferPointer { posix_spawn(&pid, arguments[0], &actions, &attributes, argv, $0.baseAddress) }
        } else {
            posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        }
        guard code == 0 else { throw Failed(command: arguments.joined(separator: " "), status: code, output: String(cString: strerror(code))) }
        return pid
    }

    /// Runs `arguments` to completion; throws with the output's end when it fails.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil, log: String, allowFailure: Bool = false) throws -> Int32 {
        let pid = try start(arguments, input: input, log: log)
        let status = wait(pid)
        if status != 0 && !allowFailure {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Failed(command: arguments.joined(separator: " "), status: status, output: String(output.suffix(2_000)))
        }
        return status
    }

    /// Waits for `pid` to exit; its exit status, or 128 + the signal that ended it.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return decode(status)
    }

    /// The exit status if `pid` has exited, without waiting.
    static func poll(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        return result == pid ? decode(status) : nil
    }

    static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// A TCP port on loopback nobody listens on now.
    static func freePort() throws -> Int {
        for _ in 0..<50 {
            let port = Int.random(in: 40_000..<60_000)
            if !isListening(port) && canBind(port) { return port }
        }
        throw Failed(command: "find a free port", status: -1, output: "none found")
    }

    static func isListening(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = loopback(port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    static func canBind(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = loopback(port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
