/// Whether the shared store answers, for `/readyz`: one read of a key nothing writes, so
/// the check costs the store one round trip and changes nothing.
public struct StoreProbe: Sendable {
    let store: any StateStore

    /// Throws when the store cannot be reached.
    public func check() async throws {
        _ = try await store.read([StateNamespace.probe.key()])
    }
}
