internal import Foundation

/// The `users` section, inline or in the users file it names, and the uniqueness of
/// usernames and subjects across both.
extension ConfigLoader {
    /// A user and where it was written, for uniqueness errors.
    struct LocatedUser {
        var user: UserConfig
        var value: YAMLValue
        /// Where each of the user's passkeys was written, in order.
        var passkeyValues: [YAMLValue] = []
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
        let passkeyItems = object["passkeys"].flatMap { $0.list(log) } ?? []
        let passkeys = passkeyItems.compactMap(passkey)
        var recoveryCodes: [String] = []
        if let value = object["recoveryCodes"], let items = value.list(log) {
            for item in items {
                guard let text = item.string(log) else { continue }
                if !text.hasPrefix("sha256:") || text.utf8.count != 50 || Data(base64URLEncoded: text.dropFirst(7))?.count != 32 {
                    log.error("a recovery code is listed by its hash, sha256:… as permiso recovery-codes generate prints it", at: item)
                } else if recoveryCodes.contains(text) {
                    log.error("this recovery code is listed twice", at: item)
                } else {
                    recoveryCodes.append(text)
                }
            }
            if object["totp"] == nil && passkeyItems.isEmpty {
                log.error("recovery codes stand in for a lost second factor: add totp or a passkey first", at: value)
            }
        }
        var mfa = SecondFactorPolicy.required
        if let value = object["mfa"], let text = value.oneOf(SecondFactorPolicy.allCases.map(\.rawValue), log) {
            mfa = SecondFactorPolicy(rawValue: text)!
            // An empty passkeys list, as removing the last passkey leaves, is no second factor.
            if mfa == .required && object["totp"] == nil && passkeyItems.isEmpty {
                log.error(
                    "mfa: required needs a second factor: add totp (permiso totp enroll \(username ?? "USER")) or a passkey (/account/passkeys)",
                    at: value
                )
            }
        }
        guard let username, let passwordHash, let subject, log.diagnostics.count == before else { return nil }
        return LocatedUser(
            user: UserConfig(
                username: username,
                passwordHash: passwordHash,
                subject: subject,
                claims: claims,
                totp: totp,
                passkeys: passkeys,
                recoveryCodes: recoveryCodes,
                mfa: mfa,
                disabled: object["disabled"]?.bool(log) ?? false
            ),
            value: item,
            passkeyValues: passkeyItems
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

    /// One passkey entry: its id base64url, its key one that parses and that Permiso can
    /// verify with. Ids are checked for uniqueness across users in `checkUniquePasskeys`.
    func passkey(_ value: YAMLValue) -> PasskeyConfig? {
        guard let object = value.object(ConfigSchema.passkey, log) else { return nil }
        let before = log.diagnostics.count
        let name = object["name"]?.nonEmptyString(log)
        var id: [UInt8]?
        if let idValue = object["id"], let text = idValue.nonEmptyString(log) {
            if let bytes = Data(base64URLEncoded: text), !bytes.isEmpty, bytes.count <= AuthenticatorData.maximumCredentialID {
                id = Array(bytes)
            } else {
                log.error("a passkey id is base64url of 1 to \(AuthenticatorData.maximumCredentialID) bytes", at: idValue)
            }
        }
        var key: PasskeyPublicKey?
        if let keyValue = object["publicKey"], let members = keyValue.entries(log) {
            var jwk: [String: String] = [:]
            for (member, memberValue) in members {
                if let text = memberValue.string(log) { jwk[member] = text }
            }
            do {
                key = try PasskeyPublicKey(jwk: jwk)
            } catch .unsupportedAlgorithm {
                log.error("publicKey is not an EC P-256, OKP Ed25519 or RSA JWK", at: keyValue)
            } catch {
                if case .malformed(let problem) = error { log.error(problem, at: keyValue) }
            }
        }
        var transports: [String] = []
        if let list = object["transports"]?.list(log) {
            transports = list.compactMap { $0.oneOf(PasskeyConfig.knownTransports.sorted(), log) }
        }
        let created = object["created"]?.nonEmptyString(log)
        guard let name, let id, let key, log.diagnostics.count == before else { return nil }
        return PasskeyConfig(id: id, publicKey: key, name: name, transports: transports, created: created)
    }

    /// A credential id names one passkey of one user: sign-in finds the user by it.
    func checkUniquePasskeys(_ users: [LocatedUser]) {
        var seen: [[UInt8]: String] = [:]
        for located in users {
            for (passkey, value) in zip(located.user.passkeys, located.passkeyValues) {
                if let first = seen[passkey.id] {
                    log.error(
                        "duplicate passkey id \(Data(passkey.id).base64URLEncodedString); first listed for user \(first)",
                        at: value
                    )
                } else {
                    seen[passkey.id] = located.username
                }
            }
        }
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
