/// The version Helio reports in change events (`source.version`), logs and `--version`.
public enum HelioVersion {
    public static let current = "0.1.0"
}
