/// What a target is: a VM, a container, a PoE port, a webhook endpoint or a host itself.
public enum TargetType: String, Sendable, Hashable, CaseIterable {
    case vm
    case ct
    case poePort = "poe-port"
    case endpoint
    case host

    /// How native ids of this type are written.
    public enum IDForm: Sendable, Hashable {
        /// Numeric ids such as Proxmox VMIDs: `104`, ranges `104-108`.
        case numeric
        /// Switch ports: `24`, `A1`, `1/24`, `1/A1`, `Trk3`, ranges within one form.
        case port
        /// Names without ranges: `default`, `local`.
        case name
    }

    /// How native ids of this type are written.
    public var idForm: IDForm {
        switch self {
        case .vm, .ct: return .numeric
        case .poePort: return .port
        case .endpoint, .host: return .name
        }
    }

    /// The states a target of this type can be in, as `sim` declarations and queries spell them.
    public var states: [String] {
        switch self {
        case .vm, .ct: return ["running", "stopped"]
        case .poePort: return ["on", "off"]
        case .endpoint, .host: return []
        }
    }

    /// Words for people, singular and plural.
    public var spoken: (one: String, many: String) {
        switch self {
        case .vm: return ("VM", "VMs")
        case .ct: return ("container", "containers")
        case .poePort: return ("PoE port", "PoE ports")
        case .endpoint: return ("endpoint", "endpoints")
        case .host: return ("host", "hosts")
        }
    }

    /// The canonical target id: `<target_type>:<native id>`.
    public func targetID(_ native: String) -> String { rawValue + ":" + native }
}
