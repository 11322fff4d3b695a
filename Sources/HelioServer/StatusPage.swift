import Foundation
import HelioOps

/// The status page: the pipeline at a glance (each stage and its state), charts of the last
/// hour (throughput, lag, retained WAL), the current figures, changes per table, the
/// snapshot's progress, then every service with its figures; the data-quality panel and apply's
/// group members with their lag when the process reads the warehouse (`PanelFeed`s). Plain HTML and inline SVG that
/// reload every five seconds (no script: what the server sends is what a browser shows),
/// laid out to read on a phone too. Built from HealthState, the counter history and the
/// quality panel's counts (rule and table names, counts, a row id), which hold no secret: no
/// URL, key or configuration value.
enum StatusPage {
    static let refreshSeconds = 5

    static func render(_ health: HealthState, history: StatusHistory? = nil, quality: QualityPanelState? = nil,
                       appliers: PanelState<AppliersPanel>? = nil, now: Date = Date()) -> String {
        history?.record(health, at: now.timeIntervalSince1970)
        let services = health.snapshot
        var rows = ""
        for (name, service) in services.sorted(by: { $0.key < $1.key }) {
            let age = now.timeIntervalSince(service.lastProgress)
            let figures = service.figures.sorted { $0.key < $1.key }
                .map { "<span class=\"figure\" data-figure=\"\(escape($0.key))\">\(escape($0.key)): \(format($0.value))</span>" }
                .joined(separator: "<br>")
            rows += """
                <tr id="service-\(escape(name))" class="\(state(service, health: health, now: now))"><td>\(escape(name))</td>\
                <td class="state">\(state(service, health: health, now: now))</td>\
                <td>\(age.isFinite && age < 1e9 ? String(format: "%.1f s ago", age) : "never")</td>\
                <td>\(figures)</td><td class="detail">\(escape(service.detail))</td></tr>\n
                """
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="\(refreshSeconds)">
            <meta name="viewport" content="width=device-width,initial-scale=1">
            <title>Helio status</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
            table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.4em .8em;text-align:left;vertical-align:top}
            .scroll{overflow-x:auto}td.detail{overflow-wrap:anywhere}
            .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1em 2em;margin-bottom:1em}
            figure.chart{margin:0}figcaption{font-weight:600}
            svg.chart{display:block;width:100%;height:auto}svg.chart text{font-size:11px;fill:#555}
            .legend{margin:.2em 0}.legend .item{white-space:nowrap}.key{display:inline-block;width:1.5em;border-top:3px solid;vertical-align:middle;margin:0 .3em 0 .6em}
            .key.dashed{border-top-style:dashed}
            progress{width:12em;max-width:100%;vertical-align:middle}
            ol.pipeline{list-style:none;display:flex;flex-wrap:wrap;padding:0;margin:1em 0}
            ol.pipeline li{border:1px solid #ccc;border-radius:4px;padding:.5em .9em;background:#f6f6f6;position:relative}
            ol.pipeline li+li{margin-left:2em}
            ol.pipeline li+li::before{content:"→";position:absolute;left:-1.4em;color:#888}
            .running .state,li.running{color:#070}li.absent{color:#888}
            .stalled .state,.disconnected .state,li.stalled,li.disconnected{color:#b00;font-weight:bold}
            td.number{text-align:right;font-variant-numeric:tabular-nums}
            #appliers caption{text-align:left;padding-bottom:.3em}#appliers td{white-space:nowrap}#appliers td.detail{white-space:normal}
            /* A phone: last, so that it overrides the rules above. */
            @media (max-width:600px){body{margin:.8em}h1{font-size:1.5em}td,th{padding:.3em .45em}ol.pipeline li+li{margin-left:1.6em}
            #services thead{display:none}#services,#services tbody,#services tr,#services td{display:block}
            #services tr{border:1px solid #ccc;margin-bottom:.6em}#services td{border:none;padding:.2em .5em}#services td:first-child{font-weight:bold}
            #appliers thead{display:none}#appliers,#appliers tbody,#appliers tr,#appliers td{display:block}
            #appliers tr{border:1px solid #ccc;margin-bottom:.6em}#appliers td{border:none;padding:.2em .5em;text-align:left;white-space:normal}
            #appliers td:first-child{font-weight:bold}#appliers td[data-label]::before{content:attr(data-label) ": ";color:#666}}
            </style></head>
            <body><h1>Helio</h1>
            <p id="overall">Pipeline: <strong>\(health.isReady ? "ready" : "not ready")</strong> \
            <small>(as of \(escape(timestamp(now))), reloads every \(refreshSeconds) s)</small></p>
            \(pipeline(services, health: health, now: now))
            <h2>Throughput and lag</h2>
            \(charts(services, timeline: history?.timeline, now: now))
            \(summary(services, history: history, now: now))
            <h2>Appliers</h2>
            \(self.appliers(appliers))
            <h2>Data quality</h2>
            \(self.quality(quality, now: now))
            <h2>Changes per table</h2>
            \(tableChanges(services))
            <h2>Snapshot</h2>
            \(snapshot(services))
            <h2>Services</h2>
            <div class="scroll"><table id="services"><thead><tr><th>service</th><th>state</th><th>last progress</th><th>figures</th><th>detail</th></tr></thead>
            <tbody>
            \(rows)</tbody></table></div>
            <p><a href="/metrics">metrics</a> · <a href="/healthz">healthz</a> · <a href="/readyz">readyz</a></p>
            </body></html>
            """
    }

    /// PostgreSQL → capture → Kafka → apply → warehouse, each service with its state.
    static func pipeline(_ services: [String: HealthState.Service], health: HealthState, now: Date) -> String {
        func stage(_ name: String) -> String {
            guard let service = services[name] else {
                return "<li id=\"stage-\(name)\" class=\"absent\">\(name) <small>not in this process</small></li>"
            }
            let state = state(service, health: health, now: now)
            return "<li id=\"stage-\(name)\" class=\"\(state)\">\(name) <small>\(state)</small></li>"
        }
        return """
            <ol class="pipeline" id="pipeline"><li>PostgreSQL</li>\(stage("capture"))<li>Kafka</li>\(stage("apply"))<li>warehouse</li></ol>
            """
    }

    /// Rates over the history's window, and the latest lag figures the services reported.
    static func summary(_ services: [String: HealthState.Service], history: StatusHistory?, now: Date) -> String {
        func rate(_ service: String, _ figure: String, _ unit: String) -> String {
            guard services[service] != nil else { return "—" }
            guard let rate = history?.rate(service: service, figure: figure) else { return "measuring…" }
            return String(format: "%.1f", rate) + " \(unit)/s"
        }
        func figure(_ service: String, _ name: String, _ render: (Double) -> String) -> String {
            services[service]?.figures[name].map(render) ?? "—"
        }
        let window = Int(history?.windowSeconds ?? 60)
        let rows: [(id: String, label: String, value: String)] = [
            ("capture-throughput", "capture throughput (last \(window) s)", rate("capture", "changes", "changes")),
            ("capture-transactions", "source transactions (last \(window) s)", rate("capture", "transactions", "transactions")),
            ("apply-throughput", "apply throughput (last \(window) s)", rate("apply", "events_applied", "events")),
            ("capture-lag", "commit → publish lag (last transaction)", figure("capture", "commit_to_publish_seconds", seconds)),
            ("apply-lag", "commit → warehouse lag (last batch)", figure("apply", "commit_to_apply_seconds", seconds)),
            ("retained-wal", "WAL retained by the slot", figure("capture", "slot_retained_wal_bytes", bytes)),
            // Apply reports the figure at its first dead letter: until then there were none.
            ("dead-letters", "dead letters (since start)",
             services["apply"] == nil ? "—" : format(services["apply"]?.figures["dead_lettered"] ?? 0)),
        ]
        let body = rows.map { "<tr><th>\(escape($0.label))</th><td id=\"\($0.id)\" class=\"number\">\(escape($0.value))</td></tr>" }
        return "<table id=\"summary\">\n\(body.joined(separator: "\n"))\n</table>"
    }

    /// running (connected, progress or nothing to do within the stall limit), stalled or disconnected.
    static func state(_ service: HealthState.Service, health: HealthState, now: Date) -> String {
        guard service.connected else { return "disconnected" }
        return now.timeIntervalSince(service.lastProgress) < health.stallSeconds ? "running" : "stalled"
    }

    static func seconds(_ value: Double) -> String { String(format: value < 10 ? "%.2f s" : "%.0f s", value) }

    static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var scaled = value
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int64(scaled)) B" : String(format: "%.1f", scaled) + " " + units[unit]
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.3f", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
