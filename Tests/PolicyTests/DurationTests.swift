import Testing
@testable import Policy

@Suite struct DurationTests {
    @Test(arguments: [
        ("0s", 0), ("90s", 90), ("5m", 300), ("1h30m", 5400), ("1d", 86_400), ("2d3h4m5s", 183_845),
        ("05m", 300), ("300s", 300), ("30d", 2_592_000), ("720h", 2_592_000),
    ] as [(String, Int64)])
    func parses(text: String, seconds: Int64) throws {
        #expect(try PolicyDuration.parse(text).get().seconds == seconds)
    }

    @Test(arguments: [
        ("", DiagnosticCode.invalidDuration), ("5", .invalidDuration), ("-5m", .invalidDuration), ("1.5h", .invalidDuration),
        ("5M", .invalidDuration), ("5min", .invalidDuration), ("5 m", .invalidDuration), ("m", .invalidDuration),
        ("5x", .invalidDuration), ("30m1h", .durationUnitOrder), ("5m5m", .durationUnitOrder), ("31d", .durationTooLong),
        ("30d1s", .durationTooLong), ("99999999999999999999999d", .durationTooLong), ("1h 30m", .invalidDuration),
    ] as [(String, DiagnosticCode)])
    func rejects(text: String, code: DiagnosticCode) {
        switch PolicyDuration.parse(text) {
        case .success(let d): Issue.record("\(text) parsed as \(d)")
        case .failure(let e): #expect(e.code == code, "\(text): \(e.message)")
        }
    }

    @Test(arguments: [(0, "0s"), (90, "1m30s"), (300, "5m"), (5400, "1h30m"), (86_400, "1d"), (90_061, "1d1h1m1s")] as [(Int64, String)])
    func canonicalText(seconds: Int64, text: String) {
        #expect(PolicyDuration(seconds: seconds).canonical == text)
    }

    @Test func canonicalTextParsesBackToTheSameDuration() throws {
        for s in stride(from: Int64(0), through: 2_592_000, by: 7_919) {
            #expect(try PolicyDuration.parse(PolicyDuration(seconds: s).canonical).get().seconds == s)
        }
    }
}
