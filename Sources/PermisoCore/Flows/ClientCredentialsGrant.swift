public import Foundation

/// The client credentials grant (RFC 6749 §4.4): a confidential client gets an access token
/// for itself, limited to the scopes it is allowed.
public struct ClientCredentialsGrant: Sendable {
    let context: FlowContext

    public init(_ context: FlowContext) { self.context = context }

    /// Scopes that only make sense with a user, so a client acting for itself cannot have them.
    static let userScopes: Set<String> = ["openid", "offline_access"]

    public func issue(
        to client: ClientConfig,
        parameters: FormParameters,
        now: Date
    ) async throws(OAuthError) -> TokenResponse {
        // RFC 6749 §4.4: only confidential clients (ClientAuthenticator has already checked the secret).
        guard !client.isPublic, client.grantTypes.contains(.clientCredentials) else {
            throw .unauthorizedClient("this client may not use the client_credentials grant")
        }
        let scopes: [String]
        if parameters["scope"] == nil {
            // RFC 6749 §3.3: without a scope, the client's allowed scopes are the default.
            scopes = client.scopes.filter { !Self.userScopes.contains($0) }
        } else {
            scopes = try ScopeRequest.parse(parameters["scope"], client: client, config: context.config)
            if let userScope = scopes.first(where: Self.userScopes.contains) {
                throw .invalidScope("scope \(userScope) needs a user; client_credentials has none")
            }
        }
        // RFC 8707 §2.2: for one API the client may ask for, else for the issuer.
        let target = try ResourceRequest.target(parameters, client: client, config: context.config, granted: nil)
        let audience = try TokenIssuer.Audience(target, scopes: scopes, client: client, config: context.config)
        // RFC 9068 §2.2: with no user, the subject is the client itself.
        let claims = AccessTokenClaims(
            iss: context.config.issuer.absoluteString,
            sub: client.id,
            aud: [audience.audience],
            exp: now.addingTimeInterval(TimeInterval(audience.lifetime)),
            iat: now,
            jti: UUID().uuidString,
            clientID: client.id,
            scope: audience.scopes
        )
        let token: String
        do {
            token = try context.issuer.signer.sign(claims, algorithm: audience.algorithm, type: .accessToken)
        } catch {
            throw .serverError("the access token could not be signed")
        }
        var response = TokenResponse(accessToken: token, expiresIn: audience.lifetime, scope: audience.scopes)
        response.signingAlgorithm = audience.algorithm
        return response
    }
}
