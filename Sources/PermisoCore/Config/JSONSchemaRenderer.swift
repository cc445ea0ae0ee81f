/// Renders the config specs as JSON Schema (draft-07, what yaml-language-server reads best),
/// so editors autocomplete and check `permiso.yaml`.
public enum JSONSchemaRenderer {
    public static func schema(for spec: ObjectSpec, id: String) -> JSONValue {
        guard case .object(var root) = object(spec) else { return .null }
        root["$schema"] = "http://json-schema.org/draft-07/schema#"
        root["$id"] = .string(id)
        return .object(root)
    }

    static func object(_ spec: ObjectSpec) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        for field in spec.fields {
            guard case .object(var property) = kind(field.kind) else { continue }
            property["description"] = .string(field.summary)
            if let defaultValue = field.defaultValue { property["default"] = defaultValue }
            properties[field.key] = .object(property)
        }
        var object: [String: JSONValue] = [
            "title": .string(spec.title),
            "description": .string(spec.summary),
            "type": "object",
            "properties": .object(properties),
            "additionalProperties": false,
        ]
        let required = spec.fields.filter(\.required).map { JSONValue.string($0.key) }
        if !required.isEmpty { object["required"] = .array(required) }
        return .object(object)
    }

    static func kind(_ kind: FieldKind) -> JSONValue {
        switch kind {
        case .string(let pattern):
            guard let pattern else { return ["type": "string", "minLength": 1] }
            return ["type": "string", "pattern": .string(pattern)]
        case .url:
            return ["type": "string", "format": "uri"]
        case .enumeration(let values):
            return ["type": "string", "enum": .array(values.map(JSONValue.string))]
        case .boolean:
            return ["type": "boolean"]
        case .integer(let minimum, let maximum):
            var object: [String: JSONValue] = ["type": "integer"]
            if let minimum { object["minimum"] = .int(minimum) }
            if let maximum { object["maximum"] = .int(maximum) }
            return .object(object)
        case .duration:
            return [
                "oneOf": [
                    ["type": "string", "pattern": "^[0-9]+[smhd]?$"],
                    ["type": "integer", "minimum": 1],
                ]
            ]
        case .secretReference:
            return ["type": "string", "minLength": 1]
        case .list(let item):
            return ["type": "array", "items": self.kind(item)]
        case .object(let spec):
            return object(spec)
        case .map(let value):
            return ["type": "object", "additionalProperties": self.kind(value)]
        case .anyJSON:
            return [:]
        }
    }
}
