import Foundation
import HTTPTypes
public import Hummingbird
public import PermisoCore

/// OAuth errors render themselves as RFC 6749 §5.2 JSON bodies; endpoints only `throw`.
extension OAuthError: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(OAuthErrorBody(error: code, errorDescription: description))
        var headers: HTTPFields = [.contentType: "application/json", .cacheControl: "no-store"]
        // RFC 6749 §5.1 asks for Pragma too, for HTTP/1.0 caches.
        headers[HTTPField.Name("Pragma")!] = "no-cache"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The JSON error body of RFC 6749 §5.2.
struct OAuthErrorBody: Encodable {
    var error: String
    var errorDescription: String

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }
}
