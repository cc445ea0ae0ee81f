import Foundation
import JWTKit
import PermisoTesting
import Testing

@testable import PermisoCore

/// OpenID Connect Back-Channel Logout 1.0 without HTTP: which clients a session tells, and
/// the Logout Token each gets (§2.4), verified from the public JWKS as a relying party would.
@Suite("Back-channel logout: logout tokens")
struct BackchannelLogoutTests {
    let clock = TestClock()

    func context(_ configure: (inout PermisoConfig) -> Void) async throws -> FlowContext {
        var deployment = try Deployment.load(configFile: Repository.exampleConfig, environment: [:])
        configure(&deployment.config)
        let name = deployment.config.issuer.absoluteString
        let issuer = TokenIssuer(
            deployment: deployment,
            signer: try await TokenSigner(keys: deployment.keys, issuer: name),
            sealer: try #require(Sealer(keys: deployment.keys, issuer: name))
        )
        return FlowContext(issuer: issuer, state: ProtocolState(store: MemoryStateStore()))
    }

    @Test("A token per recorded client, signed with its ID token algorithm: typ logout+jwt, the event, sid and sub, no nonce")
    func tokens() async throws {
        let flow = try await context { config in
            for index in config.clients.indices where ["demo", "cli"].contains(config.clients[index].id) {
                config.clients[index].backchannelLogoutURI = "https://\(config.clients[index].id).example/logout"
            }
        }
        var session = LoginSession(subject: "alice", authTime: clock.now(), sessionID: "S-1", amr: ["pwd"])
        for id in ["demo", "cli"] {
            let client = try #require(flow.config.client(id: id))
            session = try #require(session.recording(client))
        }
        session.recordedClients.append(LoginSession.clientDigest("removed-from-the-config"))
        let notices = try BackchannelLogout(flow).notices(for: session, now: clock.now())
        #expect(Set(notices.map(\.clientID)) == ["demo", "cli"], "a client no longer in the config is skipped")
        let jwks = String(decoding: try StableJSON.encode(flow.deployment.keys.publicKeySet), as: UTF8.self)
        let keys = try await JWTKeyCollection().add(jwksJSON: jwks)
        for notice in notices {
            let client = try #require(flow.config.client(id: notice.clientID))
            #expect(notice.uri == client.backchannelLogoutURI)
            let parts = notice.token.split(separator: ".").map(String.init)
            let headerData = try #require(Data(base64URLEncoded: parts[0]))
            let payloadData = try #require(Data(base64URLEncoded: parts[1]))
            let header = try JSONSerialization.jsonObject(with: headerData) as? [String: String]
            #expect(header?["typ"] == "logout+jwt" && header?["alg"] == client.signingAlgorithm.rawValue)
            let claims = try await keys.verify(notice.token, as: LogoutTokenClaims.self)
            #expect(claims.iss == flow.config.issuer.absoluteString && claims.aud == client.id)
            #expect(claims.sub == "alice" && claims.sid == "S-1" && claims.exp - claims.iat == 120)
            #expect(claims.events == [LogoutTokenClaims.event: [:]])
            let payload = try JSONSerialization.jsonObject(with: payloadData) as? [String: Any]
            #expect(payload?["nonce"] == nil && payload?["jti"] as? String != nil)
        }
        #expect(Set(notices.map { $0.token }).count == 2)
        // A logout token is never accepted where an ID token hint is: refused for its typ, before its claims are read.
        do {
            _ = try await flow.issuer.signer.verifyIDTokenHint(notices[0].token)
            Issue.record("a logout token was accepted as an id_token_hint")
        } catch {
            #expect(error == .invalidToken("the token is not of the expected type: its typ is not JWT"))
        }
    }

    @Test("Logout URIs: https, or http on loopback, no fragment; the session flag needs a URI; each named with file and line")
    func config() throws {
        func client(_ lines: String) -> String {
            Fixture.config().replacingOccurrences(of: "    scopes: [openid, profile, email]", with: "    scopes: [openid, profile, email]\n" + lines)
        }
        #expect(try diagnostics(client("    backchannelLogoutURI: https://app.example.com/logout")) == [])
        #expect(try diagnostics(client("    backchannelLogoutURI: http://127.0.0.1:9000/logout")) == [])
        let plain = try diagnostics(client("    backchannelLogoutURI: http://app.example.com/logout"))
        #expect(
            plain == [
                "permiso.yaml:8:27: error: clients[0].backchannelLogoutURI: expected https (http only for loopback hosts), got \"http://app.example.com/logout\""
            ]
        )
        let fragment = try diagnostics(client("    backchannelLogoutURI: https://app.example.com/logout#x"))
        #expect(fragment.first?.contains("no fragment") == true)
        let orphan = try diagnostics(client("    backchannelLogoutSessionRequired: true"))
        #expect(orphan.first?.contains("backchannelLogoutSessionRequired needs a backchannelLogoutURI") == true)
    }
}

@Suite("Back-channel logout: the session cookie's bound")
struct RecordedClientsBoundTests {
    @Test("With the most clients recorded, whatever their ids, the sealed session stays far below browsers' 4 KB")
    func sealedSize() throws {
        let deployment = try Deployment.load(configFile: Repository.exampleConfig, environment: [:])
        let sealer = try #require(Sealer(keys: deployment.keys, issuer: deployment.config.issuer.absoluteString))
        var session = LoginSession(subject: "alice", authTime: Date(), sessionID: RandomToken.make(), amr: TOTPSignIn.methods)
        var client = try #require(deployment.config.client(id: "demo"))
        client.backchannelLogoutURI = "https://rp.example/logout"
        for index in 0..<100 {
            client.id = "client-\(index)-" + String(repeating: "z", count: 300)
            session = try #require(session.recording(client))
        }
        let sealed = try sealer.seal(session, purpose: .session, expiresAt: Date().addingTimeInterval(3600))
        #expect(session.recordedClients.count == LoginSession.maximumRecordedClients)
        #expect(sealed.utf8.count < 1_024, "\(sealed.utf8.count) bytes")
    }
}
