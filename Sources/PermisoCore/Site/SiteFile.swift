public import Foundation

/// One file of the static site, at a path relative to the output folder.
public struct SiteFile: Sendable, Equatable {
    public var path: String
    public var contents: Data

    public init(path: String, contents: Data) {
        self.path = path
        self.contents = contents
    }
}
