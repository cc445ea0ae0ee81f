import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PermisoCore
import PermisoTesting
import Testing

@testable import PermisoServer

@Suite("Token endpoint: client authentication and client_credentials")
struct TokenEndpointTests {
    /// The example config: `service` uses client_secret_post, `demo` client_secret_basic, `cli` none.
    func withApp(_ body: @Sendable (any TestClientProtocol, LiveDeployment) async throws -> Void) async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { try await body($0, live) }
    }

    func basic(_ id: String, _ secret: String) -> String {
        func encode(_ text: String) -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return text.addingPercentEncoding(withAllowedCharacters: allowed)!
        }
        return "Basic " + Data("\(encode(id)):\(encode(secret))".utf8).base64EncodedString()
    }

    func post(
        _ client: any TestClientProtocol,
        _ body: String,
        authorization: String? = nil,
        contentType: String = "application/x-www-form-urlencoded"
    ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, json: [String: Any]) {
        var headers: HTTPFields = [.contentType: contentType]
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(
            uri: "/oauth/token",
            method: .post,
            headers: headers,
            body: ByteBuffer(string: body)
        ) { response in
            let json = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any]
            return (response.status, response.headers, json ?? [:])
        }
    }

    @Test("client_credentials issues a verifiable RFC 9068 access token, never cached")
    func clientCredentials() async throws {
        try await withApp { client, live in
            let result = try await post(
                client,
                "grant_type=client_credentials&client_id=service&client_secret=service-secret"
            )
            #expect(result.status == .ok)
            #expect(result.headers[.cacheControl] == "no-store")
            #expect(result.json["token_type"] as? String == "Bearer")
            #expect(result.json["scope"] as? String == "api:read")
            #expect(result.json["expires_in"] as? Int == 600)
            #expect(result.json["refresh_token"] == nil && result.json["id_token"] == nil)
            let token = try #require(result.json["access_token"] as? String)
            let claims = try await live.snapshot.signer.verifyAccessToken(token, now: Date())
            #expect(claims.subject == "service")
            #expect(claims.clientID == "service")
            #expect(claims.scopes == ["api:read"])
        }
    }

    @Test("A wrong secret, an unknown client or a missing secret is invalid_client with 401")
    func badCredentials() async throws {
        try await withApp { client, _ in
            for body in [
                "grant_type=client_credentials&client_id=service&client_secret=wrong",
                "grant_type=client_credentials&client_id=nobody&client_secret=service-secret",
                "grant_type=client_credentials&client_id=service",
                "grant_type=client_credentials",
            ] {
                let result = try await post(client, body)
                #expect(result.status == .unauthorized, "\(body)")
                #expect(result.json["error"] as? String == "invalid_client", "\(body)")
                #expect(result.headers[.wwwAuthenticate] == nil)
                #expect(result.headers[.cacheControl] == "no-store")
            }
        }
    }

    @Test("Basic authentication failures answer with a Basic challenge")
    func basicChallenge() async throws {
        try await withApp { client, _ in
            let wrong = try await post(client, "grant_type=client_credentials", authorization: basic("demo", "nope"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.json["error"] as? String == "invalid_client")
            #expect(wrong.headers[.wwwAuthenticate]?.hasPrefix("Basic realm=\"permiso\"") == true)
            // service registered client_secret_post: the right secret over Basic is still refused.
            let method = try await post(
                client,
                "grant_type=client_credentials",
                authorization: basic("service", "service-secret")
            )
            #expect(method.status == .unauthorized)
            #expect(method.json["error_description"] as? String == "this client authenticates with client_secret_post")
            let garbage = try await post(client, "grant_type=client_credentials", authorization: "Basic !!!")
            #expect(garbage.json["error"] as? String == "invalid_client")
        }
    }

    @Test("An empty secret counts as none: a public client passes, a confidential one does not")
    func emptySecret() async throws {
        try await withApp { client, _ in
            // cli is public: an empty secret in the body or in Basic only identifies it (oidc-agent sends one).
            for (body, authorization) in [
                ("grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=cli&client_secret=&device_code=x", nil),
                ("grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=x", basic("cli", "")),
            ] as [(String, String?)] {
                let result = try await post(client, body, authorization: authorization)
                #expect(result.json["error"] as? String == "invalid_grant", "authenticated, then the bad device code is refused: \(body)")
            }
            // service and demo have secrets: an empty one fails like a wrong one.
            let post = try await post(client, "grant_type=client_credentials&client_id=service&client_secret=")
            #expect(post.status == .unauthorized && post.json["error"] as? String == "invalid_client")
            let basicEmpty = try await self.post(client, "grant_type=client_credentials", authorization: basic("demo", ""))
            #expect(basicEmpty.status == .unauthorized && basicEmpty.json["error"] as? String == "invalid_client")
            #expect(basicEmpty.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
        }
    }

    @Test("Basic credentials are form-encoded before base64 (RFC 6749 §2.3.1)")
    func basicFormEncoding() async throws {
        let workspace = try Workspace()
        let secret = "a:b+c d%é"
        try workspace.write(
            extra: """
                scopes:
                  api:
                    description: API
                clients:
                  - id: svc.1
                    secretHash: "\(try PasswordHash.make(secret, cost: 4))"
                    grantTypes: [client_credentials]
                    scopes: [api]
                """
        )
        let live = try await LiveDeployment(configFile: workspace.config, environment: [:])
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { client in
            let ok = try await post(client, "grant_type=client_credentials", authorization: basic("svc.1", secret))
            #expect(ok.status == .ok)
            #expect(ok.json["scope"] as? String == "api")
            // The same secret without form-encoding splits at its colon and fails.
            let raw = "Basic " + Data("svc.1:\(secret)".utf8).base64EncodedString()
            #expect(try await post(client, "grant_type=client_credentials", authorization: raw).status == .unauthorized)
        }
    }

    @Test("Clients without the grant, public clients and user scopes are refused with the RFC's codes")
    func grantRules() async throws {
        try await withApp { client, _ in
            let demo = try await post(client, "grant_type=client_credentials", authorization: basic("demo", "demo-secret"))
            #expect(demo.status == .badRequest)
            #expect(demo.json["error"] as? String == "unauthorized_client")
            let cli = try await post(client, "grant_type=client_credentials&client_id=cli")
            #expect(cli.json["error"] as? String == "unauthorized_client")
            let openid = try await post(
                client,
                "grant_type=client_credentials&client_id=service&client_secret=service-secret&scope=openid"
            )
            #expect(openid.json["error"] as? String == "invalid_scope")
            let unknown = try await post(
                client,
                "grant_type=client_credentials&client_id=service&client_secret=service-secret&scope=admin"
            )
            #expect(unknown.json["error"] as? String == "invalid_scope")
            #expect(unknown.json["error_description"] as? String == "unknown scope admin")
        }
    }

    @Test("Malformed requests get invalid_request or unsupported_grant_type, never a 500")
    func malformed() async throws {
        try await withApp { client, _ in
            let credentials = "client_id=service&client_secret=service-secret"
            let cases: [(String, String, String, String)] = [
                ("no grant_type", credentials, "application/x-www-form-urlencoded", "invalid_request"),
                ("unknown grant", "grant_type=password&" + credentials, "application/x-www-form-urlencoded", "unsupported_grant_type"),
                (
                    "repeated parameter", "grant_type=client_credentials&grant_type=client_credentials&" + credentials,
                    "application/x-www-form-urlencoded", "invalid_request"
                ),
                ("JSON body", #"{"grant_type":"client_credentials"}"#, "application/json", "invalid_request"),
                ("bad escape", "grant_type=client_credentials&scope=%ZZ&" + credentials, "application/x-www-form-urlencoded", "invalid_request"),
            ]
            for (name, body, contentType, error) in cases {
                let result = try await post(client, body, contentType: contentType)
                #expect(result.status == .badRequest, "\(name)")
                #expect(result.json["error"] as? String == error, "\(name)")
            }
            let both = try await post(
                client,
                "grant_type=client_credentials&" + credentials,
                authorization: basic("service", "service-secret")
            )
            #expect(both.json["error"] as? String == "invalid_request")
            let huge = try await post(client, "grant_type=client_credentials&pad=" + String(repeating: "x", count: 70_000))
            #expect(huge.status == .badRequest)
            #expect(huge.json["error"] as? String == "invalid_request")
            let notUTF8 = try await client.execute(
                uri: "/oauth/token",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(bytes: Array("grant_type=client_credentials&x=".utf8) + [0xFF, 0xFE])
            ) { $0.status }
            #expect(notUTF8 == .badRequest)
        }
    }

    @Test("authorization_code and refresh_token over HTTP: redeem once, rotate, and refuse replays")
    func codeFlowOverHTTP() async throws {
        try await withApp { client, live in
            let code = try live.snapshot.sealer.seal(
                AuthorizationCode(
                    clientID: "demo",
                    redirectURI: "http://127.0.0.1:8080/demo/callback",
                    subject: "alice",
                    scopes: ["openid", "offline_access"],
                    nonce: nil,
                    codeChallenge: nil,
                    authTime: Date(),
                    sessionID: "s",
                    amr: ["pwd"]
                ),
                purpose: .code,
                expiresAt: Date().addingTimeInterval(60)
            )
            let body = "grant_type=authorization_code&code=\(code)&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fdemo%2Fcallback"
            let auth = basic("demo", "demo-secret")
            let first = try await post(client, body, authorization: auth)
            #expect(first.status == .ok)
            #expect(first.json["id_token"] is String)
            let refresh = try #require(first.json["refresh_token"] as? String)
            let replay = try await post(client, body, authorization: auth)
            #expect(replay.status == .badRequest)
            #expect(replay.json["error"] as? String == "invalid_grant")
            let refreshed = try await post(client, "grant_type=refresh_token&refresh_token=\(refresh)", authorization: auth)
            #expect(refreshed.json["error"] as? String == "invalid_grant", "the replayed code revoked its family")
        }
    }
}
