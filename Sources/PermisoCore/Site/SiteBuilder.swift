public import Foundation

/// Everything `permiso build` publishes, computed in memory from a deployment.
///
/// The result depends on the config and keys only — no clock, no randomness, sorted JSON —
/// so the same inputs give the same bytes, and `--check` can compare instead of guessing.
public enum SiteBuilder {
    /// The discovery document, the RFC 8414 metadata, the JWKS, and the static-host configs.
    public static func files(for deployment: Deployment) throws -> [SiteFile] {
        let documents = try self.documents(for: deployment)
        let headers = StaticHostHeaders(paths: SitePaths(issuer: deployment.config.issuer), site: deployment.config.site)
        return documents.map { SiteFile(path: relative($0.urlPath), contents: $0.contents) } + [
            SiteFile(path: StaticHostHeaders.netlifyFile, contents: Data(headers.netlifyHeaders().utf8)),
            SiteFile(path: StaticHostHeaders.nginxFile, contents: Data(headers.nginxSnippet().utf8)),
        ]
    }

    /// The JSON documents with the URL paths and headers they are served with. `permiso serve`
    /// serves these very bytes, so a single box and a CDN answer identically.
    public static func documents(for deployment: Deployment) throws -> [PublishedDocument] {
        let metadata = try StableJSON.encode(ProviderMetadata(deployment: deployment))
        let jwks = try StableJSON.encode(deployment.keys.publicKeySet)
        let paths = SitePaths(issuer: deployment.config.issuer)
        let headers = StaticHostHeaders(paths: paths, site: deployment.config.site)
        let site = deployment.config.site
        return [
            PublishedDocument(
                urlPath: paths.discovery,
                contents: metadata,
                headers: headers.headers(maxAge: site.discoveryMaxAge)
            ),
            PublishedDocument(
                urlPath: paths.authorizationServerMetadata,
                contents: metadata,
                headers: headers.headers(maxAge: site.discoveryMaxAge)
            ),
            PublishedDocument(urlPath: paths.jwks, contents: jwks, headers: headers.headers(maxAge: site.jwksMaxAge)),
        ]
    }

    private static func relative(_ urlPath: String) -> String {
        String(urlPath.drop { $0 == "/" })
    }
}

/// A JSON document as a static host serves it.
public struct PublishedDocument: Sendable, Equatable {
    public var urlPath: String
    public var contents: Data
    /// Content type, caching, CORS, nosniff.
    public var headers: [Header]

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
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
