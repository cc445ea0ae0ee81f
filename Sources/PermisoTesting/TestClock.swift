public import Foundation
public import PermisoCore
import Synchronization

/// A clock tests move by hand, so lifetimes, polling intervals and expiry need no sleeping.
public final class TestClock: WallClock {
    private let time: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        time = Mutex(start)
    }

    public func now() -> Date { time.withLock { $0 } }

    public func advance(_ seconds: TimeInterval) {
        time.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
