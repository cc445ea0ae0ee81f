/// Where a key is in its life (docs/ARCHITECTURE.md "Keys rotate without coordination").
///
/// A *next* key is published before it signs anything so caches learn it first; the *active*
/// key signs (one per algorithm); a *retired* key stays published until the tokens it signed
/// have expired. Sealing secrets move the same way: next ones open, the active one seals,
/// retired ones still open.
public enum KeyState: String, Sendable, CaseIterable, Codable, Comparable {
    case active
    case next
    case retired

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
