internal import Foundation

/// An API's metadata (RFC 9728 §2), published for each configured resource so its clients
/// (and the API itself) find which authorization server issues its tokens and with which scopes.
public struct ProtectedResourceMetadata: Sendable, Equatable, Codable {
    public var resource: String
    public var authorizationServers: [String]
    public var scopesSupported: [String]?
    /// RFC 6750 §2.1: Permiso's tokens are bearer tokens sent in the `Authorization` header.
    public var bearerMethodsSupported: [String]
    public var resourceName: String
    public var resourceDocumentation: String?

    enum CodingKeys: String, CodingKey {
        case resource
        case authorizationServers = "authorization_servers"
        case scopesSupported = "scopes_supported"
        case bearerMethodsSupported = "bearer_methods_supported"
        case resourceName = "resource_name"
        case resourceDocumentation = "resource_documentation"
    }

    public init(_ resource: ResourceConfig, issuer: String) {
        self.resource = resource.id
        authorizationServers = [issuer]
        scopesSupported = resource.scopes.isEmpty ? nil : resource.scopes
        bearerMethodsSupported = ["header"]
        resourceName = resource.name
        resourceDocumentation = resource.documentation
    }

    /// RFC 9728 §3.1: where the metadata of `resource` is served — at the resource's own
    /// origin, with the well-known segment between the host and the resource's path.
    public static func location(of resource: String) -> (origin: String, path: String)? {
        guard let components = URLComponents(string: resource), let scheme = components.scheme?.lowercased(),
            let host = components.encodedHost?.lowercased()
        else { return nil }
        // A default port is the same origin as none.
        let port = components.port.flatMap { ($0 == 443 && scheme == "https") || ($0 == 80 && scheme == "http") ? nil : $0 }
        let origin = scheme + "://" + host + (port.map { ":\($0)" } ?? "")
        let path = components.percentEncodedPath == "/" ? "" : components.percentEncodedPath
        return (origin, Endpoint.protectedResourceMetadata + path)
    }
}
