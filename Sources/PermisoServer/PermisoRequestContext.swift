public import Hummingbird
public import NIOCore
public import PermisoCore

/// The request context of Permiso's routes: Hummingbird's basic one, the client's address
/// (throttles count by it), and what the middleware hand every handler.
public struct PermisoRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    private var current: LiveDeployment.Snapshot?
    /// The largest body a handler of this route reads, set by its route group.
    var maximumBody = 16 * 1024

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The deployment this request is answered with, taken once when it arrived
    /// (`RequestMiddleware`, the first middleware of every route).
    public internal(set) var snapshot: LiveDeployment.Snapshot {
        get {
            guard let current else { preconditionFailure("RequestMiddleware runs before every route") }
            return current
        }
        set { current = newValue }
    }

    /// The same snapshot with the shared state, as Core's flows take it.
    public var flows: FlowContext { snapshot.flows }
}
