public import Hummingbird
public import NIOCore

/// The request context of Permiso's routes: Hummingbird's basic one plus the client's
/// address, which login throttling counts by.
public struct PermisoRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
