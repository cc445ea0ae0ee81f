import Foundation
import PermisoCore
import PermisoTesting

/// A real `redis-server` (Debian's package) on a loopback port, for one test.
final class RedisServer: @unchecked Sendable {
    let port: Int
    let password: String?
    private let process: Process

    private let tls: TestCertificates?

    private init(port: Int, password: String?, process: Process, tls: TestCertificates? = nil) {
        self.port = port
        self.password = password
        self.process = process
        self.tls = tls
    }

    var endpoint: RedisEndpoint {
        RedisEndpoint(host: "127.0.0.1", port: port, database: 0, password: password, usesTLS: false)
    }

    static func start(
        port: Int? = nil,
        password: String? = nil,
        tls: TestCertificates? = nil,
        extra: [String] = []
    ) async throws -> RedisServer {
        let port = try port ?? FreePort.find()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        var arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning",
            // A replica's full sync writes an RDB file: never into the working tree.
            "--dir", NSTemporaryDirectory(),
        ]
        if let password { arguments += ["--requirepass", password] }
        arguments += extra
        if let tls {
            arguments[1] = "0"
            arguments += [
                "--tls-port", String(port), "--tls-cert-file", tls.certificate, "--tls-key-file", tls.key,
                "--tls-ca-cert-file", tls.ca, "--tls-auth-clients", "no",
            ]
        }
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") else {
            throw RedisServerMissing()
        }
        try process.run()
        let server = RedisServer(port: port, password: password, process: process, tls: tls)
        for _ in 0..<100 {
            if (try? await server.command(["PING"])) == "PONG" { return server }
            try await Task.sleep(for: .milliseconds(20))
        }
        server.stop()
        throw RedisServerMissing()
    }

    /// A sentinel (`redis-server --sentinel`) watching `master` under `name`, quick to
    /// decide: a master silent for a second is down. With `password`, clients must
    /// authenticate to the sentinel; it uses the master's own password to reach the master.
    /// With `tls`, it speaks only TLS, to its clients and to the servers it watches.
    static func sentinel(
        monitoring master: RedisServer,
        name: String = "mymaster",
        password: String? = nil,
        tls: TestCertificates? = nil,
        in folder: TemporaryDirectory
    ) async throws
        -> RedisServer
    {
        var credentials = ""
        if let password { credentials += "requirepass \(password)\n" }
        if let masterPassword = master.password { credentials += "sentinel auth-pass \(name) \(masterPassword)\n" }
        let port = try FreePort.find()
        var listen = "port \(port)"
        if let tls {
            listen = """
                port 0
                tls-port \(port)
                tls-cert-file \(tls.certificate)
                tls-key-file \(tls.key)
                tls-ca-cert-file \(tls.ca)
                tls-auth-clients no
                tls-replication yes
                """
        }
        // Sentinel rewrites its config file, so each sentinel gets its own.
        let config = try folder.write(
            "sentinel-\(port).conf",
            """
            \(listen)
            bind 127.0.0.1
            dir \(folder.path)
            sentinel monitor \(name) 127.0.0.1 \(master.port) 1
            sentinel down-after-milliseconds \(name) 1000
            sentinel failover-timeout \(name) 5000
            \(credentials)
            """
        )
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = [config, "--sentinel", "--loglevel", "warning"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let sentinel = RedisServer(port: port, password: password, process: process, tls: tls)
        for _ in 0..<100 {
            if (try? await sentinel.command(["PING"])) == "PONG" { return sentinel }
            try await Task.sleep(for: .milliseconds(20))
        }
        sentinel.stop()
        throw RedisServerMissing()
    }

    /// Runs `redis-cli` against this server and returns what it printed, trimmed.
    @discardableResult
    func command(_ arguments: [String]) async throws -> String {
        let cli = Process()
        cli.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        var all = ["-h", "127.0.0.1", "-p", String(port)]
        if let password { all += ["--no-auth-warning", "-a", password] }
        if let tls { all += ["--tls", "--cacert", tls.ca] }
        cli.arguments = all + arguments
        let output = Pipe()
        cli.standardOutput = output
        cli.standardError = FileHandle.nullDevice
        try cli.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        cli.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the process without ending it (SIGSTOP): its sockets stay open and say
    /// nothing, as a host that froze or a link that dropped without a reset would.
    func freeze() {
        kill(process.processIdentifier, SIGSTOP)
    }

    /// Kills the server outright, as a crash would. (SIGKILL also because a process
    /// Foundation starts may inherit a mask that blocks SIGTERM.)
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct RedisServerMissing: Error, CustomStringConvertible {
    var description: String { "redis-server did not start; ./scripts/install-test-deps installs Debian's redis-server" }
}

/// A port nothing listens on right now: bind to port 0, read the port, close.
enum FreePort {
    static func find() throws -> Int {
        let listener = try SilentListener()
        listener.close()
        return listener.port
    }
}

/// A socket that accepts connections (the kernel completes them from the backlog) and
/// never answers: a Redis that hangs.
final class SilentListener: @unchecked Sendable {
    let port: Int
    private let socket: Int32

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.socket = socket
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && listen(socket, 16) == 0
                    && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw RedisServerMissing() }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        Glibc.close(socket)
    }
}

/// A throw-away CA and a certificate for 127.0.0.1 it signed, made with openssl.
struct TestCertificates {
    let ca: String
    let certificate: String
    let key: String

    init(in folder: TemporaryDirectory) throws {
        ca = folder.file("ca.pem")
        certificate = folder.file("server.pem")
        key = folder.file("server.key")
        try folder.write("ext.cnf", "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try Self.openssl(["req", "-x509"] + curve + ["-days", "2", "-subj", "/CN=Permiso test CA", "-keyout", folder.file("ca.key"), "-out", ca])
        try Self.openssl(["req"] + curve + ["-subj", "/CN=127.0.0.1", "-keyout", key, "-out", folder.file("server.csr")])
        try Self.openssl([
            "x509", "-req", "-in", folder.file("server.csr"), "-CA", ca, "-CAkey", folder.file("ca.key"), "-CAcreateserial",
            "-days", "2", "-extfile", folder.file("ext.cnf"), "-out", certificate,
        ])
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw RedisServerMissing() }
    }
}
