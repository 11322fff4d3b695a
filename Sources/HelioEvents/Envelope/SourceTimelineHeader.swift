/// The record header naming the source's timeline (`helio.timeline`, decimal text), written by
/// capture on every record of a timeline above 1 and read by apply to order positions as
/// (timeline, LSN) across a failover (docs/consumers.md, "Ordering").
public enum SourceTimelineHeader {
    public static let name = "helio.timeline"
}
