import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PermisoCore
import PermisoTesting
import Testing

@testable import PermisoServer

/// `/oauth/introspect` (RFC 7662) and `/oauth/revoke` (RFC 7009) over HTTP: client
/// authentication, status codes, bodies and headers. Core's `RevocationTests` cover what
/// each kind of revocation refuses.
@Suite("Introspection and revocation endpoints")
struct TokenStatusEndpointTests {
    func withApp(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:])
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { try await body($0) }
    }

    static let api = "Basic " + Data("api:api-secret".utf8).base64EncodedString()

    struct Answer {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    func post(_ client: any TestClientProtocol, _ path: String, _ body: String, authorization: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            Answer(status: response.status, headers: response.headers, body: String(buffer: response.body))
        }
    }

    func serviceToken(_ client: any TestClientProtocol) async throws -> String {
        let answer = try await post(client, "/oauth/token", "grant_type=client_credentials&client_id=service&client_secret=service-secret")
        return try #require(answer.json["access_token"] as? String)
    }

    @Test("An introspecting client gets an active token's members, never cached; an inactive one is {\"active\":false}")
    func introspect() async throws {
        try await withApp { client in
            let token = try await serviceToken(client)
            let active = try await post(client, "/oauth/introspect", "token=\(token)&token_type_hint=access_token", authorization: Self.api)
            #expect(active.status == .ok && active.headers[.contentType] == "application/json")
            #expect(active.headers[.cacheControl] == "no-store")
            #expect(active.json["active"] as? Bool == true && active.json["client_id"] as? String == "service")
            #expect(active.json["token_type"] as? String == "Bearer" && active.json["scope"] as? String == "api:read")
            // A wrong hint costs nothing: the token is found by its shape.
            let hinted = try await post(client, "/oauth/introspect", "token=\(token)&token_type_hint=refresh_token", authorization: Self.api)
            #expect(hinted.json["active"] as? Bool == true)
            let inactive = try await post(client, "/oauth/introspect", "token=nonsense", authorization: Self.api)
            #expect(inactive.status == .ok && inactive.body == #"{"active":false}"#)
        }
    }

    @Test("Introspection needs an authenticated client that may introspect")
    func introspectionRefusals() async throws {
        try await withApp { client in
            let token = try await serviceToken(client)
            let anonymous = try await post(client, "/oauth/introspect", "token=\(token)")
            #expect(anonymous.status == .unauthorized && anonymous.json["error"] as? String == "invalid_client")
            let wrong = try await post(
                client,
                "/oauth/introspect",
                "token=\(token)",
                authorization: "Basic " + Data("api:wrong".utf8).base64EncodedString()
            )
            #expect(wrong.status == .unauthorized && wrong.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            // service authenticates fine but may not introspect, not even its own token.
            let service = try await post(client, "/oauth/introspect", "token=\(token)&client_id=service&client_secret=service-secret")
            #expect(service.status == .badRequest && service.json["error"] as? String == "unauthorized_client")
            let missing = try await post(client, "/oauth/introspect", "", authorization: Self.api)
            #expect(missing.status == .badRequest && missing.json["error"] as? String == "invalid_request")
        }
    }

    @Test("Revocation: 200 with an empty body, then the token is inactive; another client's token is refused and kept")
    func revoke() async throws {
        try await withApp { client in
            let token = try await serviceToken(client)
            let other = try await post(client, "/oauth/revoke", "token=\(token)&client_id=cli")
            #expect(other.status == .badRequest && other.json["error"] as? String == "unauthorized_client")
            let stillActive = try await post(client, "/oauth/introspect", "token=\(token)", authorization: Self.api)
            #expect(stillActive.json["active"] as? Bool == true)

            let revoked = try await post(client, "/oauth/revoke", "token=\(token)&client_id=service&client_secret=service-secret")
            #expect(revoked.status == .ok && revoked.body.isEmpty && revoked.headers[.cacheControl] == "no-store")
            let inactive = try await post(client, "/oauth/introspect", "token=\(token)", authorization: Self.api)
            #expect(inactive.body == #"{"active":false}"#)

            // RFC 7009 §2.2: an unknown or already revoked token is success too.
            for body in ["token=\(token)", "token=unknown"] {
                let again = try await post(client, "/oauth/revoke", body + "&client_id=service&client_secret=service-secret")
                #expect(again.status == .ok)
            }
            let missing = try await post(client, "/oauth/revoke", "client_id=service&client_secret=service-secret")
            #expect(missing.status == .badRequest && missing.json["error"] as? String == "invalid_request")
            let anonymous = try await post(client, "/oauth/revoke", "token=\(token)")
            #expect(anonymous.status == .unauthorized && anonymous.json["error"] as? String == "invalid_client")
        }
    }

    @Test("Discovery names both endpoints and the client authentication each accepts")
    func discovery() async throws {
        try await withApp { client in
            let json = try await client.execute(uri: Endpoint.discovery, method: .get) { response in
                try #require(JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            }
            #expect(json["introspection_endpoint"] as? String == "http://127.0.0.1:8080/oauth/introspect")
            #expect(json["revocation_endpoint"] as? String == "http://127.0.0.1:8080/oauth/revoke")
            #expect(json["introspection_endpoint_auth_methods_supported"] as? [String] == ["client_secret_basic", "client_secret_post"])
            #expect(
                json["revocation_endpoint_auth_methods_supported"] as? [String] == ["client_secret_basic", "client_secret_post", "none"]
            )
        }
    }
}
