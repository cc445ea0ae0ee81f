public import PermisoCore

/// `application/x-www-form-urlencoded` encoding of one name or value, every byte outside
/// RFC 3986's unreserved set escaped: the reference a harness checks the parser against.
public func formEncoded(_ text: String) -> String {
    var result = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            result.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".utf8)
            result += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
        }
    }
    return result
}

/// `form` as a body or query again: every value of every parameter, a repeated `resource`
/// included (RFC 8707 §2), so re-parsing it must give back an equal `FormParameters`.
public func formEncoded(_ form: FormParameters) -> String {
    form.values.keys.flatMap { name in form.all(name).map { formEncoded(name) + "=" + formEncoded($0) } }
        .joined(separator: "&")
}
