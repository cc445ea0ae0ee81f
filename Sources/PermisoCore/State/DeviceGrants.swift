public import Foundation

/// The shared part of a device grant (RFC 8628): the person decides on one device while the
/// other polls, maybe at another instance.
///
/// Keys, each kept for the device code's lifetime:
/// - `device:<user code>`: the `DeviceGrantRecord` as JSON, changed only by compare-and-set,
///   so an approval and a denial (or two approvals) cannot both win;
/// - `device-used:<device code jti>`: the approved grant was redeemed (single use);
/// - `device-poll:<device code jti>`: `<last poll, ms> <interval, s>`, for `slow_down`.
public struct DeviceGrants: Sendable {
    let store: any StateStore

    /// A record as read, with the stored text a decision must still match.
    public struct Stored: Sendable {
        public var record: DeviceGrantRecord
        var text: String
    }

    /// Stores a new pending record; `false` when the user code is taken (draw another).
    public func create(_ record: DeviceGrantRecord, userCode: String, lifetime: Int) async throws -> Bool {
        try await store.insert(StateNamespace.deviceGrant.key(userCode), value: record.encoded(), lifetime: lifetime)
    }

    /// The record of `userCode`; `nil` when there is none, it expired, or it cannot be read.
    public func find(userCode: String) async throws -> Stored? {
        guard let text = try await store.value(StateNamespace.deviceGrant.key(userCode)),
            let record = DeviceGrantRecord.decode(text)
        else { return nil }
        return Stored(record: record, text: text)
    }

    /// Replaces `current` with `decided`; `false` when another instance changed it meanwhile.
    public func decide(userCode: String, from current: Stored, to decided: DeviceGrantRecord) async throws -> Bool {
        try await store.replace(StateNamespace.deviceGrant.key(userCode), expected: current.text, with: decided.encoded())
    }

    /// Marks the approved grant redeemed; `true` for the first poll that gets tokens only.
    public func redeem(deviceCodeID: String, expiresAt: Date, now: Date) async throws -> Bool {
        try await store.claimOnce(
            StateNamespace.redeemedDeviceCode.key(deviceCodeID),
            lifetime: MarkerLifetime.until(expiresAt, now: now)
        )
    }

    /// Whether a poll came too soon (RFC 8628 §3.5).
    public enum Pace: Equatable, Sendable {
        case onTime
        /// Too soon; the device must now wait `interval` seconds.
        case tooSoon(interval: Int)
        /// Another poll of the same device code raced this one and won.
        case raced
    }

    /// Records a poll of `deviceCodeID`. Too soon adds five seconds to the interval, for this
    /// and every later poll (RFC 8628 §3.5). Compare-and-set, so two polls racing each other
    /// cannot both count as on time.
    public func pace(deviceCodeID: String, interval initial: Int, expiresAt: Date, now: Date) async throws -> Pace {
        let key = StateNamespace.devicePoll.key(deviceCodeID)
        let nowMilliseconds = Int(now.timeIntervalSince1970 * 1_000)
        guard let current = try await store.value(key) else {
            let lifetime = MarkerLifetime.until(expiresAt, now: now)
            return try await store.insert(key, value: "\(nowMilliseconds) \(initial)", lifetime: lifetime) ? .onTime : .raced
        }
        let parts = current.split(separator: " ").compactMap { Int($0) }
        let last = parts.first ?? 0
        let interval = parts.count == 2 ? parts[1] : initial
        if nowMilliseconds - last < interval * 1_000 {
            _ = try await store.replace(key, expected: current, with: "\(nowMilliseconds) \(interval + 5)")
            return .tooSoon(interval: interval + 5)
        }
        return try await store.replace(key, expected: current, with: "\(nowMilliseconds) \(interval)") ? .onTime : .raced
    }
}
