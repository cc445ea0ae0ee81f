import Foundation

/// Where the Redis server is and how to log in, read from a `redis://` URL:
/// `redis[s]://[[username]:password@]host[:port][/database][?ssl_ca_certs=PATH]`.
///
/// `rediss://` speaks TLS and verifies the server's certificate against the system's roots,
/// plus the PEM file `ssl_ca_certs` names (the parameter redis-py reads, so one `REDIS_URL`
/// serves both).
public struct RedisEndpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var database: Int
    public var username: String?
    public var password: String?
    public var usesTLS: Bool
    /// Extra trusted CA certificates (PEM) for `rediss://`.
    public var caFile: String?

    public init(
        host: String,
        port: Int = 6379,
        database: Int = 0,
        username: String? = nil,
        password: String? = nil,
        usesTLS: Bool = false,
        caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.usesTLS = usesTLS
        self.caFile = caFile
    }

    /// Parses the URL; the error says what is wrong, for the config diagnostic.
    public static func parse(_ text: String) -> Result<RedisEndpoint, RedisURLProblem> {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return .failure(RedisURLProblem("not a URL"))
        }
        guard scheme == "redis" || scheme == "rediss" else {
            return .failure(RedisURLProblem("expected the scheme redis:// or rediss://, got \(scheme)://"))
        }
        guard let host = components.host, !host.isEmpty else { return .failure(RedisURLProblem("the URL names no host")) }
        if let port = components.port, !(1...65_535).contains(port) {
            return .failure(RedisURLProblem("port \(port) is out of range"))
        }
        var database = 0
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let number = Int(path), (0...15).contains(number) else {
                return .failure(RedisURLProblem("the path must be a database number 0–15, got /\(path)"))
            }
            database = number
        }
        if components.fragment != nil { return .failure(RedisURLProblem("the URL takes no fragment")) }
        var caFile: String?
        for item in components.queryItems ?? [] {
            guard item.name == "ssl_ca_certs", let value = item.value, !value.isEmpty else {
                return .failure(RedisURLProblem("unknown URL parameter \(item.name); only ssl_ca_certs=PATH is read"))
            }
            caFile = value
        }
        if caFile != nil && scheme != "rediss" {
            return .failure(RedisURLProblem("ssl_ca_certs needs rediss:// (TLS)"))
        }
        let username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        if username != nil && password == nil {
            return .failure(RedisURLProblem("a username needs a password (redis://user:password@host)"))
        }
        return .success(
            RedisEndpoint(
                host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")),
                port: components.port ?? 6379,
                database: database,
                username: username,
                password: password,
                usesTLS: scheme == "rediss",
                caFile: caFile
            )
        )
    }
}

/// Why a Redis URL was refused.
public struct RedisURLProblem: Error, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
