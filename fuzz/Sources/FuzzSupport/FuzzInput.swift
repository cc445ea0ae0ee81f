/// Reads a fuzzer's bytes as a sequence of choices, so one input can pick a mode, a real
/// value and the edits to make to it.
public struct FuzzInput {
    private var bytes: ArraySlice<UInt8>

    public init(_ start: UnsafeRawPointer?, _ count: Int) {
        bytes = ArraySlice(UnsafeRawBufferPointer(start: start, count: count))
    }

    public var isEmpty: Bool { bytes.isEmpty }

    /// The next byte, or 0 once the input is used up.
    public mutating func byte() -> UInt8 {
        bytes.popFirst() ?? 0
    }

    /// The next byte as a choice among `count` options.
    public mutating func choice(_ count: Int) -> Int {
        Int(byte()) % count
    }

    /// The rest of the input, as bytes.
    public mutating func rest() -> [UInt8] {
        defer { bytes = [] }
        return Array(bytes)
    }

    /// The rest of the input as text, with invalid UTF-8 repaired as a server's decoding
    /// would (the HTTP layer refuses invalid UTF-8 before Core sees it).
    public mutating func restAsText() -> String {
        String(decoding: rest(), as: UTF8.self)
    }

    /// `value` with the rest of the input applied as edits: each three bytes are a
    /// position (two bytes) and what to do there (overwrite, insert, delete, truncate).
    /// Real values mutated this way reach the checks after the first parse.
    public mutating func edited(_ value: String) -> String {
        var text = Array(value.utf8)
        while bytes.count >= 3 {
            let position = Int(byte()) << 8 | Int(byte())
            let operation = byte()
            let index = text.isEmpty ? 0 : position % (text.count + 1)
            switch operation % 4 {
            case 0 where index < text.count: text[index] = operation
            case 1: text.insert(operation, at: index)
            case 2 where index < text.count: text.remove(at: index)
            case 3: text.removeSubrange(index...)
            default: break
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Stops the process the way libFuzzer records a crash, when a harness's invariant fails.
public func fuzzAssert(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        fatalError("invariant failed: \(message())")
    }
}
