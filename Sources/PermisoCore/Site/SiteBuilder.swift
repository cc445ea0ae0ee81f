public import Foundation

/// Everything `permiso build` publishes, computed in memory from a deployment.
///
/// The result depends on the config and keys only — no clock, no randomness, sorted JSON —
/// so the same inputs give the same bytes, and `--check` can compare instead of guessing.
public enum SiteBuilder {
    /// The discovery document, the RFC 8414 metadata, the JWKS, the RFC 9728 metadata of each
    /// API, and the static-host configs.
    ///
    /// An API at the issuer's origin has its metadata beside the issuer's files. One at another
    /// origin gets a folder of its own, `resources/<host[:port]>/`, with its own `_headers` and
    /// `nginx.conf`, for that API's team to publish at its origin.
    public static func files(for deployment: Deployment) throws -> [SiteFile] {
        let documents = try self.documents(for: deployment)
        let headers = StaticHostHeaders(files: documents.map { ($0.urlPath, $0.maxAge) })
        var files =
            documents.map { SiteFile(path: relative($0.urlPath), contents: $0.contents) } + [
                SiteFile(path: StaticHostHeaders.netlifyFile, contents: Data(headers.netlifyHeaders().utf8)),
                SiteFile(path: StaticHostHeaders.nginxFile, contents: Data(headers.nginxSnippet().utf8)),
            ]
        let elsewhere = Dictionary(grouping: try resourceDocuments(for: deployment).filter { !$0.atIssuer }, by: \.folder)
        for (folder, documents) in elsewhere.sorted(by: { $0.key < $1.key }) {
            let headers = StaticHostHeaders(files: documents.map { ($0.document.urlPath, $0.document.maxAge) })
            files += documents.map { SiteFile(path: folder + $0.document.urlPath, contents: $0.document.contents) }
            files += [
                SiteFile(path: folder + "/" + StaticHostHeaders.netlifyFile, contents: Data(headers.netlifyHeaders().utf8)),
                SiteFile(path: folder + "/" + StaticHostHeaders.nginxFile, contents: Data(headers.nginxSnippet().utf8)),
            ]
        }
        return files
    }

    /// The JSON documents served at the issuer's origin, with the URL paths and headers they
    /// are served with. `permiso serve` serves these very bytes, so a single box and a CDN
    /// answer identically.
    public static func documents(for deployment: Deployment) throws -> [PublishedDocument] {
        let metadata = try StableJSON.encode(ProviderMetadata(deployment: deployment))
        let jwks = try StableJSON.encode(deployment.keys.publicKeySet)
        let paths = SitePaths(issuer: deployment.config.issuer)
        let site = deployment.config.site
        return [
            PublishedDocument(urlPath: paths.discovery, contents: metadata, maxAge: site.discoveryMaxAge),
            PublishedDocument(urlPath: paths.authorizationServerMetadata, contents: metadata, maxAge: site.discoveryMaxAge),
            PublishedDocument(urlPath: paths.jwks, contents: jwks, maxAge: site.jwksMaxAge),
        ] + (try resourceDocuments(for: deployment).filter(\.atIssuer).map(\.document))
    }

    /// Each API's RFC 9728 metadata, and whether it is served at the issuer's origin.
    private static func resourceDocuments(
        for deployment: Deployment
    ) throws -> [(document: PublishedDocument, atIssuer: Bool, folder: String)] {
        let config = deployment.config
        let issuer = config.issuer.absoluteString
        let issuerOrigin = ProtectedResourceMetadata.location(of: issuer)?.origin
        return try config.resources.compactMap { resource in
            guard let (origin, path) = ProtectedResourceMetadata.location(of: resource.id) else { return nil }
            let document = PublishedDocument(
                urlPath: path,
                contents: try StableJSON.encode(ProtectedResourceMetadata(resource, issuer: issuer)),
                maxAge: config.site.discoveryMaxAge
            )
            let authority = origin.split(separator: "/").last.map(String.init) ?? origin
            return (document, origin == issuerOrigin, "resources/" + authority.replacingOccurrences(of: ":", with: "_"))
        }
    }

    private static func relative(_ urlPath: String) -> String {
        String(urlPath.drop { $0 == "/" })
    }
}

/// A JSON document as a static host serves it.
public struct PublishedDocument: Sendable, Equatable {
    public var urlPath: String
    public var contents: Data
    /// How long caches may keep it.
    public var maxAge: Int
    /// Content type, caching, CORS, nosniff.
    public var headers: [Header] { StaticHostHeaders.headers(maxAge: maxAge) }

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
}
