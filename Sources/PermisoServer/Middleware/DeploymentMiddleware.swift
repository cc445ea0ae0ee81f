import Hummingbird

/// Hands each request the deployment snapshot current when it arrived, once, so a reload
/// in the middle of a request never mixes an old config with new keys.
struct DeploymentMiddleware: RouterMiddleware {
    typealias Context = PermisoRequestContext
    let live: LiveDeployment

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.snapshot = live.snapshot
        return try await next(request, context)
    }
}
