import HTTPTypes
import Hummingbird
import PermisoCore

/// Serves the discovery documents and the JWKS, for single-box deployments without a CDN.
///
/// The bytes and headers are the ones `permiso build` writes, taken from the current
/// snapshot, so a reload republishes them at once.
struct WellKnownEndpoint {
    let live: LiveDeployment

    func register(on routes: some RouterMethods<PermisoRequestContext>) {
        let paths = live.snapshot.documents.keys.sorted()
        for path in paths {
            routes.get(RouterPath(path)) { _, context in
                guard let prepared = context.snapshot.responses[path] else { throw HTTPError(.notFound) }
                return prepared.response
            }
        }
    }
}

/// A published document as a response whose headers and body were built once, at load.
struct PreparedResponse: Sendable {
    let headers: HTTPFields
    let body: ByteBuffer

    init(_ document: PublishedDocument) {
        var headers = HTTPFields()
        for header in document.headers {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        self.init(headers: headers, body: ByteBuffer(bytes: document.contents))
    }

    init(headers: HTTPFields, body: ByteBuffer) {
        self.headers = headers
        self.body = body
    }

    var response: Response {
        Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}
