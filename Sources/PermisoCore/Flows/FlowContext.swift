/// What every flow reads: the deployment as this request sees it (config, keys, signer and
/// sealer, through its `TokenIssuer`) and the state every instance shares.
///
/// One value, made per request from the current snapshot, so a reload in the middle of a
/// request never mixes an old config with new keys.
public struct FlowContext: Sendable {
    public var issuer: TokenIssuer
    public var state: ProtocolState

    public init(issuer: TokenIssuer, state: ProtocolState) {
        self.issuer = issuer
        self.state = state
    }

    public var deployment: Deployment { issuer.deployment }
    public var config: PermisoConfig { issuer.deployment.config }
}
