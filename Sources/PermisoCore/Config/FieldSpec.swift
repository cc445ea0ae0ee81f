/// What one config field may hold.
///
/// One description drives both the loader (which keys exist, which are required) and
/// `permiso schema` (the JSON Schema editors use), so the two cannot drift apart.
public indirect enum FieldKind: Sendable {
    case string(pattern: String? = nil)
    case url
    case enumeration([String])
    case boolean
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    /// `90s`, `10m`, `12h`, `30d` or a number of seconds.
    case duration
    /// A hash written inline, `${ENV_VAR}`, or a file path starting `/`, `./` or `../`.
    case secretReference
    case list(FieldKind)
    case object(ObjectSpec)
    /// Free-form keys, each holding a value of the given kind.
    case map(FieldKind)
    case anyJSON
}

/// One key of a config object.
public struct FieldSpec: Sendable {
    public var key: String
    public var kind: FieldKind
    public var required: Bool
    public var summary: String
    /// The default, as it would be written in the YAML file; `nil` when there is none.
    public var defaultValue: JSONValue?

    public init(
        _ key: String,
        _ kind: FieldKind,
        required: Bool = false,
        default defaultValue: JSONValue? = nil,
        _ summary: String
    ) {
        self.key = key
        self.kind = kind
        self.required = required
        self.summary = summary
        self.defaultValue = defaultValue
    }
}

/// A config object: its keys, in the order the reference documents them.
public struct ObjectSpec: Sendable {
    public var title: String
    public var summary: String
    public var fields: [FieldSpec]

    public init(title: String, summary: String, fields: [FieldSpec]) {
        self.title = title
        self.summary = summary
        self.fields = fields
    }

    public var keys: [String] { fields.map(\.key) }

    public func field(_ key: String) -> FieldSpec? {
        fields.first { $0.key == key }
    }
}
