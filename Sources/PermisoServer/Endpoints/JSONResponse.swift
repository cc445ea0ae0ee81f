import Foundation
import Hummingbird
import PermisoCore

/// The JSON bodies of the OAuth endpoints; `OAuthJSONMiddleware` adds their no-store headers.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        make(json: try StableJSON.compactEncoder.encode(value), status: status)
    }

    static func make(json: some Sequence<UInt8>, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }
}
