import Foundation
import HelioCapture
import HelioOps
import HelioPostgres
import HelioTestSupport
import Testing

/// Mistakes a user can make get a clear message that says what to do, and never a secret.
@Suite("Capture refuses to start, clearly", .serialized)
struct CaptureErrorTests {
    func failure(_ config: HelioConfiguration, _ env: TestEnvironment) -> String {
        do {
            try CaptureService(config: config, logger: env.logger).run(shouldStop: { false })
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test("wrong password: an authentication error that names the fix and not the password")
    func wrongCredentials() throws {
        let env = try TestEnvironment("badpw")
        defer { env.drop() }
        var config = env.configuration()
        var url = URLComponents(string: env.sourceURL)!
        url.user = "postgres"
        url.password = "wrong-secret-123"
        config.sourceURL = url.string
        let message = failure(config, env)
        #expect(message.contains("authentication"), "\(message)")
        #expect(!message.contains("wrong-secret-123"))
    }

    @Test("a missing publication the role may not create: says how to create it")
    func missingPublication() throws {
        let env = try TestEnvironment("nopub")
        defer { env.drop() }
        // The least-privilege capture role may replicate but does not own the tables: without
        // the publication the test environment made as the owner, it cannot make one.
        let admin = try env.source()
        try admin.execute("DROP PUBLICATION \(env.name)")
        let message = failure(env.userConfiguration(), env)
        #expect(message.contains("CREATE PUBLICATION"), "\(message)")
        #expect(try admin.execute("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [env.name]).isEmpty, "no slot was created")
    }

    @Test("a slot already in use by another capture: names the process and the way out")
    func slotActiveElsewhere() throws {
        let env = try TestEnvironment("busy")
        defer { env.drop() }
        let first = RunningCapture(env)
        try env.waitForSlot()
        let message = failure(env.userConfiguration(), env)
        #expect(message.contains("in use by another process"), "\(message)")
        try first.finish()
    }

    @Test("a slot of the same name made with another plugin: says to choose another name, and leaves it alone")
    func slotWithOtherPlugin() throws {
        let env = try TestEnvironment("plugin")
        defer { env.drop() }
        let admin = try env.source()
        try admin.execute("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [env.name])
        let message = failure(env.userConfiguration(), env)
        #expect(message.contains("uses plugin test_decoding"), "\(message)")
        #expect(try admin.execute("SELECT plugin FROM pg_replication_slots WHERE slot_name = $1", [env.name]).scalar == "test_decoding",
                "capture never drops a slot by itself")
    }

    @Test("a published table without a key: says to add a primary key")
    func tableWithoutKey() throws {
        let env = try TestEnvironment("nokey")
        defer { env.drop() }
        try env.source().execute("CREATE TABLE readings_raw (device_id bigint, value numeric)")
        // As the superuser: publishing another table takes its owner.
        var config = env.configuration()
        config.tables.append("public.readings_raw")
        let message = failure(config, env)
        #expect(message.contains("no primary key"), "\(message)")
    }

    @Test("an unreachable broker: says to check HELIO_KAFKA_BROKERS")
    func unreachableBroker() throws {
        let env = try TestEnvironment("nobroker")
        defer { env.drop() }
        var config = env.userConfiguration()
        config.kafkaBrokers = "127.0.0.1:1"
        config.kafkaProperties["socket.connection.setup.timeout.ms"] = "2000"
        let message = failure(config, env)
        #expect(message.contains("HELIO_KAFKA_BROKERS"), "\(message)")
    }

    @Test("a bad number in the environment: names the variable")
    func badConfiguration() {
        let error = #expect(throws: ConfigurationError.self) {
            try HelioConfiguration.fromEnvironment(["HELIO_BATCH_SIZE": "lots"])
        }
        #expect(error?.description.contains("HELIO_BATCH_SIZE") == true)
    }
}
