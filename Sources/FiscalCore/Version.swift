/// The release both commands report (`--version`), the connector's heartbeat and the admin pages.
public enum FiscalVersion {
    /// The version of this build.
    public static let current = "0.9.0"
}
