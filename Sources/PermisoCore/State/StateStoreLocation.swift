/// Which state store the config names: `memory` for one instance, or a Redis server that
/// many instances share.
public enum StateStoreLocation: Sendable, Equatable {
    case memory
    case redis(RedisEndpoint)
}
