import Foundation
import HTTPTypes
import Hummingbird
import PermisoCore

/// `POST /oauth/token` (RFC 6749 §3.2): authenticates the client, then runs the grant:
/// client credentials, authorization code, refresh token, or polling for a device grant.
///
/// Every answer, success or error, carries `Cache-Control: no-store` (RFC 6749 §5.1).
struct TokenEndpoint {
    let live: LiveDeployment
    /// Token requests are small; anything larger is refused before it is parsed.
    static let maximumBody = 64 * 1024

    func register(on router: Router<some RequestContext>) {
        router.post(RouterPath(Endpoint.token)) { request, _ in
            try await handle(request)
        }
    }

    func handle(_ request: Request) async throws -> Response {
        let parameters = try await FormBody.read(request, limit: Self.maximumBody)
        let snapshot = live.snapshot
        let client = try await Self.authenticate(request, parameters, live: live, snapshot)
        let response: TokenResponse
        switch parameters["grant_type"] {
        case nil:
            throw OAuthError.invalidRequest("grant_type is required")
        case GrantType.clientCredentials.rawValue:
            response = try await ClientCredentialsGrant().issue(
                to: client,
                parameters: parameters,
                deployment: snapshot.deployment,
                signer: snapshot.signer,
                now: live.clock.now()
            )
        case GrantType.authorizationCode.rawValue:
            response = try await AuthorizationCodeGrant(issuer: snapshot.tokenIssuer, state: live.state).redeem(
                client: client,
                parameters: parameters,
                now: live.clock.now()
            )
        case GrantType.refreshToken.rawValue:
            response = try await RefreshTokenGrant(issuer: snapshot.tokenIssuer, state: live.state).refresh(
                client: client,
                parameters: parameters,
                now: live.clock.now()
            )
        case GrantType.deviceCode.rawValue:
            response = try await DeviceCodeGrant(issuer: snapshot.tokenIssuer, state: live.state).poll(
                client: client,
                parameters: parameters,
                now: live.clock.now()
            )
        case let grant?:
            throw OAuthError.unsupportedGrantType("unknown grant_type \(grant)")
        }
        return JSONResponse.noStore(json: response.compactJSON)
    }
}

extension TokenEndpoint {
    /// Client authentication as RFC 6749 §2.3 describes it, for the token and device
    /// authorization endpoints; a failure answers 401 with a Basic challenge when Basic was used.
    static func authenticate(
        _ request: Request,
        _ parameters: FormParameters,
        live: LiveDeployment,
        _ snapshot: LiveDeployment.Snapshot
    ) async throws -> ClientConfig {
        let presented = ClientAuthenticator.Presented(authorization: request.headers[.authorization], parameters: parameters)
        do {
            return try await live.authenticator.authenticate(presented, config: snapshot.deployment.config).client
        } catch {
            throw ClientAuthenticationFailure(failure: error)
        }
    }
}

/// Reads an `application/x-www-form-urlencoded` body, refusing other types, oversized bodies and non-UTF-8.
enum FormBody {
    static func read(_ request: Request, limit: Int) async throws -> FormParameters {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) == "application/x-www-form-urlencoded"
        else { throw OAuthError.invalidRequest("the body must be application/x-www-form-urlencoded") }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw OAuthError.invalidRequest("the body is larger than \(limit) bytes")
        }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw OAuthError.invalidRequest("the body is not UTF-8")
        }
        return try FormParameters.parse(text)
    }
}

/// JSON bodies of the OAuth endpoints: never cached (RFC 6749 §5.1).
enum JSONResponse {
    private static let pragma = HTTPField.Name("Pragma")!

    static func noStore(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        noStore(json: try StableJSON.compactEncoder.encode(value), status: status)
    }

    static func noStore(json: some Sequence<UInt8>, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
        headers[Self.pragma] = "no-cache"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}

/// `invalid_client` as RFC 6749 §5.2 wants it: 401, with a Basic challenge when Basic was tried.
struct ClientAuthenticationFailure: HTTPResponseError {
    var failure: ClientAuthenticationError

    var status: HTTPResponse.Status { failure.error.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try failure.error.response(from: request, context: context)
        if failure.basic, case .invalidClient = failure.error {
            response.headers[.wwwAuthenticate] = "Basic realm=\"permiso\", charset=\"UTF-8\""
        }
        return response
    }
}
