import NIOCore
import NIOPosix
import NIOSSL
import PermisoCore

/// The pipeline every connection to Redis or to a sentinel starts with: TLS when asked
/// for, then RESP decoding; the caller adds the handler that consumes the replies.
enum RedisChannel {
    static func bootstrap(
        address: RedisAddress,
        tls: NIOSSLContext?,
        on eventLoop: any EventLoop,
        timeout: TimeAmount,
        consumer: @escaping @Sendable (any Channel) throws -> Void
    ) -> ClientBootstrap {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // SNI carries names only; for an IP address NIOSSL checks the certificate against the address.
                        let name = address.host.isIPAddress ? nil : address.host
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                    try consumer(channel)
                }
            }
    }

    /// The TLS context a `rediss://` endpoint needs; `nil` for plain TCP. Throws when the CA
    /// file is not a PEM certificate.
    static func tlsContext(for endpoint: RedisEndpoint) throws -> NIOSSLContext? {
        guard endpoint.usesTLS else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = endpoint.caFile { configuration.additionalTrustRoots = [.file(caFile)] }
        return try NIOSSLContext(configuration: configuration)
    }
}

extension String {
    fileprivate var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
