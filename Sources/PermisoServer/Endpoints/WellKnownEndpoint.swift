import HTTPTypes
import Hummingbird
import PermisoCore

/// Serves the discovery documents and the JWKS, for single-box deployments without a CDN.
///
/// The bytes and headers are the ones `permiso build` writes, taken from the current
/// snapshot, so a reload republishes them at once.
struct WellKnownEndpoint {
    let live: LiveDeployment

    func register(on router: Router<some RequestContext>) {
        let paths = live.snapshot.documents.keys.sorted()
        for path in paths {
            router.get(RouterPath(path)) { _, _ in
                guard let document = live.snapshot.documents[path] else { throw HTTPError(.notFound) }
                return document.response()
            }
        }
    }
}

extension PublishedDocument {
    func response() -> Response {
        var headers = HTTPFields()
        for header in self.headers {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: contents)))
    }
}
