/// A custom scope's name is a `scope-token` (RFC 6749 §3.3: `1*( %x21 / %x23-5B / %x5D-7E )`,
/// printable ASCII without spaces, quotes or backslashes) and not a standard scope's.
enum ScopeNameRule {
    static func check(_ name: String) -> RuleViolation? {
        if ScopeDefinition.standard.contains(where: { $0.name == name }) {
            return RuleViolation("\(name) is a standard scope and is built in; choose another name")
        }
        let valid =
            !name.isEmpty
            && name.unicodeScalars.allSatisfy { $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value) }
        guard valid else {
            return RuleViolation(
                "\"\(name)\" is not a valid scope name (RFC 6749 §3.3: printable ASCII without spaces, quotes or backslashes)"
            )
        }
        return nil
    }
}
