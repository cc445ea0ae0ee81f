/// How static hosts should cache the published files.
public struct SitePublishing: Sendable, Equatable {
    public var discoveryMaxAge = 3_600
    /// Shorter than discovery so a newly pre-published key reaches clients soon.
    public var jwksMaxAge = 300

    public init() {}
}
