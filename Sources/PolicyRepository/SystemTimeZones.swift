import Foundation
import Policy

/// The time zone names this machine knows, as the engine's schedules resolve them
/// (Foundation's `TimeZone`), for `policyops.json` `timezone` to be checked against.
public enum SystemTimeZones {
    /// True when `name` is a zone the engine can schedule in: one Foundation lists, or one
    /// it resolves (`Asia/Kolkata` resolves although the list spells it `Asia/Calcutta`).
    public static func knows(_ name: String) -> Bool {
        listed.contains(name) || TimeZone(identifier: name) != nil
    }

    static let listed: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC"])

    /// Reads `policyops.json` with its `timezone` checked against the known zones.
    public static func readSettings(_ bytes: [UInt8]) -> (RepositorySettings, [Diagnostic]) {
        RepositorySettings.read(bytes: bytes, isKnownTimeZone: knows)
    }
}
