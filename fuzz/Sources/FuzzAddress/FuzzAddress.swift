import FuzzSupport
import PermisoCore

/// Client addresses as `X-Forwarded-For` hops and `--trusted-proxy` values: `IPAddress` and
/// `IPNetwork`. Beyond not crashing: an address reads back from its own text as itself, its
/// throttle key is a network that holds it, and a network reads back as itself and holds
/// its own address.
@main
enum FuzzAddress {
    static func main() { runFuzzer(test) }
}

func test(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let text = input.restAsText()
    if let address = IPAddress(text) {
        fuzzAssert(IPAddress(address.description) == address, "\(text) does not read back from \(address)")
        let key = address.throttleKey
        if address.isIPv4 {
            fuzzAssert(key == address.description, "an IPv4 key \(key) is not the address")
        } else {
            let network = try? IPNetwork(key)
            fuzzAssert(network?.prefixLength == 64 && network?.contains(address) == true, "\(key) does not hold \(address)")
        }
    }
    if let network = try? IPNetwork(text) {
        fuzzAssert((try? IPNetwork(network.description)) == network, "\(text) does not read back from \(network)")
        fuzzAssert(network.contains(network.address), "\(network) does not hold its own address")
    }
    return 0
}
