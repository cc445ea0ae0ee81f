import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PermisoCore
import PermisoTesting
import Synchronization
import Testing

@testable import PermisoServer

/// What operators watch: readiness, and the JSON log lines.
@Suite("Operations: /readyz and JSON logs")
struct OperationsTests {
    func readiness(_ client: any TestClientProtocol) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: "/readyz", method: .get) { response in
            #expect(response.headers[.cacheControl] == "no-store")
            let json = try #require(JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            return (response.status, json)
        }
    }

    @Test("/readyz is 503 while the state store cannot be reached and 200 again when it can; /healthz stays 200")
    func readyz() async throws {
        let store = SwitchableStore()
        let live = try await LiveDeployment(configFile: Repository.root + "/permiso.yaml", environment: [:], store: store)
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { client in
            var (status, json) = try await readiness(client)
            #expect(status == .ok && json["status"] as? String == "ready")
            #expect(json["checks"] as? [String: String] == ["config": "loaded", "stateStore": "reachable"])

            store.down.store(true, ordering: .relaxed)
            (status, json) = try await readiness(client)
            #expect(status == .serviceUnavailable && json["status"] as? String == "not ready")
            #expect((json["checks"] as? [String: String])?["stateStore"] == "unreachable")
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }

            store.down.store(false, ordering: .relaxed)
            (status, _) = try await readiness(client)
            #expect(status == .ok)
        }
    }

    @Test("A failed reload is reported as a stale config, and the instance stays ready")
    func staleConfig() async throws {
        let workspace = try Workspace()
        let live = try await LiveDeployment(configFile: workspace.config, environment: [:])
        try workspace.write(extra: "clients: [oops\n")
        #expect(!(await live.reload(logger: Logger(label: "test"))))
        try await Application(router: PermisoApplication.router(live: live)).test(.router) { client in
            let (status, json) = try await readiness(client)
            #expect(status == .ok && (json["checks"] as? [String: String])?["config"] == "stale")
        }
        try workspace.write()
        #expect(await live.reload(logger: Logger(label: "test")))
        #expect(!live.servesStaleConfig)
    }

    @Test("JSON log lines: one object per line, metadata at the top level, every string escaped")
    func jsonLines() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "permiso") { label in
            JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "hb.request.id"] = "abc"
        logger.info(
            "request \"quoted\"\nnext\u{1}",
            metadata: [
                "route": "/oauth/token", "status": .stringConvertible(200), "list": ["a", "b\\"],
                "nested": ["k": "v\u{2028}é"], "message": "cannot replace the message",
            ]
        )
        logger.debug("below the level")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix("}\n") && line.dropLast().contains("\n") == false)
        let json = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(json["message"] as? String == "request \"quoted\"\nnext\u{1}")
        #expect(json["level"] as? String == "info" && json["label"] as? String == "permiso")
        #expect(json["hb.request.id"] as? String == "abc" && json["route"] as? String == "/oauth/token")
        #expect(json["status"] as? String == "200" && json["list"] as? [String] == ["a", "b\\"])
        #expect(json["nested"] as? [String: String] == ["k": "v\u{2028}é"])
        let time = try #require(json["time"] as? String)
        #expect(time.hasSuffix("Z") && time.contains("."), "RFC 3339, UTC, with milliseconds: \(time)")
    }
}
