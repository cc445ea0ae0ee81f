public import Foundation

/// One deployment's configuration, loaded and validated from `permiso.yaml`.
public struct PermisoConfig: Sendable, Equatable {
    /// Where the config came from; relative paths in it resolve against its folder.
    public var file: String
    public var issuer: URL
    /// Where `/oauth/*` answer; the issuer unless the config says otherwise.
    public var serviceURL: URL
    public var keysDirectory: String
    public var stateStore: StateStoreLocation
    public var lifetimes: Lifetimes
    public var site: SitePublishing
    public var branding: Branding
    /// Standard scopes first, then the custom ones by name.
    public var scopes: [ScopeDefinition]
    public var clients: [ClientConfig]
    public var users: [UserConfig]

    public func client(id: String) -> ClientConfig? {
        clients.first { $0.id == id }
    }

    public func scope(named name: String) -> ScopeDefinition? {
        scopes.first { $0.name == name }
    }
}
