import Foundation
import HelioOps

/// The status page: the pipeline's services, whether they are connected, and their figures,
/// refreshed every five seconds. Built from HealthState only, which holds no secret.
enum StatusPage {
    static func render(_ health: HealthState, now: Date = Date()) -> String {
        let services = health.snapshot.sorted { $0.key < $1.key }
        var rows = ""
        for (name, service) in services {
            let age = now.timeIntervalSince(service.lastProgress)
            let state = !service.connected ? "disconnected" : (age < health.stallSeconds ? "running" : "stalled")
            let figures = service.figures.sorted { $0.key < $1.key }
                .map { "\(escape($0.key)): \(format($0.value))" }.joined(separator: "<br>")
            rows += """
                <tr class="\(state)"><td>\(escape(name))</td><td>\(state)</td>\
                <td>\(age.isFinite && age < 1e9 ? String(format: "%.1f s ago", age) : "never")</td>\
                <td>\(figures)</td><td>\(escape(service.detail))</td></tr>\n
                """
        }
        return """
            <!doctype html>
            <html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
            <title>Helio status</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4em .8em;text-align:left;vertical-align:top}
            .running td:nth-child(2){color:#070}.stalled td:nth-child(2),.disconnected td:nth-child(2){color:#b00;font-weight:bold}
            </style></head>
            <body><h1>Helio</h1>
            <p id="overall">Pipeline: <strong>\(health.isReady ? "ready" : "not ready")</strong></p>
            <p>PostgreSQL → capture → Kafka → apply → warehouse</p>
            <table><thead><tr><th>service</th><th>state</th><th>last progress</th><th>figures</th><th>detail</th></tr></thead>
            <tbody>
            \(rows)</tbody></table>
            <p><a href="/metrics">metrics</a> · <a href="/healthz">healthz</a> · <a href="/readyz">readyz</a></p>
            </body></html>
            """
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.3f", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
