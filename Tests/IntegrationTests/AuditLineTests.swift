import Foundation
import HelioApply
import HelioTestSupport
import Testing

/// The operator commands that change what Helio reads or writes leave an audit line: a JSON
/// log line with `audit` and the fields docs/operations.md ("Audit lines") lists. Each command
/// runs as the built binary, as an operator runs it.
@Suite("Audit lines of the operator commands", .serialized)
struct AuditLineTests {
    /// The JSON log lines of `output` that carry `audit`.
    static func auditLines(_ output: String) -> [[String: String]] {
        output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String],
                  object["audit"] != nil else { return nil }
            return object
        }
    }

    static let json = ["HELIO_LOG_FORMAT": "json"]

    @Test("snapshot (the command and capture accepting it), slot drop, replay, rebuild and the swap each log their audit line")
    func everyCommandAudits() throws {
        let env = try TestEnvironment("audit")
        defer { env.drop() }
        let config = env.userConfiguration()

        let captureLog = NSTemporaryDirectory() + "helio-\(env.name)-capture.log"
        defer { try? FileManager.default.removeItem(atPath: captureLog) }
        let capture = try HelioProcess(["capture"], config: config, logPath: captureLog, environment: Self.json)
        try env.waitForSlot()
        let snapshot = try HelioProcess.run(["snapshot", "--table", "public.devices"], config: config, environment: Self.json)
        #expect(snapshot.status == 0, "\(snapshot.output)")
        let requested = Self.auditLines(snapshot.output)
        #expect(requested.count == 1, "\(snapshot.output)")
        #expect(requested.first?["audit"] == "snapshot")
        #expect(requested.first?["msg"] == "incremental snapshot requested")
        #expect(requested.first?["table"] == "public.devices")
        let request = try #require(requested.first?["request"])
        try eventually("capture to accept the snapshot request", within: 30) { !Self.auditLines(capture.log).isEmpty }
        let accepted = Self.auditLines(capture.log)
        #expect(accepted.map { $0["audit"] } == ["snapshot"], "\(capture.log)")
        #expect(accepted.first?["table"] == "public.devices")
        #expect(accepted.first?["request"] == request, "capture's line names the request it accepted")
        #expect(capture.terminate() == 0, "\(capture.log)")

        let drop = try HelioProcess.run(["slot", "drop", "--yes"], config: config, environment: Self.json)
        #expect(drop.status == 0, "\(drop.output)")
        #expect(Self.auditLines(drop.output).map { [$0["audit"], $0["slot"], $0["msg"]] } == [["slot.drop", config.slot, "replication slot dropped"]],
                "\(drop.output)")
        #expect(try env.source().execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [config.slot]).isEmpty)

        try env.createTopics()
        try WarehouseSchema.live.migrate(env.warehouseAsWriter(), logger: env.logger)
        let positions = NSTemporaryDirectory() + "helio-\(env.name)-positions.txt"
        defer { try? FileManager.default.removeItem(atPath: positions) }
        try "\(env.topic("users")) 0 0\n".write(toFile: positions, atomically: true, encoding: .utf8)
        let replay = try HelioProcess.run(["replay", "--from-offsets", positions], config: config, environment: Self.json)
        #expect(replay.status == 0, "\(replay.output)")
        let replayed = Self.auditLines(replay.output)
        #expect(replayed.count == 1, "\(replay.output)")
        for (key, value) in ["audit": "replay", "group": config.groupID, "partitions": "1", "from": positions, "untouched": "0",
                             "msg": "replay positions stored; start `helio apply` to re-apply"] {
            #expect(replayed.first?[key] == value, "\(key): \(replay.output)")
        }

        let rebuild = try HelioProcess.run(["rebuild", "--schema", "dw_next", "--idle-seconds", "1"], config: config, environment: Self.json)
        #expect(rebuild.status == 0, "\(rebuild.output)")
        #expect(Self.auditLines(rebuild.output).map { [$0["audit"], $0["schema"]] } == [["rebuild", "dw_next"]], "\(rebuild.output)")

        let swap = try HelioProcess.run(["rebuild", "--swap", "--schema", "dw_next"], config: config, environment: Self.json)
        #expect(swap.status == 0, "\(swap.output)")
        let swapped = Self.auditLines(swap.output)
        #expect(swapped.map { [$0["audit"], $0["rebuilt"], $0["msg"]] } == [["rebuild.swap", "dw_next", "warehouse swapped"]], "\(swap.output)")
        let kept = try #require(swapped.first?["kept_as"])
        #expect(kept.hasPrefix("dw_replaced_"))
        #expect(try !env.warehouse().execute("SELECT 1 FROM pg_namespace WHERE nspname = $1", [kept]).isEmpty, "the old dw is kept under the logged name")
    }
}
