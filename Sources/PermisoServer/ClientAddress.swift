import Foundation
import HTTPTypes
import Hummingbird
import PermisoCore

/// The address throttling counts a browser or client by (`IPAddress.throttleKey`: an IPv4
/// address, or an IPv6 address's /64).
///
/// Behind a load balancer every connection comes from the balancer, so per-address limits
/// would count all users as one. When the peer is a proxy the operator named
/// (`permiso serve --trusted-proxy`, an address or a CIDR block), the address is the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy: entries further
/// left were written by the client and prove nothing. A hop that is not an IP address is
/// not trusted either: the peer counts.
struct ClientAddress: Sendable {
    let trustedProxies: TrustedProxies

    func of(_ request: Request, peer: String?) -> String {
        guard let peer else { return "unknown" }
        guard let peerAddress = IPAddress(peer) else { return peer }
        guard trustedProxies.contains(peerAddress) else { return peerAddress.throttleKey }
        let forwarded = request.headers[values: .xForwardedFor]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in forwarded.reversed() {
            guard let address = IPAddress(hop) else { return peerAddress.throttleKey }
            if !trustedProxies.contains(address) { return address.throttleKey }
        }
        return peerAddress.throttleKey
    }
}

/// The load balancers `permiso serve --trusted-proxy` names.
struct TrustedProxies: Sendable {
    let networks: [IPNetwork]

    init(_ networks: [IPNetwork] = []) {
        self.networks = networks
    }

    func contains(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// Whether the peer `text` (as the socket reports it) is a trusted proxy.
    func contains(_ text: String) -> Bool {
        IPAddress(text).map(contains) ?? false
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
}
