import Foundation

/// What the status page's appliers panel shows: each apply process of the consumer group seen
/// in the last minute, the partitions it holds and their lag, as `helio status` prints them.
/// Built by the process's loader from what HelioApply computes (`GroupLag`, the group's
/// members in the warehouse), so this target needs neither a database nor a broker. Pure.
public struct AppliersPanel: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        /// `host:pid:id`.
        public var name: String
        public var partitionCount: Int
        /// Its partitions, grouped: `0,1 of solar.public.energy, …; 0 of solar.transaction`.
        public var partitions: String
        /// Records not yet applied in its partitions.
        public var lag: Int64
        public var seenSecondsAgo: Int

        public init(name: String, partitionCount: Int, partitions: String, lag: Int64, seenSecondsAgo: Int) {
            self.name = name
            self.partitionCount = partitionCount
            self.partitions = partitions
            self.lag = lag
            self.seenSecondsAgo = seenSecondsAgo
        }
    }

    public var asOf: Date
    public var group: String
    /// Oldest first.
    public var members: [Member]
    /// The group's lag over every partition of its topics, held or not.
    public var totalLag: Int64

    public init(asOf: Date, group: String, members: [Member], totalLag: Int64) {
        self.asOf = asOf
        self.group = group
        self.members = members
        self.totalLag = totalLag
    }
}
