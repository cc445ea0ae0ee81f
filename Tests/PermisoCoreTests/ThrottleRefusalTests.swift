import PermisoCore
import Testing

@Suite("Throttle refusals recognised apart from other temporarily_unavailable answers")
struct ThrottleRefusalTests {
    @Test("Each throttle's error is recognised as that throttle's, and only it")
    func roundTrip() {
        for refusal in ThrottleRefusal.allCases {
            #expect(ThrottleRefusal(refusal.error) == refusal)
            #expect(refusal.error.code == "temporarily_unavailable")
        }
    }

    @Test("A store outage, another code or another description is no throttle's refusal")
    func others() {
        #expect(ThrottleRefusal(.temporarilyUnavailable("the state store cannot be reached; try again")) == nil)
        #expect(ThrottleRefusal(.invalidRequest("too many revocations for this user; try again in a few minutes")) == nil)
        #expect(ThrottleRefusal(.temporarilyUnavailable("no free user code was found; try again")) == nil)
    }
}
