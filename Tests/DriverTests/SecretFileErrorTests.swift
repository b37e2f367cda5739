import Foundation
import Policy
import Secrets
import SystemCalls
import Testing
import TestSupport

/// A secret file that cannot be read is reported in words, and keeps the system's error.
@Suite struct SecretFileErrorTests {
    static func secrets(file path: String) -> Secrets {
        var configuration = OperatorConfiguration.strictest
        configuration.secrets = ["token": .init(source: .file(path), hosts: ["h1"], fields: ["token"])]
        return Secrets(environment: [:], configuration: configuration)
    }

    @Test func aMissingFileKeepsItsErrno() throws {
        let dir = TemporaryDirectory()
        let path = dir.join("missing")
        let error = try #require(throws: SecretError.self) {
            try Self.secrets(file: path).resolve(.named("token"), for: .host("h1"), field: "token")
        }
        #expect(error.kind == .unavailable)
        #expect(error.message.hasSuffix("cannot read the secret file \(path): No such file or directory"))
        let errno = try #require(error.underlying as? Errno)
        #expect(errno.is(.noEntry))
        #expect(errno.path == path)
    }

    @Test func aReadableFileIsItsValue() throws {
        let dir = TemporaryDirectory()
        dir.write("token", "s3cret\n")
        let secret = try Self.secrets(file: dir.join("token")).resolve(.named("token"), for: .host("h1"), field: "token")
        #expect(secret.reveal() == "s3cret")
    }

    @Test func anEmptyFileSaysSoWithoutAnErrno() throws {
        let dir = TemporaryDirectory()
        dir.write("token", "\n")
        let error = try #require(throws: SecretError.self) {
            try Self.secrets(file: dir.join("token")).resolve(.named("token"), for: .host("h1"), field: "token")
        }
        #expect(error.message.hasSuffix("the secret file \(dir.join("token")) is empty"))
        #expect(!(error.underlying is Errno))
    }
}
