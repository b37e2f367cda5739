import Foundation
import Testing
import TestSupport
import Hashing
@testable import Policy
@testable import Store

@Suite struct StoreTests {
    @Test func objectsLiveAtTheirAddress() throws {
        let dir = TemporaryDirectory()
        let store = ContentAddressedStore(root: dir.path)
        let object = StoredObject(.object(["b": .integer(1), "a": .string("x")]))
        #expect(try store.put([object, object]) == 1)
        #expect(try store.put([object]) == 0)
        let path = store.path(for: object.address)
        #expect(path == dir.path + "/ir/sha256/\(object.address.hex.prefix(2))/\(object.address.hex.dropFirst(2)).json")
        #expect(try store.get(object.address) == Array(#"{"a":"x","b":1}"#.utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent).count == 1)
    }

    @Test func aCorruptObjectIsDetected() throws {
        let dir = TemporaryDirectory()
        let store = ContentAddressedStore(root: dir.path)
        let object = StoredObject(.string("hello"))
        try store.put([object])
        let path = store.path(for: object.address)
        chmod(path, 0o644)
        try Data("\"hullo\"".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try store.get(object.address) } throws: { if case .corrupt = $0 as? ContentAddressedStore.ReadError { true } else { false } }
        let missing = StoredObject(.string("absent"))
        #expect { try store.get(missing.address) } throws: { if case .missing = $0 as? ContentAddressedStore.ReadError { true } else { false } }
    }

    @Test func atomicWritesReplaceWholeFilesAndLeaveNoTemporaries() throws {
        let dir = TemporaryDirectory()
        let path = dir.join("status.json")
        try AtomicFile.write("one", to: path)
        try AtomicFile.write("two", to: path)
        #expect(try AtomicFile.read(path) == Array("two".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["status.json"])
        #expect(try AtomicFile.read(dir.join("missing")) == nil)
    }

    @Test func aManifestIsWrittenAfterItsObjects() throws {
        let dir = TemporaryDirectory()
        let state = try StateDirectory(root: dir.join("state"))
        let compilation = RepositoryCompilation(settings: .standard, policies: [], hosts: [], upsDeclarations: [], otherDiagnostics: [])
        let manifest = CommitManifest(commit: String(repeating: "a", count: 40), repositoryPath: "", compilation: compilation, versions: [:])
        try state.store(manifest, commit: String(repeating: "a", count: 40))
        let read = try #require(try state.manifest(commit: String(repeating: "a", count: 40)))
        #expect(read.canonicalBytes == manifest.json.canonicalBytes)
        #expect(read["ok"] == .bool(true))
    }
}
