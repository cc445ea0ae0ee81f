/// User claims have the types OIDC Core §5.1 gives them, and never shadow claims Permiso sets.
enum ClaimRule {
    static let strings: Set<String> = [
        "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
        "picture", "website", "email", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    ]
    static let booleans: Set<String> = ["email_verified", "phone_number_verified"]

    static func check(name: String, value: JSONValue) -> RuleViolation? {
        if ScopeDefinition.reservedClaims.contains(name) {
            return RuleViolation("\(name) is set by Permiso itself; remove it (use subject: for sub)")
        }
        switch (name, value) {
        case (_, .null):
            return RuleViolation("expected a value; remove the claim instead of leaving it empty")
        case (let name, .string(let text)) where name == "email":
            return text.utf8.contains(UInt8(ascii: "@")) ? nil : RuleViolation("expected an email address, got \"\(text)\"")
        case (let name, .string) where strings.contains(name):
            return nil
        case (let name, _) where strings.contains(name):
            return RuleViolation("expected text (OIDC Core §5.1)")
        case (let name, .bool) where booleans.contains(name):
            return nil
        case (let name, _) where booleans.contains(name):
            return RuleViolation("expected true or false (OIDC Core §5.1)")
        case ("updated_at", .int):
            return nil
        case ("updated_at", _):
            return RuleViolation("expected seconds since 1970 (OIDC Core §5.1)")
        case ("address", .object):
            return nil
        case ("address", _):
            return RuleViolation("expected a mapping with formatted, street_address, locality, region, postal_code, country (OIDC Core §5.1.1)")
        case ("groups", .array(let items)):
            return items.allSatisfy({ if case .string = $0 { return true } else { return false } })
                ? nil : RuleViolation("expected a list of group names")
        case ("groups", _):
            return RuleViolation("expected a list of group names")
        default:
            return nil
        }
    }
}
