import Policy

/// The files of a policy repository at one moment: a working tree, a commit or the index.
public struct Snapshot: Sendable {
    /// Where the files came from.
    public enum Source: Sendable, Hashable {
        case workingTree
        case commit(String)
        case index
    }

    /// Where the files came from.
    public var source: Source
    /// The settings in force (from `policyops.json`, or the standard ones).
    public var settings: RepositorySettings
    /// Diagnostics about `policyops.json`.
    public var settingsDiagnostics: [Diagnostic]
    /// Every file under the folders the settings name, paths relative to the policy repository.
    public var files: [RepositoryFile]

    /// Creates a snapshot.
    public init(source: Source, settings: RepositorySettings, settingsDiagnostics: [Diagnostic], files: [RepositoryFile]) {
        self.source = source
        self.settings = settings
        self.settingsDiagnostics = settingsDiagnostics
        self.files = files
    }

    /// The policy files.
    public var policyFiles: [RepositoryFile] {
        files.filter { $0.kind == .regular && settings.role(of: $0.path) == .policy }
    }

    /// Builds a snapshot from a settings file (if any) and a listing.
    static func make(source: Source, settingsBytes: [UInt8]?, list: (RepositorySettings) throws -> [RepositoryFile]) rethrows -> Snapshot {
        var settings = RepositorySettings.standard
        var diagnostics: [Diagnostic] = []
        if let settingsBytes {
            (settings, diagnostics) = SystemTimeZones.readSettings(settingsBytes)
        }
        return Snapshot(source: source, settings: settings, settingsDiagnostics: diagnostics, files: try list(settings))
    }
}
