/// The path from a document's root to one value: `clients[0].redirectURIs[1]`.
public struct ConfigPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component] = []

    public init(_ components: [Component] = []) {
        self.components = components
    }

    public func appending(_ key: String) -> ConfigPath {
        ConfigPath(components + [.key(key)])
    }

    public func appending(_ index: Int) -> ConfigPath {
        ConfigPath(components + [.index(index)])
    }

    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }
}
