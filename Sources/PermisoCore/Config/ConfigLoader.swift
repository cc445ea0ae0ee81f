internal import Foundation

/// Reads `permiso.yaml` (and the users file it may name) into a `PermisoConfig`.
///
/// The loader never stops at the first problem: each value is checked where it is read,
/// the cross-field rules run afterwards, and every diagnostic carries file, line, column
/// and field path.
struct ConfigLoader {
    let file: String
    let environment: [String: String]
    let log = DiagnosticLog()

    var directory: String { (file as NSString).deletingLastPathComponent }

    /// Values whose checks need the keys as well; the deployment loader reads them.
    var clientAlgorithmValues: [(client: Int, value: YAMLValue)] = []
    var clientAccessAlgorithmValues: [(client: Int, value: YAMLValue)] = []
    var resourceAlgorithmValues: [(resource: Int, value: YAMLValue)] = []

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    mutating func load() -> PermisoConfig? {
        guard let root = YAMLDocument.load(path: file, displayName: file, log: log),
            let object = root.object(ConfigSchema.config, log)
        else { return nil }

        let issuer = object["issuer"].flatMap(url)
        let serviceURL = object["serviceURL"].flatMap(url)
        let keys = object["keys"]?.nonEmptyString(log) ?? "keys"
        let storeValue = object["stateStore"]
        var stateStore = storeValue.flatMap(stateStoreLocation) ?? .memory
        if let value = object["stateStoreReplication"], let replication = replication(value) {
            if case .redis(var endpoint) = stateStore {
                endpoint.replication = replication
                stateStore = .redis(endpoint)
            } else if storeValue == nil || storeValue?.string(DiagnosticLog()) == "memory" {
                // (A stateStore that did not parse already has its own error.)
                log.error("replication needs a Redis stateStore; the memory store has no replicas", at: value)
            }
        }
        let lifetimes = object["lifetimes"].flatMap(lifetimes) ?? Lifetimes()
        let site = object["site"].flatMap(site) ?? SitePublishing()
        let branding = object["branding"].flatMap(branding) ?? Branding()
        let scopes = ScopeDefinition.standard + (object["scopes"].flatMap(customScopes) ?? [])
        var users = object["users"].flatMap(users) ?? []
        if let usersFile = object["usersFile"], let path = usersFile.nonEmptyString(log) {
            users += loadUsersFile(path)
        }
        checkUnique(users, keyPath: \.username, what: "username", caseInsensitive: true)
        checkUnique(users, keyPath: \.subject, what: "subject", caseInsensitive: false)
        checkUniquePasskeys(users)
        let resources = object["resources"].flatMap { readResources($0, scopes: scopes, lifetimes: lifetimes, issuer: issuer) } ?? []
        var clients: [ClientConfig] = []
        if let value = object["clients"] {
            clients = readClients(value, scopes: scopes, resources: resources, subjects: Set(users.map(\.subject))) ?? []
        }

        guard let issuer else { return nil }
        if let (_, first) = users.lazy.compactMap({ user in user.passkeyValues.first.map { (user, $0) } }).first,
            let violation = PasskeyHostRule.check(serviceURL ?? issuer)
        {
            log.error(violation.message, at: first)
        }
        return PermisoConfig(
            file: file,
            issuer: issuer,
            serviceURL: serviceURL ?? issuer,
            keysDirectory: keys.hasPrefix("/") ? keys : (directory as NSString).appendingPathComponent(keys),
            stateStore: stateStore,
            lifetimes: lifetimes,
            site: site,
            branding: branding,
            scopes: scopes,
            clients: clients,
            users: users.map(\.user),
            resources: resources
        )
    }

    // MARK: - Top-level values

    private func url(_ value: YAMLValue) -> URL? {
        guard let text = value.nonEmptyString(log) else { return nil }
        switch IssuerRule.check(text) {
        case .success(let url): return url
        case .failure(let violation):
            log.error(violation.message, at: value)
            return nil
        }
    }

    /// `memory`, or a Redis URL whose credentials come from the environment or a file.
    private func stateStoreLocation(_ value: YAMLValue) -> StateStoreLocation? {
        guard let text = value.nonEmptyString(log) else { return nil }
        let reference = SecretReference(text)
        guard case .success(let resolved) = resolve(reference, at: value) else { return nil }
        if resolved == "memory" { return .memory }
        switch RedisEndpoint.parse(resolved) {
        case .failure(let problem):
            // The URL may hold a password: name the problem, never echo the value.
            log.error("expected memory or a Redis URL: \(problem.message)", at: value)
            return nil
        case .success(let endpoint):
            if case .inline = reference, endpoint.holdsPassword {
                log.error(
                    "a password must not be written in the config; use ${ENV_VAR} or a file path for the whole URL",
                    at: value
                )
                return nil
            }
            var endpoint = endpoint
            if let caFile = endpoint.caFile {
                let path = ((caFile.hasPrefix("/") ? caFile : (directory as NSString).appendingPathComponent(caFile)) as NSString)
                    .standardizingPath
                guard FileManager.default.isReadableFile(atPath: path) else {
                    log.error("ssl_ca_certs: no readable file at \(path)", at: value)
                    return nil
                }
                endpoint.caFile = path
            }
            return .redis(endpoint)
        }
    }

    private func replication(_ value: YAMLValue) -> RedisReplication? {
        guard let object = value.object(ConfigSchema.stateStoreReplication, log) else { return nil }
        var replicas: Int?
        if let value = object["replicas"], let count = value.integer(log) {
            if (1...16).contains(count) {
                replicas = count
            } else {
                log.error("expected 1 to 16 replicas, got \(count)", at: value)
            }
        }
        var timeout: Int? = 100
        if let value = object["timeoutMilliseconds"], let milliseconds = value.integer(log) {
            // Under the 2 s reply timeout: WAIT holds its connection's later replies until it answers.
            if (1...1_000).contains(milliseconds) {
                timeout = milliseconds
            } else {
                log.error("expected 1 to 1000 milliseconds, got \(milliseconds)", at: value)
                timeout = nil
            }
        }
        guard let replicas, let timeout else { return nil }
        return RedisReplication(replicas: replicas, timeoutMilliseconds: timeout)
    }

    private func lifetimes(_ value: YAMLValue) -> Lifetimes? {
        guard let object = value.object(ConfigSchema.lifetimes, log) else { return nil }
        var lifetimes = Lifetimes()
        func read(_ key: String, _ keyPath: WritableKeyPath<Lifetimes, Int>, max: Int? = nil, reason: String = "") {
            guard let value = object[key], let seconds = value.duration(log) else { return }
            if seconds <= 0 {
                log.error("expected a duration longer than zero", at: value)
            } else if let max, seconds > max {
                log.error("must be at most \(DurationText.text(for: max))\(reason), got \(DurationText.text(for: seconds))", at: value)
            } else {
                lifetimes[keyPath: keyPath] = seconds
            }
        }
        // OIDC Core §3.1.3.2 / RFC 6749 §4.1.2: codes are short-lived, at most ten minutes;
        // Permiso holds them to 60s because a sealed code cannot be revoked.
        read("authorizationCode", \.authorizationCode, max: 60, reason: " (sealed codes cannot be revoked)")
        read("accessToken", \.accessToken)
        read("idToken", \.idToken)
        read("refreshToken", \.refreshToken)
        read("session", \.session)
        read("deviceCode", \.deviceCode, max: 1_800, reason: " (RFC 8628 user codes are short)")
        read("activeKey", \.activeKey)
        if let value = object["refreshToken"], lifetimes.refreshToken < lifetimes.accessToken {
            log.error("must be at least as long as accessToken", at: value)
        }
        return lifetimes
    }

    private func site(_ value: YAMLValue) -> SitePublishing? {
        guard let object = value.object(ConfigSchema.site, log) else { return nil }
        var site = SitePublishing()
        if let value = object["discoveryMaxAge"], let seconds = value.duration(log) { site.discoveryMaxAge = seconds }
        if let value = object["jwksMaxAge"], let seconds = value.duration(log) { site.jwksMaxAge = seconds }
        return site
    }

    private func branding(_ value: YAMLValue) -> Branding? {
        guard let object = value.object(ConfigSchema.branding, log) else { return nil }
        var branding = Branding()
        if let name = object["name"]?.nonEmptyString(log) { branding.name = name }
        if let value = object["logoURL"], let text = value.nonEmptyString(log) {
            if case .failure(let violation) = LogoURLRule.check(text) {
                log.error(violation.message, at: value)
            } else {
                branding.logoURL = text
            }
        }
        if let colors = object["colors"]?.object(ConfigSchema.colors, log) {
            func read(_ key: String, _ keyPath: WritableKeyPath<Branding, String>) {
                guard let value = colors[key], let text = value.string(log) else { return }
                guard ColorContrastRule.luminance(text) != nil else {
                    log.error("expected a colour as #rrggbb, got \"\(text)\"", at: value)
                    return
                }
                branding[keyPath: keyPath] = text
            }
            read("primary", \.primaryColor)
            read("background", \.backgroundColor)
            read("text", \.textColor)
            let pairs: [(String, String, String, String)] = [
                ("text", branding.textColor, "background", branding.backgroundColor),
                ("primary", branding.primaryColor, "background", branding.backgroundColor),
                ("primary", branding.primaryColor, "white button text", "#ffffff"),
            ]
            for (key, color, otherName, other) in pairs {
                guard let ratio = ColorContrastRule.ratio(color, other), ratio < ColorContrastRule.minimumRatio
                else { continue }
                log.error(
                    "contrast of \(color) against \(otherName) \(other) is \(String(format: "%.2f", ratio)):1; expected at least 4.5:1 (WCAG 2.1 §1.4.3)",
                    at: colors[key] ?? colors.value
                )
            }
        }
        return branding
    }

    private func customScopes(_ value: YAMLValue) -> [ScopeDefinition]? {
        guard let entries = value.entries(log) else { return nil }
        var scopes: [ScopeDefinition] = []
        for (name, scopeValue) in entries {
            if let violation = ScopeNameRule.check(name) {
                log.error(violation.message, at: scopeValue)
                continue
            }
            guard let object = scopeValue.object(ConfigSchema.scope, log) else { continue }
            let description = object["description"]?.nonEmptyString(log) ?? name
            var claims: [String] = []
            for claim in object["claims"]?.list(log) ?? [] {
                guard let text = claim.nonEmptyString(log) else { continue }
                if ScopeDefinition.reservedClaims.contains(text) {
                    log.error("\(text) is set by Permiso itself and cannot be released by a scope", at: claim)
                    continue
                }
                claims.append(text)
            }
            scopes.append(ScopeDefinition(name: name, description: description, claims: claims))
        }
        return scopes
    }
}

extension YAMLValue {
    /// Text that `matches` accepts, described as `expected` in the error.
    func oneMatch(_ matches: (String) -> Bool, expected: String, _ log: DiagnosticLog) -> String? {
        guard let text = nonEmptyString(log) else { return nil }
        guard matches(text) else {
            log.error("expected \(expected), got \"\(text)\"", at: self)
            return nil
        }
        return text
    }
}
