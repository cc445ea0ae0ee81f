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
    private(set) var clientAlgorithmValues: [(client: Int, value: YAMLValue)] = []

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
        let stateStore = object["stateStore"].flatMap(stateStoreLocation) ?? .memory
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
        var clients: [ClientConfig] = []
        if let value = object["clients"] { clients = readClients(value, scopes: scopes) ?? [] }

        guard let issuer else { return nil }
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
            users: users.map(\.user)
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
            log.error("expected memory or a redis:// or rediss:// URL: \(problem.message)", at: value)
            return nil
        case .success(let endpoint):
            if case .inline = reference, endpoint.password != nil {
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
            if ScopeDefinition.standard.contains(where: { $0.name == name }) {
                log.error("\(name) is a standard scope and is built in; choose another name", at: scopeValue)
                continue
            }
            // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
            if name.isEmpty
                || !name.unicodeScalars.allSatisfy({ $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) })
            {
                log.error(
                    "\"\(name)\" is not a valid scope name (RFC 6749 §3.3: printable ASCII without spaces, quotes or backslashes)",
                    at: scopeValue
                )
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

    // MARK: - Clients

    private mutating func readClients(_ value: YAMLValue, scopes: [ScopeDefinition]) -> [ClientConfig]? {
        guard let items = value.list(log) else { return nil }
        var clients: [ClientConfig] = []
        var ids: [String: YAMLValue] = [:]
        for item in items {
            guard let object = item.object(ConfigSchema.client, log) else { continue }
            if let idValue = object["id"], let id = idValue.string(log) {
                if let first = ids[id] {
                    log.error("duplicate client id \"\(id)\"; first used at \(first.path) (line \(first.line))", at: idValue)
                } else {
                    ids[id] = idValue
                }
            }
            if let client = client(object, scopes: scopes) {
                if let alg = object["idTokenSignedResponseAlg"] {
                    clientAlgorithmValues.append((clients.count, alg))
                } else {
                    clientAlgorithmValues.append((clients.count, object.value))
                }
                clients.append(client)
            }
        }
        return clients
    }

    private func client(_ object: YAMLObject, scopes: [ScopeDefinition]) -> ClientConfig? {
        let before = log.diagnostics.count
        let id = object["id"]?.oneMatch(pattern: "^[A-Za-z0-9._~-]+$", expected: "letters, digits, '.', '_', '~' or '-'", log)
        let name = object["name"]?.nonEmptyString(log)
        let secretHash = object["secretHash"].flatMap { hash($0, what: "client secret") }
        var authMethod: ClientAuthMethod = object["secretHash"] == nil ? .none : .clientSecretBasic
        if let value = object["tokenEndpointAuthMethod"],
            let method = value.oneOf(ClientAuthMethod.allCases.map(\.rawValue), log).flatMap(ClientAuthMethod.init)
        {
            authMethod = method
            if method == .none && object["secretHash"] != nil {
                log.error("a public client (none) must not have a secretHash", at: value)
            } else if method != .none && object["secretHash"] == nil {
                log.error("\(method.rawValue) needs a secretHash (make one with `permiso hash-password`)", at: value)
            }
        }
        let redirectURIs = uriList(object["redirectURIs"])
        let postLogoutRedirectURIs = uriList(object["postLogoutRedirectURIs"])
        var grantTypes: [GrantType] = [.authorizationCode, .refreshToken]
        if let value = object["grantTypes"], let items = value.list(log) {
            grantTypes = items.compactMap { $0.oneOf(GrantType.allCases.map(\.rawValue), log).flatMap(GrantType.init) }
        }
        var allowedScopes = ["openid"]
        if let value = object["scopes"], let items = value.list(log) {
            allowedScopes = []
            for item in items {
                guard let scope = item.nonEmptyString(log) else { continue }
                guard scopes.contains(where: { $0.name == scope }) else {
                    log.error(
                        "unknown scope \"\(scope)\"; expected a standard scope or one defined under scopes (\(scopes.map(\.name).joined(separator: ", ")))",
                        at: item
                    )
                    continue
                }
                allowedScopes.append(scope)
            }
        }
        let algorithm =
            object["idTokenSignedResponseAlg"].flatMap {
                $0.oneOf(SigningAlgorithm.allCases.map(\.rawValue), log).flatMap(SigningAlgorithm.init)
            } ?? .rs256
        var requirePKCE = authMethod == .none
        if let value = object["requirePKCE"], let flag = value.bool(log) {
            // OAuth 2.1 / RFC 9700 §2.1.1: public clients must use PKCE.
            if authMethod == .none && !flag {
                log.error("public clients always require PKCE (RFC 9700 §2.1.1)", at: value)
            }
            requirePKCE = flag || authMethod == .none
        }
        let firstParty = object["firstParty"]?.bool(log) ?? false
        guard let id, log.diagnostics.count == before else { return nil }
        let client = ClientConfig(
            id: id,
            name: name ?? id,
            secretHash: secretHash,
            authMethod: authMethod,
            redirectURIs: redirectURIs,
            postLogoutRedirectURIs: postLogoutRedirectURIs,
            grantTypes: grantTypes,
            scopes: allowedScopes,
            idTokenSigningAlgorithm: algorithm,
            requirePKCE: requirePKCE,
            firstParty: firstParty
        )
        for violation in GrantTypeRule.check(client) {
            log.error(violation.message, at: object["grantTypes"] ?? object.value)
        }
        return client
    }

    private func uriList(_ value: YAMLValue?) -> [String] {
        guard let value, let items = value.list(log) else { return [] }
        var uris: [String] = []
        for item in items {
            guard let uri = item.nonEmptyString(log) else { continue }
            if let violation = RedirectURIRule.check(uri) {
                log.error(violation.message, at: item)
            } else if uris.contains(uri) {
                log.error("\"\(uri)\" is listed twice", at: item)
            } else {
                uris.append(uri)
            }
        }
        return uris
    }

    /// A crypt hash, inline or by reference; plain text is refused so secrets never sit in the file.
    private func hash(_ value: YAMLValue, what: String) -> String? {
        guard let text = value.nonEmptyString(log) else { return nil }
        let reference = SecretReference(text)
        guard case .success(let resolved) = resolve(reference, at: value) else { return nil }
        guard PasswordHash.isAcceptedFormat(resolved) else {
            let shown = { if case .inline = reference { return "" } else { return " (from \(text))" } }()
            log.error(
                "expected a bcrypt ($2b$), yescrypt ($y$) or sha512-crypt ($6$) hash of the \(what)\(shown); make one with `permiso hash-password`, never write the \(what) itself",
                at: value
            )
            return nil
        }
        return resolved
    }

    private func resolve(_ reference: SecretReference, at value: YAMLValue) -> Result<String, RuleViolation> {
        let result = reference.resolve(relativeTo: directory, environment: environment)
        if case .failure(let violation) = result { log.error(violation.message, at: value) }
        return result
    }

    // MARK: - Users

    /// A user and where it was written, for uniqueness errors.
    struct LocatedUser {
        var user: UserConfig
        var value: YAMLValue
        var username: String { user.username }
        var subject: String { user.subject }
    }

    private func users(_ value: YAMLValue) -> [LocatedUser]? {
        guard let items = value.list(log) else { return nil }
        return items.compactMap(user)
    }

    private func loadUsersFile(_ path: String) -> [LocatedUser] {
        let resolved = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
        guard let root = YAMLDocument.load(path: resolved, displayName: resolved, log: log),
            let object = root.object(ConfigSchema.usersFile, log)
        else { return [] }
        return object["users"].flatMap(users) ?? []
    }

    private func user(_ item: YAMLValue) -> LocatedUser? {
        guard let object = item.object(ConfigSchema.user, log) else { return nil }
        let before = log.diagnostics.count
        let username = object["username"]?.nonEmptyString(log)
        if let username, let value = object["username"], username.contains(where: \.isWhitespace) {
            log.error("usernames cannot contain spaces", at: value)
        }
        let passwordHash = object["passwordHash"].flatMap { hash($0, what: "password") }
        var subject = username
        if let value = object["subject"], let text = value.nonEmptyString(log) {
            subject = text
        }
        // OIDC Core §2: sub is at most 255 ASCII characters.
        if let subject, subject.utf8.count > 255 || !subject.allSatisfy(\.isASCII) {
            log.error("the subject must be at most 255 ASCII characters (OIDC Core §2)", at: object["subject"] ?? object["username"]!)
        }
        var claims: [String: JSONValue] = [:]
        if let value = object["claims"], let entries = value.entries(log) {
            for (name, claimValue) in entries {
                guard let json = claimValue.json(log) else { continue }
                if let problem = ClaimRule.check(name: name, value: json) {
                    log.error(problem.message, at: claimValue)
                    continue
                }
                claims[name] = json
            }
        }
        guard let username, let passwordHash, let subject, log.diagnostics.count == before else { return nil }
        return LocatedUser(
            user: UserConfig(username: username, passwordHash: passwordHash, subject: subject, claims: claims),
            value: item
        )
    }

    private func checkUnique(
        _ users: [LocatedUser],
        keyPath: KeyPath<LocatedUser, String>,
        what: String,
        caseInsensitive: Bool
    ) {
        var seen: [String: LocatedUser] = [:]
        for user in users {
            let key = caseInsensitive ? user[keyPath: keyPath].lowercased() : user[keyPath: keyPath]
            if let first = seen[key] {
                log.error(
                    "duplicate \(what) \"\(user[keyPath: keyPath])\"; first used in \(first.value.file) at line \(first.value.line)",
                    at: user.value
                )
            } else {
                seen[key] = user
            }
        }
    }
}

extension YAMLValue {
    /// Text that must match `pattern`, described as `expected` in the error.
    func oneMatch(pattern: String, expected: String, _ log: DiagnosticLog) -> String? {
        guard let text = nonEmptyString(log) else { return nil }
        guard text.range(of: pattern, options: .regularExpression) != nil else {
            log.error("expected \(expected), got \"\(text)\"", at: self)
            return nil
        }
        return text
    }
}
