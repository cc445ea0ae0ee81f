import Testing

@testable import PermisoCore

/// Addresses as throttles count them, and the CIDR blocks that name trusted proxies.
@Suite("IP addresses and networks")
struct IPAddressTests {
    @Test("An address has one value however it is spelled; an IPv4-mapped IPv6 address is its IPv4 address")
    func spellings() throws {
        #expect(IPAddress("2001:DB8:0::1") == IPAddress("2001:db8::1"))
        #expect(IPAddress("2001:DB8:0::1")?.description == "2001:db8::1")
        #expect(IPAddress("::ffff:198.51.100.9") == IPAddress("198.51.100.9"))
        #expect(IPAddress("::ffff:c633:6409")?.description == "198.51.100.9")
        #expect(IPAddress("::ffff:198.51.100.9")?.isIPv4 == true)
        #expect(IPAddress("::198.51.100.9")?.isIPv4 == false, "the deprecated IPv4-compatible form is not mapped")
        for bad in [
            "", "198.51.100.9:443", "[::1]", "fe80::1%eth0", "lb.internal", "1.2.3", "01.2.3.4", "1.2.3.256", " 1.2.3.4",
            "1.2.3.4 ", "1:2:3:4:5:6:7:8:9", String(repeating: "1", count: 100), "١.٢.٣.٤", "1.2.3.4\u{0}",
        ] {
            #expect(IPAddress(bad) == nil, "\(bad.debugDescription)")
        }
    }

    @Test("Throttles count an IPv4 address whole and an IPv6 address by its /64")
    func throttleKeys() {
        #expect(IPAddress("198.51.100.9")?.throttleKey == "198.51.100.9")
        #expect(IPAddress("::ffff:198.51.100.9")?.throttleKey == "198.51.100.9")
        let keys = Set(["2001:db8:7:7::1", "2001:db8:7:7:ffff:ffff:ffff:ffff", "2001:DB8:7:7:1:2:3:4"].compactMap { IPAddress($0)?.throttleKey })
        #expect(keys == ["2001:db8:7:7::/64"])
        #expect(IPAddress("2001:db8:7:8::1")?.throttleKey == "2001:db8:7:8::/64")
        #expect(IPAddress("::1")?.throttleKey == "::/64")
    }

    @Test("A network is an address and a prefix that fits it; bits past the prefix are refused, not widened")
    func networks() throws {
        let block = try IPNetwork("10.0.0.0/8")
        #expect(block.contains(IPAddress("10.255.1.2")!) && !block.contains(IPAddress("11.0.0.1")!))
        #expect(block.contains(IPAddress("::ffff:10.1.2.3")!), "a dual-stack socket's spelling of an IPv4 peer")
        #expect(!block.contains(IPAddress("a00::1")!), "an IPv6 address is never in an IPv4 block")
        let single = try IPNetwork("192.0.2.1")
        #expect(single.prefixLength == 32 && single.contains(IPAddress("192.0.2.1")!) && !single.contains(IPAddress("192.0.2.2")!))
        let v6 = try IPNetwork("2001:db8::/32")
        #expect(v6.contains(IPAddress("2001:db8:ffff::1")!) && !v6.contains(IPAddress("2001:db9::1")!))
        #expect(try IPNetwork("0.0.0.0/0").contains(IPAddress("203.0.113.5")!))
        #expect(try IPNetwork("2001:db8::1/128").description == "2001:db8::1/128")
        for bad in ["10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/+8", "10.0.0.0/", "10.0.0.0/08x", "/8", "10.0.0.0/8/8", "::/129", "lb/8", "10.0.0.0/0008"]
        {
            #expect(throws: IPNetwork.Problem.self, "\(bad)") { try IPNetwork(bad) }
        }
        do {
            _ = try IPNetwork("10.0.0.1/8")
        } catch {
            #expect(error.description.contains("write 10.0.0.0/8, or the address alone"), "\(error)")
        }
    }
}
