import ArgumentParser
import HelioOps

@main
struct Helio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "helio",
        abstract: "PostgreSQL logical replication → Kafka → dimensional warehouse.",
        version: HelioVersion.current,
        subcommands: [Capture.self, Apply.self, Run.self, Simulate.self, Status.self, Verify.self, Replay.self, Rebuild.self, Snapshot.self, DeadLetter.self, Slot.self, Quality.self, ConfigCommand.self]
    )
}
