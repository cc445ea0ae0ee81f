public import Foundation

/// Everything `permiso build` publishes, computed in memory from a deployment.
///
/// The result depends on the config and keys only — no clock, no randomness, sorted JSON —
/// so the same inputs give the same bytes, and `--check` can compare instead of guessing.
public enum SiteBuilder {
    /// The discovery document, the RFC 8414 metadata, the JWKS, and the static-host configs.
    public static func files(for deployment: Deployment) throws -> [SiteFile] {
        let metadata = try StableJSON.encode(ProviderMetadata(deployment: deployment))
        let jwks = try StableJSON.encode(deployment.keys.publicKeySet)
        let paths = SitePaths(issuer: deployment.config.issuer)
        let headers = StaticHostHeaders(paths: paths, site: deployment.config.site)
        return [
            SiteFile(path: relative(paths.discovery), contents: metadata),
            SiteFile(path: relative(paths.authorizationServerMetadata), contents: metadata),
            SiteFile(path: relative(paths.jwks), contents: jwks),
            SiteFile(path: StaticHostHeaders.netlifyFile, contents: Data(headers.netlifyHeaders().utf8)),
            SiteFile(path: StaticHostHeaders.nginxFile, contents: Data(headers.nginxSnippet().utf8)),
        ]
    }

    private static func relative(_ urlPath: String) -> String {
        String(urlPath.drop { $0 == "/" })
    }
}

/// Where each published file lives on the static host, for an issuer that may have a path.
public struct SitePaths: Sendable, Equatable {
    public var discovery: String
    public var authorizationServerMetadata: String
    public var jwks: String

    public init(issuer: URL) {
        let issuerPath = issuer.path == "/" ? "" : issuer.path
        // OIDC Discovery §4: the issuer, then /.well-known/openid-configuration.
        discovery = issuerPath + Endpoint.discovery
        // RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
        authorizationServerMetadata = Endpoint.authorizationServerMetadata + issuerPath
        jwks = issuerPath + Endpoint.jwks
    }

    /// JSON files with their cache lifetimes.
    func jsonFiles(_ site: SitePublishing) -> [(path: String, maxAge: Int)] {
        [(discovery, site.discoveryMaxAge), (authorizationServerMetadata, site.discoveryMaxAge), (jwks, site.jwksMaxAge)]
    }
}
