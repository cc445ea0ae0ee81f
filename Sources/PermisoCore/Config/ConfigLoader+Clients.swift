internal import Foundation

/// The `clients` section: each client's fields, then the rules that need the whole client.
extension ConfigLoader {
    mutating func readClients(
        _ value: YAMLValue,
        scopes: [ScopeDefinition],
        resources: [ResourceConfig],
        subjects: Set<String>
    ) -> [ClientConfig]? {
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
            if let client = client(object, scopes: scopes, resources: resources) {
                if let idValue = object["id"], let violation = SubjectCollisionRule.check(client, subjects: subjects) {
                    log.error(violation.message, at: idValue)
                }
                if let alg = object["idTokenSignedResponseAlg"] {
                    clientAlgorithmValues.append((clients.count, alg))
                } else {
                    clientAlgorithmValues.append((clients.count, object.value))
                }
                if let alg = object["accessTokenSigningAlg"] {
                    clientAccessAlgorithmValues.append((clients.count, alg))
                }
                clients.append(client)
            }
        }
        return clients
    }

    func client(_ object: YAMLObject, scopes: [ScopeDefinition], resources: [ResourceConfig]) -> ClientConfig? {
        let before = log.diagnostics.count
        let id = object["id"]?.oneMatch(ClientConfig.isID, expected: ClientConfig.idCharacters, log)
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
        let accessAlgorithm = object["accessTokenSigningAlg"].flatMap {
            $0.oneOf(SigningAlgorithm.allCases.map(\.rawValue), log).flatMap(SigningAlgorithm.init)
        }
        var requirePKCE = authMethod == .none
        switch PublicClientPKCERule.check(authMethod: authMethod, requirePKCE: object["requirePKCE"]?.bool(log)) {
        case .success(let required): requirePKCE = required
        case .failure(let violation): log.error(violation.message, at: object["requirePKCE"] ?? object.value)
        }
        let firstParty = object["firstParty"]?.bool(log) ?? false
        let requireMFA = object["requireMFA"]?.bool(log) ?? false
        var backchannelLogoutURI: String?
        if let value = object["backchannelLogoutURI"], let uri = value.nonEmptyString(log) {
            if let violation = LogoutURIRule.check(uri, framed: false) { log.error(violation.message, at: value) } else { backchannelLogoutURI = uri }
        }
        let backchannelLogoutSessionRequired = object["backchannelLogoutSessionRequired"]?.bool(log) ?? false
        if backchannelLogoutSessionRequired && object["backchannelLogoutURI"] == nil {
            log.error("backchannelLogoutSessionRequired needs a backchannelLogoutURI", at: object["backchannelLogoutSessionRequired"]!)
        }
        var frontchannelLogoutURI: String?
        if let value = object["frontchannelLogoutURI"], let uri = value.nonEmptyString(log) {
            if let violation = LogoutURIRule.check(uri, framed: true) { log.error(violation.message, at: value) } else { frontchannelLogoutURI = uri }
        }
        let frontchannelLogoutSessionRequired = object["frontchannelLogoutSessionRequired"]?.bool(log) ?? false
        if frontchannelLogoutSessionRequired && object["frontchannelLogoutURI"] == nil {
            log.error("frontchannelLogoutSessionRequired needs a frontchannelLogoutURI", at: object["frontchannelLogoutSessionRequired"]!)
        }
        let allowedResources = clientResources(object["resources"], defined: resources)
        let introspect = object["introspect"]?.bool(log) ?? false
        if introspect && authMethod == .none, let value = object["introspect"] {
            // RFC 7662 §2.1: the endpoint must know who asks; a public client proves nothing.
            log.error("a public client (none) cannot introspect; give it a secretHash", at: value)
        }
        guard let id, log.diagnostics.count == before else { return nil }
        var client = ClientConfig(
            id: id,
            name: name ?? id,
            secretHash: secretHash,
            authMethod: authMethod,
            redirectURIs: redirectURIs,
            postLogoutRedirectURIs: postLogoutRedirectURIs,
            grantTypes: grantTypes,
            scopes: allowedScopes,
            signingAlgorithm: algorithm,
            requirePKCE: requirePKCE,
            firstParty: firstParty,
            requireMFA: requireMFA,
            backchannelLogoutURI: backchannelLogoutURI,
            backchannelLogoutSessionRequired: backchannelLogoutSessionRequired,
            frontchannelLogoutURI: frontchannelLogoutURI,
            frontchannelLogoutSessionRequired: frontchannelLogoutSessionRequired
        )
        client.introspect = introspect
        client.accessTokenSigningAlgorithm = accessAlgorithm
        client.resources = allowedResources
        client.disabled = object["disabled"]?.bool(log) ?? false
        for violation in GrantTypeRule.check(client) {
            log.error(violation.message, at: object["grantTypes"] ?? object.value)
        }
        return client
    }

    func uriList(_ value: YAMLValue?) -> [String] {
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
    func hash(_ value: YAMLValue, what: String) -> String? {
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

    func resolve(_ reference: SecretReference, at value: YAMLValue) -> Result<String, RuleViolation> {
        let result = reference.resolve(relativeTo: directory, environment: environment)
        if case .failure(let violation) = result { log.error(violation.message, at: value) }
        return result
    }
}
