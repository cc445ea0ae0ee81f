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
    public var clients: [ClientConfig] { didSet { index = Index(clients: clients, users: users) } }
    public var users: [UserConfig] { didSet { index = Index(clients: clients, users: users) } }
    /// The APIs access tokens may be issued for (RFC 8707), in config order.
    public var resources: [ResourceConfig]
    /// Clients and users by the keys requests name them with, built once per load: every
    /// token, userinfo and login request looks one up, and a config may hold 100,000.
    /// Disabled entries are left out, so every lookup a request makes refuses them alike.
    private var index: Index

    public init(
        file: String,
        issuer: URL,
        serviceURL: URL,
        keysDirectory: String,
        stateStore: StateStoreLocation,
        lifetimes: Lifetimes,
        site: SitePublishing,
        branding: Branding,
        scopes: [ScopeDefinition],
        clients: [ClientConfig],
        users: [UserConfig],
        resources: [ResourceConfig] = []
    ) {
        self.file = file
        self.issuer = issuer
        self.serviceURL = serviceURL
        self.keysDirectory = keysDirectory
        self.stateStore = stateStore
        self.lifetimes = lifetimes
        self.site = site
        self.branding = branding
        self.scopes = scopes
        self.clients = clients
        self.users = users
        self.resources = resources
        self.index = Index(clients: clients, users: users)
    }

    public func client(id: String) -> ClientConfig? {
        index.clientsByID[id].map { clients[$0] }
    }

    public func user(subject: String) -> UserConfig? {
        index.usersBySubject[subject].map { users[$0] }
    }

    /// Usernames match case-insensitively, as the loader keeps them unique.
    public func user(username: String) -> UserConfig? {
        index.usersByUsername[username.lowercased()].map { users[$0] }
    }

    /// The passkey with this credential id and whose it is; ids are unique across users.
    public func passkey(id: [UInt8]) -> (user: UserConfig, passkey: PasskeyConfig)? {
        guard let (user, position) = index.passkeysByID[id] else { return nil }
        return (users[user], users[user].passkeys[position])
    }

    /// Whether any user has a passkey: only then do the sign-in pages offer the passkey button.
    public var hasPasskeys: Bool { !index.passkeysByID.isEmpty }

    /// Permiso as a WebAuthn relying party: the pages' host and origin.
    public var relyingParty: WebAuthnRelyingParty { WebAuthnRelyingParty(serving: serviceURL) }

    /// The API whose resource indicator is `id`, compared exactly (RFC 8707 §2: an absolute URI).
    public func resource(id: String) -> ResourceConfig? {
        resources.first { $0.id == id }
    }

    public func scope(named name: String) -> ScopeDefinition? {
        scopes.first { $0.name == name }
    }

    private struct Index: Sendable, Equatable {
        var clientsByID: [String: Int] = [:]
        var usersBySubject: [String: Int] = [:]
        var usersByUsername: [String: Int] = [:]
        /// Credential id → (user position, passkey position).
        var passkeysByID: [[UInt8]: (Int, Int)] = [:]

        static func == (a: Self, b: Self) -> Bool {
            a.clientsByID == b.clientsByID && a.usersBySubject == b.usersBySubject && a.usersByUsername == b.usersByUsername
                && a.passkeysByID.mapValues { [$0.0, $0.1] } == b.passkeysByID.mapValues { [$0.0, $0.1] }
        }

        /// The first of duplicates wins, as `first(where:)` did; the loader refuses duplicates anyway.
        init(clients: [ClientConfig], users: [UserConfig]) {
            for (position, client) in clients.enumerated() where clientsByID[client.id] == nil && !client.disabled {
                clientsByID[client.id] = position
            }
            for (position, user) in users.enumerated() where !user.disabled {
                if usersBySubject[user.subject] == nil { usersBySubject[user.subject] = position }
                if usersByUsername[user.username.lowercased()] == nil { usersByUsername[user.username.lowercased()] = position }
                for (slot, passkey) in user.passkeys.enumerated() where passkeysByID[passkey.id] == nil {
                    passkeysByID[passkey.id] = (position, slot)
                }
            }
        }
    }
}
