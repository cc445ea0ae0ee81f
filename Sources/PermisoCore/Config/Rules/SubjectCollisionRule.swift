/// A client id is never also a user's subject: a client-credentials access token's `sub` is
/// the client id (RFC 9068 §2.2), so a resource server could not tell the client acting for
/// itself from that user (RFC 9068 §5 asks that the two cannot be confused).
enum SubjectCollisionRule {
    static func check(clientID: String, subjects: Set<String>) -> RuleViolation? {
        guard subjects.contains(clientID) else { return nil }
        return RuleViolation(
            "client id \"\(clientID)\" is also a user's subject; its client_credentials tokens would carry the same sub as that user's (RFC 9068 §5)"
        )
    }
}
