import Foundation
import HelioTestSupport
import Testing

@Suite("PostgreSQL restarts", .serialized)
struct DatabaseRestartTests {
    @Test("source and warehouse restarted (fast, then immediate) under load: capture and apply reconnect, nothing lost", arguments: ["fast", "immediate"])
    func restartUnderLoad(mode: String) throws {
        let env = try TestEnvironment("restart\(mode)")
        defer { env.drop() }
        var workload = RandomWorkload(seed: mode == "fast" ? 51 : 53)
        try workload.seed(try env.source())
        let pipeline = RunningPipeline(env)
        try env.waitForSlot()
        try workload.run(try env.source(), transactions: 40)
        try LocalStack.restartPostgres(mode: mode)
        // Writes after the restart, once the server accepts them again.
        try eventually("the source to accept connections again", within: 30) { (try? env.source()) != nil }
        try workload.run(try env.source(), transactions: 40)
        let differences = try env.waitForWarehouse(within: 120)
        #expect(differences.isEmpty, "\(differences.prefix(10))")
        try pipeline.finish()
    }
}
