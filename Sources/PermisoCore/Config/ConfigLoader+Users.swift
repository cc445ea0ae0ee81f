internal import Foundation

/// The `users` section, inline or in the users file it names, and the uniqueness of
/// usernames and subjects across both.
extension ConfigLoader {
    /// A user and where it was written, for uniqueness errors.
    struct LocatedUser {
        var user: UserConfig
        var value: YAMLValue
        var username: String { user.username }
        var subject: String { user.subject }
    }

    func users(_ value: YAMLValue) -> [LocatedUser]? {
        guard let items = value.list(log) else { return nil }
        return items.compactMap(user)
    }

    func loadUsersFile(_ path: String) -> [LocatedUser] {
        let resolved = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
        guard let root = YAMLDocument.load(path: resolved, displayName: resolved, log: log),
            let object = root.object(ConfigSchema.usersFile, log)
        else { return [] }
        return object["users"].flatMap(users) ?? []
    }

    func user(_ item: YAMLValue) -> LocatedUser? {
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
        if let subject, let violation = SubjectRule.check(subject) {
            log.error(violation.message, at: object["subject"] ?? object["username"]!)
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
        let totp = object["totp"].flatMap(totp)
        var mfa = SecondFactorPolicy.required
        if let value = object["mfa"], let text = value.oneOf(SecondFactorPolicy.allCases.map(\.rawValue), log) {
            mfa = SecondFactorPolicy(rawValue: text)!
            if mfa == .required && object["totp"] == nil {
                log.error("mfa: required needs a second factor: add totp (permiso totp enroll \(username ?? "USER"))", at: value)
            }
        }
        guard let username, let passwordHash, let subject, log.diagnostics.count == before else { return nil }
        return LocatedUser(
            user: UserConfig(username: username, passwordHash: passwordHash, subject: subject, claims: claims, totp: totp, mfa: mfa),
            value: item
        )
    }

    /// A user's TOTP authenticator. The secret is a credential as good as the password, so
    /// it may only come by reference, like a Redis password.
    func totp(_ value: YAMLValue) -> TOTPConfig? {
        guard let object = value.object(ConfigSchema.totp, log), let secretValue = object["secret"],
            let text = secretValue.nonEmptyString(log)
        else { return nil }
        let reference = SecretReference(text)
        if case .inline = reference {
            log.error("a TOTP secret must come by reference (${ENV_VAR} or a file path), never inline", at: secretValue)
            return nil
        }
        guard case .success(let resolved) = resolve(reference, at: secretValue) else { return nil }
        guard let secret = Base32.decode(resolved) else {
            log.error("the TOTP secret from \(text) is not base32 (A–Z and 2–7)", at: secretValue)
            return nil
        }
        guard secret.count >= TOTPConfig.minimumSecretBytes else {
            log.error(
                "the TOTP secret from \(text) has \(secret.count * 8) bits; at least \(TOTPConfig.minimumSecretBytes * 8) are needed (RFC 4226 §4)",
                at: secretValue
            )
            return nil
        }
        var config = TOTPConfig(secret: secret)
        if let algorithm = object["algorithm"]?.oneOf(TOTPConfig.Algorithm.allCases.map(\.rawValue), log) {
            config.algorithm = TOTPConfig.Algorithm(rawValue: algorithm)!
        }
        if let digits = object["digits"]?.integer(log) {
            guard (6...8).contains(digits) else {
                log.error("digits must be 6, 7 or 8", at: object["digits"]!)
                return nil
            }
            config.digits = digits
        }
        if let period = object["period"]?.integer(log) {
            guard (15...120).contains(period) else {
                log.error("period must be between 15 and 120 seconds", at: object["period"]!)
                return nil
            }
            config.period = period
        }
        return config
    }

    func checkUnique(
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
