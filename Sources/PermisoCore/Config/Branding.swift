/// What the pages look like.
public struct Branding: Sendable, Equatable {
    public var name = "Permiso"
    public var logoURL: String?
    public var primaryColor = "#1f4fd1"
    public var backgroundColor = "#f5f6f8"
    public var textColor = "#1b1d21"

    public init() {}
}
