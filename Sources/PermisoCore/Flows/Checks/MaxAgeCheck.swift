/// `max_age` (OIDC Core §3.1.2.1): a non-negative whole number of seconds.
enum MaxAgeCheck {
    static func parse(_ text: String?) throws(OAuthError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 0 else { throw .invalidRequest("max_age must be a whole number of seconds") }
        return value
    }
}
