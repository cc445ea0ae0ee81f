/// A user's `sub` is at most 255 ASCII characters (OIDC Core §2), so every relying party
/// can store it as it is.
enum SubjectRule {
    static let maximumLength = 255

    static func check(_ subject: String) -> RuleViolation? {
        guard subject.utf8.count > maximumLength || !subject.allSatisfy(\.isASCII) else { return nil }
        return RuleViolation("the subject must be at most \(maximumLength) ASCII characters (OIDC Core §2)")
    }
}
