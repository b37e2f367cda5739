/// The stable codes of every diagnostic PolicyOps reports.
///
/// The ranges: PO10xx reading JSON, PO20xx the shape of a spec, PO21xx durations and
/// schedules, PO22xx triggers and conditions, PO23xx selectors, PO30xx actions against the
/// capability catalog, PO31xx host declarations, PO32xx UPS declarations, PO40xx the
/// repository as a whole, PO50xx run time (dry-run, preflight, execution).
/// POLICY.md has a table of every code; a test keeps the two in step.
public enum DiagnosticCode: String, Sendable, Hashable, CaseIterable, Codable {
    // Reading JSON
    case invalidSyntax = "PO1001"
    case unexpectedEnd = "PO1002"
    case duplicateKey = "PO1003"
    case comment = "PO1004"
    case trailingComma = "PO1005"
    case nonFiniteNumber = "PO1006"
    case numberOutOfRange = "PO1007"
    case invalidNumber = "PO1008"
    case invalidUTF8 = "PO1009"
    case unsupportedEncoding = "PO1010"
    case byteOrderMark = "PO1011"
    case loneSurrogate = "PO1012"
    case invalidString = "PO1013"
    case nestingTooDeep = "PO1014"
    case fileTooLarge = "PO1015"
    case emptyFile = "PO1016"
    case trailingContent = "PO1017"
    case tooManyProblems = "PO1018"

    // The shape of a document
    case unknownField = "PO2001"
    case missingField = "PO2002"
    case wrongType = "PO2003"
    case nullValue = "PO2004"
    case invalidValue = "PO2005"
    case notInteger = "PO2006"
    case outOfRange = "PO2007"
    case nameTooShort = "PO2008"
    case unsupportedVersion = "PO2009"
    case emptyList = "PO2010"

    // Durations and schedules
    case invalidDuration = "PO2101"
    case durationUnitOrder = "PO2102"
    case durationTooLong = "PO2103"
    case invalidTimeOfDay = "PO2104"
    case invalidDay = "PO2105"
    case weeklyDays = "PO2106"
    case dailyDays = "PO2107"

    // Triggers and conditions
    case unknownTriggerType = "PO2201"
    case unknownUPSState = "PO2202"
    case unknownMetric = "PO2203"
    case operatorNotAllowed = "PO2204"
    case unknownConditionField = "PO2205"
    case conditionValueType = "PO2206"
    case invalidSinceEvent = "PO2207"
    case repeatedTrigger = "PO2208"

    // Selectors
    case emptySelectorItem = "PO2301"
    case invalidTargetID = "PO2302"
    case reversedRange = "PO2303"
    case incompatibleRange = "PO2304"
    case tooManyTargets = "PO2305"
    case repeatedTarget = "PO2306"
    case invalidQuery = "PO2307"
    case rangeNotAllowed = "PO2308"

    // Actions against the capability catalog
    case unknownHost = "PO3001"
    case unknownCapability = "PO3002"
    case capabilityNotOnDriver = "PO3003"
    case unknownVerb = "PO3004"
    case targetTypeMismatch = "PO3005"
    case unknownParam = "PO3006"
    case invalidParam = "PO3007"
    case missingParam = "PO3008"

    // Host declarations
    case invalidHostID = "PO3101"
    case duplicateHostID = "PO3102"
    case duplicateHostName = "PO3103"
    case unknownDriver = "PO3104"
    case inlineSecret = "PO3105"
    case invalidURL = "PO3106"
    case invalidFingerprint = "PO3107"
    case invalidSimTarget = "PO3108"
    case invalidHostName = "PO3109"
    case insecureTLS = "PO3110"

    // UPS declarations
    case invalidUPSID = "PO3201"
    case duplicateUPSID = "PO3202"

    // The repository as a whole
    case duplicateSpec = "PO4001"
    case duplicatePolicyName = "PO4002"
    case invalidSettings = "PO4003"
    case notRegularFile = "PO4004"
    case ignoredFile = "PO4005"
    case invalidConfiguration = "PO4006"
    case protectionWeakened = "PO4099"

    // Run time: dry-run, preflight and execution
    case emptySelection = "PO5001"
    case staleInventory = "PO5002"
    case partialRefresh = "PO5003"
    case hostUnreachable = "PO5004"
    case authDenied = "PO5005"
    case capabilityMissing = "PO5006"
    case driverFailure = "PO5007"
    case alreadyInState = "PO5008"
    case suppressedWindow = "PO5009"
    case suppressedIdempotent = "PO5010"
    case targetNotFound = "PO5011"
    case notImplemented = "PO5012"
    case secretNotGranted = "PO5013"
    case destinationRefused = "PO5014"
    case programNotAllowed = "PO5015"
    case credentialsWithheld = "PO5016"

    /// The severity a diagnostic with this code has unless the finding says otherwise.
    public var severity: Severity {
        switch self {
        case .byteOrderMark, .repeatedTrigger, .repeatedTarget, .insecureTLS,
             .duplicatePolicyName, .ignoredFile, .emptySelection, .staleInventory, .partialRefresh,
             .targetNotFound, .protectionWeakened, .credentialsWithheld:
            return .warn
        case .alreadyInState, .suppressedWindow, .suppressedIdempotent:
            return .info
        case .hostUnreachable, .authDenied, .capabilityMissing, .driverFailure, .notImplemented,
             .secretNotGranted, .destinationRefused, .programNotAllowed:
            return .error
        default:
            return .blocker
        }
    }

    /// A short title, as used in POLICY.md's table and SARIF rules.
    public var title: String {
        switch self {
        case .invalidSyntax: return "Invalid JSON syntax"
        case .unexpectedEnd: return "Unexpected end of file"
        case .duplicateKey: return "Duplicate key in one object"
        case .comment: return "Comments are not JSON"
        case .trailingComma: return "Trailing comma"
        case .nonFiniteNumber: return "NaN or Infinity"
        case .numberOutOfRange: return "Number that does not fit"
        case .invalidNumber: return "Malformed number literal"
        case .invalidUTF8: return "Invalid UTF-8"
        case .unsupportedEncoding: return "UTF-16 or UTF-32 file"
        case .byteOrderMark: return "UTF-8 byte-order mark"
        case .loneSurrogate: return "Lone surrogate escape"
        case .invalidString: return "Invalid escape or control character in a string"
        case .nestingTooDeep: return "Nesting deeper than the limit"
        case .fileTooLarge: return "File larger than the limit"
        case .emptyFile: return "Empty file"
        case .trailingContent: return "Content after the JSON value"
        case .tooManyProblems: return "Too many problems in one file"
        case .unknownField: return "Unknown field"
        case .missingField: return "Missing required field"
        case .wrongType: return "Value of the wrong type"
        case .nullValue: return "null where a value is required"
        case .invalidValue: return "Value not among those accepted"
        case .notInteger: return "Integer field with a fraction or exponent"
        case .outOfRange: return "Number outside the field's range"
        case .nameTooShort: return "Name shorter than 3 characters"
        case .unsupportedVersion: return "Unsupported spec version"
        case .emptyList: return "Empty list where one item is required"
        case .invalidDuration: return "Malformed duration"
        case .durationUnitOrder: return "Duration units out of order or repeated"
        case .durationTooLong: return "Duration over 30 days"
        case .invalidTimeOfDay: return "Malformed time of day"
        case .invalidDay: return "Unknown day name"
        case .weeklyDays: return "Weekly schedule without days, or a repeated day"
        case .dailyDays: return "Daily schedule with days"
        case .unknownTriggerType: return "Unknown trigger type"
        case .unknownUPSState: return "Unknown UPS state"
        case .unknownMetric: return "Unknown metric"
        case .operatorNotAllowed: return "Operator not allowed for this field"
        case .unknownConditionField: return "Unknown condition field for the scope"
        case .conditionValueType: return "Condition value of the wrong type for the field"
        case .invalidSinceEvent: return "Invalid since_event"
        case .repeatedTrigger: return "Repeated trigger or condition"
        case .emptySelectorItem: return "Empty selector or selector item"
        case .invalidTargetID: return "Target id of the wrong form"
        case .reversedRange: return "Reversed range"
        case .incompatibleRange: return "Range across incompatible forms"
        case .tooManyTargets: return "Selector expands to more than 4,096 targets"
        case .repeatedTarget: return "Target named more than once"
        case .invalidQuery: return "Malformed selector query"
        case .rangeNotAllowed: return "Range for a target type without ranges"
        case .unknownHost: return "Target host not declared"
        case .unknownCapability: return "Unknown capability"
        case .capabilityNotOnDriver: return "Capability not provided by the host's driver"
        case .unknownVerb: return "Verb not provided by the capability"
        case .targetTypeMismatch: return "Capability does not act on the target type"
        case .unknownParam: return "Unknown action parameter"
        case .invalidParam: return "Action parameter of the wrong type or range"
        case .missingParam: return "Missing required action parameter"
        case .invalidHostID: return "Host id is not a UUID"
        case .duplicateHostID: return "Two hosts share an id"
        case .duplicateHostName: return "Two hosts share a name"
        case .unknownDriver: return "Unknown driver"
        case .inlineSecret: return "Secret written into the repository"
        case .invalidURL: return "Malformed URL"
        case .invalidFingerprint: return "Malformed certificate fingerprint"
        case .invalidSimTarget: return "Malformed simulated target"
        case .invalidHostName: return "Malformed host name"
        case .insecureTLS: return "Connection not verified: plain http, or TLS verification turned off"
        case .invalidUPSID: return "Malformed UPS id"
        case .duplicateUPSID: return "Two UPS declarations share an id"
        case .duplicateSpec: return "Two policy files with the same normalized spec"
        case .duplicatePolicyName: return "Two policies share a name"
        case .invalidSettings: return "Invalid repository settings"
        case .notRegularFile: return "Policy path is not a regular file"
        case .ignoredFile: return "File ignored: not a .json file"
        case .invalidConfiguration: return "Invalid operator configuration"
        case .protectionWeakened: return "Change removes or bypasses port protection"
        case .emptySelection: return "Selector resolves to no targets"
        case .staleInventory: return "Inventory is stale"
        case .partialRefresh: return "Inventory refresh failed in part"
        case .hostUnreachable: return "Host unreachable"
        case .authDenied: return "Authentication or permission denied"
        case .capabilityMissing: return "Capability missing at run time"
        case .driverFailure: return "Driver reported a failure"
        case .alreadyInState: return "Target already in the desired state"
        case .suppressedWindow: return "Suppressed: policy matched within its suppression window"
        case .suppressedIdempotent: return "Suppressed: same action within the idempotency window"
        case .targetNotFound: return "Target not in the host's inventory"
        case .notImplemented: return "Not implemented"
        case .secretNotGranted: return "Secret not granted to this host and field"
        case .destinationRefused: return "Network destination refused by the operator's configuration"
        case .programNotAllowed: return "Program or user not allowed for exec"
        case .credentialsWithheld: return "Credentials withheld: host changed from the base revision"
        }
    }
}
