import Git
import Policy

/// A commit that `plan` or `simulate` cannot run because it has blockers, in the format
/// the command was asked for: the blockers are the output.
struct BlockedCommit {
    /// The commit.
    let id: ObjectID
    /// Its blockers, in presentation order.
    let blockers: [Diagnostic]
    /// What cannot be done, for the sentence: `plan`, `simulate`, `compare with`.
    let doing: String

    /// The sentence every format carries.
    var sentence: String { "\(id.short) has blockers; nothing to \(doing) (policyops validate --rev \(id.short))" }

    /// The blockers as compilers print them, then `FAILED: ...`.
    func text() -> String {
        blockers.map { $0.textLine + "\n" }.joined() + "FAILED: \(sentence)\n"
    }

    /// Validate's JSON shape (`ok`, `diagnostics`, `policies`), with the commit.
    func json() -> String {
        JSON.object([
            "commit": .string(id.hex),
            "ok": .bool(false),
            "severity": .string(Severity.blocker.rawValue),
            "message": .string(sentence),
            "diagnostics": .array(blockers.map(\.json)),
            "policies": .array([]),
        ]).pretty()
    }

    /// A heading, the sentence and a table of the blockers.
    func markdown() -> String {
        var out = "### PolicyOps: \(Markdown.text(id.short)) has blockers\n\n"
        out += "Nothing to \(Markdown.text(doing)): the commit does not compile. Run \(Markdown.code("policyops validate --rev \(id.short)")).\n\n"
        out += "| severity | code | file | line:column | pointer | message |\n|---|---|---|---|---|---|\n"
        for d in blockers {
            out += "| \(d.severity.rawValue) | \(Markdown.code(d.code.rawValue)) | \(Markdown.text(d.file)) | \(d.line):\(d.column) | "
                + "\(d.pointer.isEmpty ? "" : Markdown.code(d.pointer)) | \(Markdown.text(d.message)) |\n"
        }
        return out
    }

    /// The output in `format` (`text`, `json` or `markdown`).
    func render(_ format: String) -> String {
        switch format {
        case "json": return json()
        case "markdown": return markdown()
        default: return text()
        }
    }
}
