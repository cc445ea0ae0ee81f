import Foundation
import Hummingbird
import PermisoCore

/// Reads an `application/x-www-form-urlencoded` body (RFC 6749 §3.2, Appendix B), refusing
/// other types, bodies larger than the route group allows, and non-UTF-8.
enum FormBody {
    static func read(_ request: Request, context: PermisoRequestContext) async throws -> FormParameters {
        let limit = context.maximumBody
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) == "application/x-www-form-urlencoded"
        else { throw OAuthError.invalidRequest("the body must be application/x-www-form-urlencoded") }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw OAuthError.invalidRequest("the body is larger than \(limit) bytes")
        }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw OAuthError.invalidRequest("the body is not UTF-8")
        }
        return try FormParameters.parse(text)
    }
}
