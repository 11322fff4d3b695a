import Foundation
import HelioOps
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// One small HTTP server for operators: `/metrics` (Prometheus text format), `/healthz`
/// (the process is alive), `/readyz` (connected and not stalled), `/snapshot` (capture's
/// snapshot progress as JSON) and `/` (a status page that refreshes itself, with a data-quality
/// panel and apply's group members when the process is given their `PanelFeed`s). Nothing it serves contains a secret: URLs and keys never reach it.
public enum OperatorServer {
    /// Installs Prometheus as the swift-metrics backend, once per process, before any metric is made.
    public static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    /// `helio_up` = 1 while the process serves.
    public static func markUp() { Gauge(label: "helio_up").record(1) }

    /// The endpoint on `address` (`host:port`) as a swift-service-lifecycle service, to run in
    /// the command's service group: listed first there, it is shut down last, so /readyz and
    /// /metrics answer while capture and apply drain. Fails at once when the port is taken.
    public static func service(address: String, registry: PrometheusCollectorRegistry, health: HealthState,
                               quality: QualityPanelFeed? = nil, appliers: PanelFeed<AppliersPanel>? = nil,
                               logger: Logger) throws -> any Service {
        let parts = address.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else {
            throw ConfigurationError(key: "HELIO_METRICS_ADDR", problem: "'\(address)' is not host:port")
        }
        try checkBindable(host: String(parts[0]), port: port)
        markUp()
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            ProcessMetrics.update()
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            let ready = health.isReady
            return Response(status: ready ? .ok : .serviceUnavailable,
                            body: .init(byteBuffer: ByteBuffer(string: ready ? "ready\n" : "not ready\n")))
        }
        // Capture's snapshot as JSON, which `helio snapshot --wait` follows; 404 before any.
        router.get("snapshot") { _, _ -> Response in
            guard let progress = health.snapshot["capture"]?.snapshot else {
                return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "no snapshot since start\n")))
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: progress.json + "\n")))
        }
        let history = StatusHistory()
        router.get("/") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: StatusPage.render(health, history: history, quality: quality?.state,
                                                                           appliers: appliers?.state))))
        }
        let app = Application(router: router, configuration: .init(address: .hostname(String(parts[0]), port: port)), logger: logger)
        return Endpoint(server: app, history: history, health: health, quality: quality, appliers: appliers, logger: logger)
    }

    /// The HTTP server and the status page's counter sampling, which lives as long as it.
    struct Endpoint: Service {
        let server: any Service
        let history: StatusHistory
        let health: HealthState
        let quality: QualityPanelFeed?
        let appliers: PanelFeed<AppliersPanel>?
        let logger: Logger

        func run() async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Counter samples every second, so the status page shows throughput from its first load.
                group.addTask { [history, health] in await history.sample(health) }
                // The quality panel's counts, once a minute (a day of flags per load).
                if let quality { group.addTask { await quality.run() } }
                // Apply's group members and their lag, every 15 s.
                if let appliers { group.addTask { await appliers.run() } }
                defer { group.cancelAll() }
                try await server.run()
            }
            logger.info("operator endpoint stopped")
        }
    }

    /// Fails at start, with the address in the message, when the port is taken: a service
    /// without its endpoint would only fail its probes later, with no explanation.
    static func checkBindable(host: String, port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &address.sin_addr) == 1 else { return }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 {
            throw ConfigurationError(key: "HELIO_METRICS_ADDR", problem: "\(host):\(port) cannot be bound (\(String(cString: strerror(errno)))); choose a free address or 'off'")
        }
    }
}
