import Foundation
import HelioTestSupport
import Testing

@Suite("Apply survives crashes and shares work", .serialized)
struct ApplyCrashTests {
    @Test("kill -9 of apply mid-batch, three times: nothing duplicated, nothing missing")
    func killApply() throws {
        let env = try TestEnvironment("killapply")
        defer { env.drop() }
        var workload = RandomWorkload(seed: 23)
        try workload.seed(try env.source())
        var config = env.userConfiguration()
        config.batchSize = 200 // small batches: a kill lands mid-stream, between and inside batches
        let capture = RunningCapture(env, config: config)
        try env.waitForSlot()
        let log = env.spoolDirectory + "-apply.log"
        var apply = try HelioProcess(["apply"], config: config, logPath: log)
        let writer = Thread {
            guard let connection = try? env.source() else { return }
            var local = RandomWorkload(seed: 29)
            _ = try? local.run(connection, transactions: 250)
        }
        writer.start()
        for _ in 0..<3 {
            usleep(UInt32.random(in: 700_000...1_500_000))
            apply.kill9()
            apply = try HelioProcess(["apply"], config: config, logPath: log)
        }
        try eventually("the workload to finish", within: 120) { writer.isFinished }
        let differences = try env.waitForWarehouse(within: 120)
        #expect(differences.isEmpty, "\(differences.prefix(20))")
        #expect(apply.terminate() == 0)
        try capture.finish()
    }

    @Test("two appliers in one consumer group give the same warehouse as one")
    func twoAppliers() throws {
        let env = try TestEnvironment("twoapply")
        defer { env.drop() }
        var workload = RandomWorkload(seed: 31)
        try workload.seed(try env.source())
        let config = env.userConfiguration()
        let capture = RunningCapture(env, config: config)
        try env.waitForSlot()
        let first = try HelioProcess(["apply"], config: config, logPath: env.spoolDirectory + "-apply1.log")
        let second = try HelioProcess(["apply"], config: config, logPath: env.spoolDirectory + "-apply2.log")
        try workload.run(try env.source(), transactions: 200)
        let differences = try env.waitForWarehouse(within: 120)
        #expect(differences.isEmpty, "\(differences.prefix(20))")
        // Both members took part: each was assigned partitions of its own.
        #expect(first.log.contains("partitions assigned") && second.log.contains("partitions assigned"))
        #expect(first.terminate() == 0)
        #expect(second.terminate() == 0)
        try capture.finish()
    }
}
