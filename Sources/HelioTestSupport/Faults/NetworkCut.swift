import Foundation

/// The capture machine's network, for the fault "the streaming capture's network cut"
/// (issue #13 item 5). A network namespace of its own whose only way out is a forwarding
/// proxy: it listens inside the namespace on 127.0.0.1 at the services' own ports (both source
/// clusters and the broker, so the broker's advertised address leads there too) and forwards
/// each connection to the same port of the host's loopback. A process started with `prefix`
/// reaches PostgreSQL and Kafka only through it.
///
/// `cut()` stops the proxy with SIGSTOP: a silent partition, as when a machine's network goes
/// away — nothing is forwarded any more, and nothing is closed or reset either, so neither side
/// learns of it from the network (no RST, no FIN; new connections hang). `restore()` sends
/// SIGCONT, and whatever the far side closed meanwhile closes on this side then. The namespace
/// leaves the machine's own network untouched (`ip netns`, root); `tc`/`iptables` are not
/// needed.
final class NetworkCut {
    let name: String
    let directory: String
    private var proxy: pid_t?
    private(set) var isCut = false

    /// Creates the namespace (loopback up) under a name of this run's own.
    init(root: String) throws {
        name = "helio-cut-\(getpid())-\(UInt16.random(in: 0..<UInt16.max))"
        directory = root
        try Self.ip(["netns", "add", name], log: "\(root)/netns.log")
        do {
            try Self.ip(["-n", name, "link", "set", "lo", "up"], log: "\(root)/netns.log")
        } catch {
            _ = try? Self.ip(["netns", "delete", name], log: "\(root)/netns.log")
            throw error
        }
    }

    /// Prepended to a command to run it on the cut-off machine.
    var prefix: [String] { [Self.ipPath, "netns", "exec", name] }

    /// Starts the proxy for `ports` and waits until it listens.
    func startProxy(ports: [Int]) throws {
        let script = "\(directory)/netcut-proxy.py"
        try Data(Self.proxyScript.utf8).write(to: URL(fileURLWithPath: script))
        let ready = "\(directory)/netcut-\(name).ready"
        try? FileManager.default.removeItem(atPath: ready)
        let python = LocalStack.repositoryRoot.appendingPathComponent(".local/venv/bin/python").path
        let pid = try Spawn.start([python, script, name, ready] + ports.map(String.init), log: "\(directory)/netcut-proxy.log")
        proxy = pid
        try eventually("the network namespace's proxy to listen", within: 20) {
            if let status = Spawn.poll(pid) {
                proxy = nil
                throw Spawn.Failed(command: "netcut-proxy.py", status: status, output: "exited; see \(directory)/netcut-proxy.log")
            }
            return FileManager.default.fileExists(atPath: ready)
        }
    }

    /// The network goes silent.
    func cut() {
        guard let proxy else { return }
        kill(proxy, SIGSTOP)
        isCut = true
    }

    /// The network comes back.
    func restore() {
        guard let proxy else { return }
        kill(proxy, SIGCONT)
        isCut = false
    }

    /// Stops the proxy and deletes the namespace (processes started in it must be gone first).
    func remove() {
        if let proxy {
            kill(proxy, SIGCONT)
            kill(proxy, SIGKILL)
            _ = Spawn.wait(proxy)
            self.proxy = nil
        }
        _ = try? Self.ip(["netns", "delete", name], log: "\(directory)/netns.log")
    }

    static let ipPath = FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip"

    private static func ip(_ arguments: [String], log: String) throws {
        try Spawn.run([ipPath] + arguments, log: log)
    }

    /// The proxy (Python of the project's venv; `ctypes` for setns, which `os` has only from
    /// Python 3.12): listening sockets made inside the namespace, connections to the services
    /// made from the host's. One thread per direction of each connection; when either side
    /// ends, both are closed.
    static let proxyScript = #"""
import ctypes, os, socket, sys, threading

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)

def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))

namespace, ready, ports = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
home = os.open("/proc/self/ns/net", os.O_RDONLY)
setns(os.open("/var/run/netns/" + namespace, os.O_RDONLY))
listeners = []
for port in ports:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    listeners.append((listener, port))
setns(home)

def close(*sockets):
    for s in sockets:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

def pump(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    close(source, target)

def serve(listener, port):
    while True:
        client, _ = listener.accept()
        try:
            upstream = socket.create_connection(("127.0.0.1", port))
        except OSError:
            close(client)
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()

for listener, port in listeners:
    threading.Thread(target=serve, args=(listener, port), daemon=True).start()
with open(ready, "w") as f:
    f.write("ready\n")
threading.Event().wait()
"""#
}
