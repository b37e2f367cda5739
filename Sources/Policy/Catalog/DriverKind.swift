/// The drivers a host can declare.
public enum DriverKind: String, Sendable, Hashable, CaseIterable {
    case proxmox
    case aoss
    case webhook
    case exec
    case sim
}
