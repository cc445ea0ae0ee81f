internal import Foundation

/// The `resources` section: the APIs access tokens may be issued for (RFC 8707).
extension ConfigLoader {
    mutating func readResources(
        _ value: YAMLValue,
        scopes: [ScopeDefinition],
        lifetimes: Lifetimes,
        issuer: URL?
    ) -> [ResourceConfig]? {
        guard let items = value.list(log) else { return nil }
        var resources: [ResourceConfig] = []
        var ids: [String: YAMLValue] = [:]
        // Where each API's RFC 9728 metadata goes: two ids that differ only in case, a default
        // port or a root slash share one URL, and one id's path inside another's would need a
        // file and a folder of one name.
        var locations: [(origin: String, path: String, value: YAMLValue)] = []
        let issuerLocation = issuer.flatMap { ProtectedResourceMetadata.location(of: $0.absoluteString) }
        for item in items {
            guard let object = item.object(ConfigSchema.resource, log) else { continue }
            let before = log.diagnostics.count
            var id: String?
            if let idValue = object["id"], let text = idValue.nonEmptyString(log) {
                if let violation = ResourceIndicatorRule.check(text) {
                    log.error(violation.message, at: idValue)
                } else if let first = ids[text] {
                    log.error("duplicate resource \"\(text)\"; first used at \(first.path) (line \(first.line))", at: idValue)
                } else if let location = ProtectedResourceMetadata.location(of: text) {
                    if let issuerLocation, location == issuerLocation {
                        log.error("a resource cannot be the issuer itself: its tokens would be the ones userinfo takes", at: idValue)
                    } else if let clash = locations.first(where: { other in
                        other.origin == location.origin
                            && (other.path == location.path || other.path.hasPrefix(location.path + "/")
                                || location.path.hasPrefix(other.path + "/"))
                    }) {
                        log.error(
                            "its RFC 9728 metadata would collide with that of \(clash.value.path) (line \(clash.value.line)): the two ids name the same place, or one lies inside the other",
                            at: idValue
                        )
                    } else {
                        ids[text] = idValue
                        locations.append((location.origin, location.path, idValue))
                        id = text
                    }
                }
            }
            let name = object["name"]?.nonEmptyString(log)
            var accepted: [String] = []
            for scopeValue in object["scopes"]?.list(log) ?? [] {
                guard let scope = scopeValue.nonEmptyString(log) else { continue }
                if ClientCredentialsGrant.userScopes.contains(scope) {
                    // They say who the user is to the client; an API's token never carries them.
                    log.error("\(scope) is for the client, not an API; a token for an API never carries it", at: scopeValue)
                } else if !scopes.contains(where: { $0.name == scope }) {
                    log.error("unknown scope \"\(scope)\"; define it under scopes", at: scopeValue)
                } else if accepted.contains(scope) {
                    log.error("scope \(scope) is listed twice", at: scopeValue)
                } else {
                    accepted.append(scope)
                }
            }
            var lifetime: Int?
            if let lifetimeValue = object["accessTokenLifetime"], let seconds = lifetimeValue.duration(log) {
                if seconds <= 0 {
                    log.error("expected a duration longer than zero", at: lifetimeValue)
                } else if seconds > lifetimes.accessToken {
                    // A retired signing key stays published for lifetimes.accessToken; a longer
                    // token would outlive the key that verifies it.
                    log.error(
                        "must be at most lifetimes.accessToken (\(DurationText.text(for: lifetimes.accessToken))), got \(DurationText.text(for: seconds))",
                        at: lifetimeValue
                    )
                } else {
                    lifetime = seconds
                }
            }
            let algorithm = object["accessTokenSigningAlg"].flatMap {
                $0.oneOf(SigningAlgorithm.allCases.map(\.rawValue), log).flatMap(SigningAlgorithm.init)
            }
            var documentation: String?
            if let documentationValue = object["documentation"], let text = documentationValue.nonEmptyString(log) {
                if case .failure(let violation) = LogoURLRule.check(text) {
                    log.error(violation.message, at: documentationValue)
                } else {
                    documentation = text
                }
            }
            guard let id, log.diagnostics.count == before else { continue }
            if algorithm != nil, let algorithmValue = object["accessTokenSigningAlg"] {
                resourceAlgorithmValues.append((resources.count, algorithmValue))
            }
            resources.append(
                ResourceConfig(
                    id: id,
                    name: name ?? id,
                    scopes: accepted,
                    accessTokenLifetime: lifetime,
                    signingAlgorithm: algorithm,
                    documentation: documentation
                )
            )
        }
        return resources
    }

    /// A client's `resources`: each must be one the config defines.
    func clientResources(_ value: YAMLValue?, defined: [ResourceConfig]) -> [String] {
        guard let value, let items = value.list(log) else { return [] }
        var ids: [String] = []
        for item in items {
            guard let id = item.nonEmptyString(log) else { continue }
            if !defined.contains(where: { $0.id == id }) {
                log.error("unknown resource \"\(id)\"; define it under resources", at: item)
            } else if ids.contains(id) {
                log.error("resource \(id) is listed twice", at: item)
            } else {
                ids.append(id)
            }
        }
        return ids
    }
}
