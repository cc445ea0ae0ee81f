import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The address throttling counts a browser by.
///
/// Behind a load balancer every connection comes from the balancer, so per-address limits
/// would count all users as one. When the peer is a proxy the operator named
/// (`permiso serve --trusted-proxy`), the address is the right-most `X-Forwarded-For` entry
/// that is not itself a trusted proxy: entries further left were written by the client and
/// prove nothing. A hop that is not an IP address is not trusted either: the peer counts.
struct ClientAddress: Sendable {
    let trustedProxies: Set<String>

    func of(_ request: Request, peer: String?) -> String {
        guard let peer else { return "unknown" }
        guard trustedProxies.contains(peer) else { return peer }
        let forwarded = request.headers[values: .xForwardedFor]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in forwarded.reversed() where !trustedProxies.contains(hop) {
            return (try? SocketAddress(ipAddress: hop, port: 0)) != nil ? hop : peer
        }
        return peer
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
