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
        guard let username, let passwordHash, let subject, log.diagnostics.count == before else { return nil }
        return LocatedUser(
            user: UserConfig(username: username, passwordHash: passwordHash, subject: subject, claims: claims),
            value: item
        )
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
