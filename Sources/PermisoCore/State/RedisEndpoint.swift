import Foundation

/// Where the Redis server is and how to log in, read from a URL in one of two forms:
///
/// - `redis[s]://[[username]:password@]host[:port][/database][?ssl_ca_certs=PATH]`: one server
///   (or a managed primary behind one DNS name, looked up again on every new connection).
/// - `redis[s]+sentinel://[[username]:password@]sentinel[:port][,sentinel[:port]…]/master[/database][?…]`:
///   the master that Redis Sentinel names, followed through failovers. Sentinels listen on
///   26379 by default. The user and password are the data servers'; the sentinels' own,
///   when they need one, are the `sentinel_username` and `sentinel_password` parameters.
///   This is the convention of the `redis+sentinel://` URLs that Celery, Kombu, Prefect and
///   the PyPI `Redis-Sentinel-Url` package read, so one URL serves Permiso and those tools.
///
/// `rediss://` speaks TLS (to the sentinels too) and verifies certificates against the
/// system's roots, plus the PEM file `ssl_ca_certs` names (the parameter redis-py reads).
public struct RedisEndpoint: Sendable, Equatable {
    /// The server to use, or the sentinels that name it.
    public var servers: RedisServers
    public var database: Int
    public var username: String?
    public var password: String?
    public var usesTLS: Bool
    /// Extra trusted CA certificates (PEM) for `rediss://`.
    public var caFile: String?
    /// How many replicas must confirm a write; from the config's `stateStoreReplication`,
    /// never from the URL. `nil`: a write counts once the master has it.
    public var replication: RedisReplication?

    public init(
        servers: RedisServers,
        database: Int = 0,
        username: String? = nil,
        password: String? = nil,
        usesTLS: Bool = false,
        caFile: String? = nil
    ) {
        self.servers = servers
        self.database = database
        self.username = username
        self.password = password
        self.usesTLS = usesTLS
        self.caFile = caFile
    }

    /// One server at `host:port`.
    public init(
        host: String,
        port: Int = RedisAddress.defaultPort,
        database: Int = 0,
        username: String? = nil,
        password: String? = nil,
        usesTLS: Bool = false,
        caFile: String? = nil
    ) {
        self.init(
            servers: .single(RedisAddress(host: host, port: port)),
            database: database,
            username: username,
            password: password,
            usesTLS: usesTLS,
            caFile: caFile
        )
    }

    /// Whether any password is in the URL (the data servers' or the sentinels'): such a URL
    /// must come from the environment or a file, never the config itself.
    public var holdsPassword: Bool {
        if password != nil { return true }
        if case .sentinel(let sentinels) = servers { return sentinels.password != nil }
        return false
    }

    /// Parses the URL; the error says what is wrong, for the config diagnostic, and never
    /// repeats the URL (it may hold a password).
    public static func parse(_ text: String) -> Result<RedisEndpoint, RedisURLProblem> {
        guard let schemeEnd = text.range(of: "://") else { return .failure(RedisURLProblem("not a URL")) }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        let sentinel: Bool
        let usesTLS: Bool
        switch scheme {
        case "redis": (sentinel, usesTLS) = (false, false)
        case "rediss": (sentinel, usesTLS) = (false, true)
        case "redis+sentinel": (sentinel, usesTLS) = (true, false)
        case "rediss+sentinel": (sentinel, usesTLS) = (true, true)
        default:
            // Named only when it is a scheme: text before a stray "://" may be a password.
            let shown = !scheme.isEmpty && scheme.count <= 20 && scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0 == "+") }
            return .failure(
                RedisURLProblem(
                    "expected the scheme redis://, rediss://, redis+sentinel:// or rediss+sentinel://"
                        + (shown ? ", got \(scheme)://" : "")
                )
            )
        }
        var rest = text[schemeEnd.upperBound...]
        if rest.contains("#") { return .failure(RedisURLProblem("the URL takes no fragment")) }
        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...].drop { $0 == "/" }

        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                return .failure(RedisURLProblem("a username needs a password (redis://user:password@host)"))
            }
            guard let user = String(userInfo[..<colon]).removingPercentEncoding,
                let secret = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding
            else { return .failure(RedisURLProblem("the user or password is not valid percent-encoding")) }
            username = user.isEmpty ? nil : user
            password = secret
        }

        let defaultPort = sentinel ? RedisAddress.defaultSentinelPort : RedisAddress.defaultPort
        var addresses: [RedisAddress] = []
        for part in authority.split(separator: ",", omittingEmptySubsequences: false) {
            switch RedisAddress.parse(part, defaultPort: defaultPort) {
            case .success(let address): addresses.append(address)
            case .failure(let problem): return .failure(problem)
            }
        }
        if !sentinel && addresses.count > 1 {
            return .failure(RedisURLProblem("several hosts need redis+sentinel:// (a single server takes one host)"))
        }

        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var masterName: String?
        var databaseText: String?
        if sentinel {
            guard let first = segments.first, !first.isEmpty, let name = first.removingPercentEncoding, !name.isEmpty else {
                return .failure(RedisURLProblem("a sentinel URL names its master: redis+sentinel://host:26379/mymaster"))
            }
            masterName = name
            if segments.count > 2 || (segments.count == 2 && segments[1].isEmpty) {
                return .failure(RedisURLProblem("the path must be /master or /master/database"))
            }
            databaseText = segments.count == 2 ? segments[1] : nil
        } else if !path.isEmpty {
            databaseText = path.hasSuffix("/") ? String(path.dropLast()) : String(path)
        }
        var database = 0
        if let databaseText {
            guard databaseText.allSatisfy(\.isASCIIDigitCharacter), let number = Int(databaseText), (0...15).contains(number) else {
                // Not echoed: a password with an unencoded "/" ends up here.
                return .failure(RedisURLProblem("the database must be a number 0–15"))
            }
            database = number
        }

        var caFile: String?
        var sentinelUsername: String?
        var sentinelPassword: String?
        // Split by hand rather than through URLComponents, whose setter traps on characters a
        // URL may not hold ("{", a space) instead of reporting them.
        for pair in query.split(separator: "&") {
            let equals = pair.firstIndex(of: "=") ?? pair.endIndex
            let rawName = String(pair[..<equals])
            let rawValue = equals == pair.endIndex ? "" : String(pair[pair.index(after: equals)...])
            // A name is echoed only when it looks like one: a password with an unencoded "?"
            // or "#" ends up in the query.
            let name = rawName.count <= 32 && rawName.allSatisfy { $0.isASCII && ($0.isLowercase || $0 == "_") } ? rawName : "(unreadable)"
            guard !rawValue.isEmpty else {
                return .failure(RedisURLProblem("the URL parameter \(name) has no value"))
            }
            guard let value = rawValue.removingPercentEncoding else {
                return .failure(RedisURLProblem("the URL parameter \(name) is not valid percent-encoding"))
            }
            switch rawName {
            case "ssl_ca_certs": caFile = value
            case "sentinel_username" where sentinel: sentinelUsername = value
            case "sentinel_password" where sentinel: sentinelPassword = value
            default:
                let known = sentinel ? "ssl_ca_certs, sentinel_username and sentinel_password are" : "only ssl_ca_certs=PATH is"
                return .failure(RedisURLProblem("unknown URL parameter \(name); \(known) read"))
            }
        }
        if caFile != nil && !usesTLS {
            return .failure(RedisURLProblem("ssl_ca_certs needs rediss:// or rediss+sentinel:// (TLS)"))
        }
        if sentinelUsername != nil && sentinelPassword == nil {
            return .failure(RedisURLProblem("sentinel_username needs sentinel_password"))
        }

        let servers: RedisServers
        if let masterName {
            servers = .sentinel(
                RedisSentinels(addresses: addresses, masterName: masterName, username: sentinelUsername, password: sentinelPassword)
            )
        } else {
            servers = .single(addresses[0])
        }
        return .success(
            RedisEndpoint(
                servers: servers,
                database: database,
                username: username,
                password: password,
                usesTLS: usesTLS,
                caFile: caFile
            )
        )
    }
}

/// The Redis servers an endpoint names.
public enum RedisServers: Sendable, Equatable {
    /// One address; looked up again for every new connection, so a managed primary behind a
    /// DNS name is followed when the name moves.
    case single(RedisAddress)
    /// Whatever master these sentinels name now.
    case sentinel(RedisSentinels)
}

/// A Sentinel deployment: the sentinels to ask and the name of the master they watch
/// (the `sentinel monitor <name>` of their config).
public struct RedisSentinels: Sendable, Equatable {
    public var addresses: [RedisAddress]
    public var masterName: String
    /// The sentinels' own credentials (`requirepass` in sentinel.conf), when they have any.
    public var username: String?
    public var password: String?

    public init(addresses: [RedisAddress], masterName: String, username: String? = nil, password: String? = nil) {
        self.addresses = addresses
        self.masterName = masterName
        self.username = username
        self.password = password
    }
}

/// A host and port, as a URL or a sentinel's reply names one.
public struct RedisAddress: Sendable, Hashable, CustomStringConvertible {
    public static let defaultPort = 6379
    public static let defaultSentinelPort = 26379

    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with an IPv6 address in brackets; for log lines and errors.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    static func parse(_ text: Substring, defaultPort: Int) -> Result<RedisAddress, RedisURLProblem> {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(RedisURLProblem("an IPv6 address lacks its ]")) }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(RedisURLProblem("expected :port after ]")) }
                portText = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty else { return .failure(RedisURLProblem("the URL names no host")) }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._:".contains($0)) }) else {
            return .failure(RedisURLProblem("a host may hold only letters, digits, '-', '.' and '_'"))
        }
        var port = defaultPort
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigitCharacter),
                let number = Int(portText), (1...65_535).contains(number)
            else { return .failure(RedisURLProblem("the port must be a number 1–65535")) }
            port = number
        }
        return .success(RedisAddress(host: String(host), port: port))
    }
}

/// Writes that count only once replicas hold them.
///
/// Redis replicates asynchronously: a master that acknowledges a claim and dies before
/// sending it on takes the claim with it, and the replica promoted in its place lets the
/// same code or refresh token be redeemed again. With this set, every write that guards a
/// single use, a denial or a revocation is followed by `WAIT replicas timeout` on the same
/// connection, and counts only when enough replicas confirm it; otherwise the operation
/// fails closed. Sentinel promotes the replica with the most data, so a write one replica
/// confirmed survives the master's loss unless that replica is lost too.
public struct RedisReplication: Sendable, Equatable {
    public var replicas: Int
    public var timeoutMilliseconds: Int

    public init(replicas: Int, timeoutMilliseconds: Int = 100) {
        self.replicas = replicas
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// Why a Redis URL was refused.
public struct RedisURLProblem: Error, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
