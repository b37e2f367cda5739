/// An http(s) URL as host declarations write them: scheme, host, optional port and path.
public struct EndpointURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String
    /// A DNS name, an IPv4 address, or an IPv6 address without brackets.
    public var host: String
    /// The port; 443 or 80 when the URL has none.
    public var port: Int
    /// The path, "" or starting with `/`, query included.
    public var path: String

    /// Why a text is not an acceptable URL.
    public struct ParseError: Error, Sendable, Hashable {
        /// What is wrong and what would be right.
        public var message: String
    }

    /// Parses an http(s) URL without credentials.
    public static func parse(_ text: String) -> Result<EndpointURL, ParseError> {
        func fail(_ m: String) -> Result<EndpointURL, ParseError> { .failure(ParseError(message: m)) }
        let scheme: String
        if text.hasPrefix("https://") { scheme = "https" } else if text.hasPrefix("http://") { scheme = "http" } else {
            return fail("a URL starts with https:// (or http://), such as https://pve-1:8006")
        }
        if text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            return fail("a URL has no spaces or control characters")
        }
        let rest = text.dropFirst(scheme.count + 3)
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.contains("#") { return fail("a URL here has no #fragment") }
        if path.hasPrefix("?") { path = "/" + path }
        if authority.contains("@") {
            return fail("credentials in a URL would put a secret into git; give them in the connection's secret fields")
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return fail("an IPv6 address needs a closing ]") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return fail("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                return fail("\"\(host)\" is not an IPv6 address")
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            guard !host.isEmpty else { return fail("the URL has no host") }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            let validLabel: (Substring) -> Bool = { label in
                !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                    && label.utf8.allSatisfy { SelectorParser.isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
            }
            guard host.utf8.count <= 253, labels.allSatisfy(validLabel) else {
                return fail("\"\(host)\" is not a host name or IP address")
            }
        }
        var port = scheme == "https" ? 443 : 80
        if let portText {
            guard let p = Int(portText), p >= 1, p <= 65535, portText.allSatisfy(\.isNumber) else {
                return fail("port \"\(portText)\" must be a number from 1 to 65535")
            }
            port = p
        }
        return .success(EndpointURL(scheme: scheme, host: String(host), port: port, path: path))
    }

    /// `text` as a message may show it: the password of credentials written into it
    /// (`https://root:<redacted>@pve-1:8006`), or a user part alone that may be a token
    /// (`https://<redacted>@hooks.example`), replaced; scheme, host, port and path kept.
    public static func redactingCredentials(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var start = 0
        if let i = (0..<max(0, scalars.count - 2)).first(where: { scalars[$0] == ":" && scalars[$0 + 1] == "/" && scalars[$0 + 2] == "/" }) {
            start = i + 3
        }
        let end = scalars[start...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? scalars.count
        guard let at = scalars[start..<end].lastIndex(of: "@") else { return text }
        let userinfo = scalars[start..<at]
        let shown: String
        if let colon = userinfo.firstIndex(of: ":") {
            shown = String(String.UnicodeScalarView(scalars[start..<colon])) + ":<redacted>"
        } else {
            shown = "<redacted>"
        }
        return String(String.UnicodeScalarView(scalars[..<start])) + shown + String(String.UnicodeScalarView(scalars[at...]))
    }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        return "\(scheme)://\(h)\(port == defaultPort ? "" : ":\(port)")\(path)"
    }
}
