/// A client that gets tokens for itself never has a user's subject as its id: a
/// client-credentials access token's `sub` is the client id (RFC 9068 §2.2), so a resource
/// server could not tell the client acting for itself from that user (RFC 9068 §5 asks
/// that the two cannot be confused). Clients without client_credentials never appear as `sub`.
enum SubjectCollisionRule {
    static func check(_ client: ClientConfig, subjects: Set<String>) -> RuleViolation? {
        let clientID = client.id
        guard client.grantTypes.contains(.clientCredentials), subjects.contains(clientID) else { return nil }
        return RuleViolation(
            "client id \"\(clientID)\" is also a user's subject; its client_credentials tokens would carry the same sub as that user's (RFC 9068 §5)"
        )
    }
}
