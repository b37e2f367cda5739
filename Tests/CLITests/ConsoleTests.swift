import Foundation
import Testing
import TestSupport
@testable import PolicyOpsCLI

/// The console is written from the reconciler's actor and from the UPS monitor's threads at
/// once (its log goes to standard error): nothing written may be lost, doubled or torn.
@Suite struct ConsoleTests {
    @Test func writersOnManyThreadsLoseNothing() throws {
        let folder = TemporaryDirectory("console")
        let outPath = folder.join("out"), errPath = folder.join("err")
        let out = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let err = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        try #require(out >= 0 && err >= 0)
        defer { close(out); close(err) }
        let console = Console(standardOutput: out, standardError: err)
        let writers = 6, lines = 4000
        let group = DispatchGroup()
        for w in 0..<writers {
            group.enter()
            Thread.detachNewThread {
                for i in 0..<lines {
                    // Half the writers log (standard error), half print results; now and
                    // then one flushes, as the reconciler's log does after every line.
                    if w % 2 == 0 {
                        console.error("writer \(w) line \(i) " + String(repeating: "e", count: i % 61))
                    } else {
                        console.print("writer \(w) line \(i) " + String(repeating: "o", count: i % 67))
                    }
                    if i % 97 == 0 { console.flush() }
                }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 120) == .success, "the writers did not finish")
        console.flush()
        func expected(_ parity: Int, _ fill: String, _ width: Int) -> [String] {
            (0..<writers).filter { $0 % 2 == parity }.flatMap { w in (0..<lines).map { "writer \(w) line \($0) " + String(repeating: fill, count: $0 % width) } }
        }
        let errLines = try String(contentsOfFile: errPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let outLines = try String(contentsOfFile: outPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(errLines.count == writers / 2 * lines)
        #expect(outLines.count == writers / 2 * lines)
        // Compared as counts and a few examples: a failure must stay readable.
        for (got, want) in [(errLines, expected(0, "e", 61)), (outLines, expected(1, "o", 67))] {
            let missing = Set(want).subtracting(got), unexpected = Set(got).subtracting(want)
            let nothingLost = missing.isEmpty, nothingTorn = unexpected.isEmpty
            #expect(nothingLost, "\(missing.count) lines lost, such as \(missing.sorted().prefix(3))")
            #expect(nothingTorn, "\(unexpected.count) lines torn or foreign, such as \(unexpected.sorted().prefix(3))")
        }
        // Each writer's own lines stay in the order it wrote them, once each.
        for w in 0..<writers {
            let mine = (w % 2 == 0 ? errLines : outLines).filter { $0.hasPrefix("writer \(w) line ") }
            let numbers = mine.compactMap { $0.split(separator: " ").dropFirst(3).first.flatMap { Int($0) } }
            let inOrder = numbers == Array(0..<lines)
            #expect(inOrder, "writer \(w): \(numbers.count) lines, first out of order at \(zip(numbers, 0...).first { $0 != $1 }.map { "\($0.1)" } ?? "none")")
        }
    }

    @Test func aLargeResultIsWrittenInOrderWithoutAFlush() throws {
        let folder = TemporaryDirectory("console")
        let outPath = folder.join("out")
        let out = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        try #require(out >= 0)
        defer { close(out) }
        let console = Console(standardOutput: out, standardError: out)
        // Past a mebibyte the console writes on its own, from inside `print`.
        let line = String(repeating: "x", count: 1023)
        for _ in 0..<1100 { console.print(line) }
        let early = try FileManager.default.attributesOfItem(atPath: outPath)[.size] as? Int ?? 0
        #expect(early > 1 << 20)
        console.flush()
        let all = try String(contentsOfFile: outPath, encoding: .utf8)
        #expect(all.count == 1100 * 1024)
    }
}
