import Foundation
import HelioPostgres

/// `helio slot drop`: an operator's decision (capture itself never drops its slot).
extension CaptureService {
    /// Drops replication slot `slot` of the source at `sourceURL`, then the files capture keeps
    /// for it in the spool directory: dropped on purpose, the next capture starts over with an
    /// initial snapshot, not a resync.
    public static func dropSlot(_ slot: String, sourceURL: String, spoolDirectory: String) throws {
        let connection = try PostgresConnection(ConnectionOptions(url: sourceURL))
        try connection.execute("SELECT pg_drop_replication_slot($1)", [slot])
        for file in slotFiles(spoolDirectory: spoolDirectory, slot: slot) {
            try? FileManager.default.removeItem(atPath: file)
        }
    }
}
