#!/usr/bin/env python3
"""Writes the fixtures of corpus/ that are binary, huge or machine-made.

The corpus is a policy repository for the end-to-end tests (hosts/, ups/, policies/valid,
policies/invalid, expectations.json). Most of its files are plain text, written by hand and
committed as they are. This script makes the rest, byte for byte the same on every run:
byte-order marks, CRLF line ends, UTF-16/32, invalid UTF-8, raw control characters, an
empty file, and the attacks whose size makes them unreadable by hand (20,000-deep nesting,
an object with 50,000 keys, a selector with 20,000 items, a file over the 1 MiB limit).

    python3 Tests/EndToEndTests/Fixtures/make_hostile_fixtures.py

Every file stays under 2 MB so that all of them can be committed (the largest, the
>1 MiB one, is about 1.1 MB).

    python3 Tests/EndToEndTests/Fixtures/make_hostile_fixtures.py --probes DIR

also writes, into DIR/policies/ (not the corpus), files that are valid-sized (< 1 MiB) but
make `policyops validate` slow: tens of thousands of diagnostics on one long line. They are
kept out of the corpus so that the end-to-end tests stay fast; copy the corpus hosts into
DIR/hosts/ and run `policyops validate --repo DIR` to time them.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus", "policies")
VALID = os.path.join(CORPUS, "valid")
INVALID = os.path.join(CORPUS, "invalid")

PVE = "8c4f1e3a-6b2d-4f9e-b7a1-3d5c8e2f9b62"
RACK = "2f6d3c1e-8b4a-4e2f-9c7d-1a5b3e8f6d20"
HOOK = "4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def policy(name, priority="10", notes='"Shut the batch VMs down when the UPS goes on battery."',
           selector="200-210", params='{"grace_s": 60, "confirm": true}'):
    """A valid pve-1 policy as text, with hooks for the one thing a fixture changes."""
    return (
        "{\n"
        '  "version": 1,\n'
        f'  "name": "{name}",\n'
        f'  "priority": {priority},\n'
        '  "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},\n'
        '  "targets": {\n'
        f'    "host_id": "{PVE}",\n'
        '    "target_type": "vm",\n'
        f'    "selector": {{"mode": "list", "value": "{selector}"}}\n'
        "  },\n"
        "  \"actions\": [\n"
        f'    {{"capability_id": "proxmox.vm", "verb": "shutdown", "params": {params}}}\n'
        "  ],\n"
        f'  "notes": {notes}\n'
        "}\n"
    )


def write(folder, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    assert len(data) < 2_000_000, name
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(VALID, exist_ok=True)
    os.makedirs(INVALID, exist_ok=True)

    # --- valid, but unusual bytes
    # A UTF-8 byte-order mark: accepted with a warning (PO1011).
    write(VALID, "utf8-bom.json", b"\xef\xbb\xbf" + policy(
        "pve-shutdown-gpu-vms-saved-with-bom", priority="16", selector="600-603",
        notes='"Saved by an editor that writes a UTF-8 byte-order mark: a warning, still valid."').encode())
    # CRLF line ends: fine.
    write(VALID, "crlf-line-ends.json", policy(
        "pve-shutdown-ci-vms-crlf", priority="17", selector="610,612,614",
        notes='"Checked out on Windows with core.autocrlf: every line ends in CR LF."').replace("\n", "\r\n"))

    # --- encodings
    # Saved as UTF-16 little-endian with a byte-order mark (Windows Notepad's "Unicode").
    write(INVALID, "utf16-encoded.json", b"\xff\xfe" + policy("inv-utf16-encoded").encode("utf-16-le"))
    # UTF-16 big-endian without a byte-order mark.
    write(INVALID, "utf16be-without-bom.json", policy("inv-utf16be-without-bom").encode("utf-16-be"))
    # UTF-32 little-endian with a byte-order mark.
    write(INVALID, "utf32-encoded.json", b"\xff\xfe\x00\x00" + policy("inv-utf32-encoded").encode("utf-32-le"))
    # Latin-1 bytes in a UTF-8 file: "Büro" saved by a Latin-1 editor (0xFC).
    write(INVALID, "invalid-utf8-bytes.json", policy(
        "inv-invalid-utf8-bytes", notes='"B\x00ro-Server gehen zuerst."').encode().replace(b"\x00", b"\xfc"))
    # An overlong encoding of '/' (0xC0 0xAF), the classic path-traversal disguise.
    write(INVALID, "overlong-utf8-slash.json", policy(
        "inv-overlong-utf8-slash", notes='"..\x00etc/passwd"').encode().replace(b"\x00", b"\xc0\xaf"))
    # A UTF-16 surrogate encoded as UTF-8 bytes (CESU-8): 0xED 0xA0 0xBD.
    write(INVALID, "utf8-encoded-surrogate.json", policy(
        "inv-utf8-encoded-surrogate", notes='"power \x00 off"').encode().replace(b"\x00", b"\xed\xa0\xbd"))

    # --- empty and control characters
    write(INVALID, "empty-file.json", b"")
    write(INVALID, "whitespace-only.json", b"  \n\t\r\n   \n")
    # A raw tab pasted into a string.
    write(INVALID, "raw-tab-in-string.json", policy(
        "inv-raw-tab-in-string", notes='"Web tier\tfirst."'))
    # A raw NUL byte inside a string.
    write(INVALID, "raw-nul-byte-in-string.json", policy(
        "inv-raw-nul-byte-in-string", notes='"Web tier\x00first."'))

    # --- numbers
    # 100 digits: the longest literal the reader takes; far outside a 64-bit priority.
    write(INVALID, "number-100-digits.json", policy("inv-number-100-digits", priority="9" * 100))
    # 101 digits: over the reader's 100-character limit on number literals.
    write(INVALID, "number-101-digits.json", policy("inv-number-101-digits", priority="1" + "0" * 100))

    # --- size and shape attacks
    # 20,000 nested arrays in "notes": the reader stops at depth 64.
    write(INVALID, "deep-nesting-20000.json", policy(
        "inv-deep-nesting-20000", notes="[" * 20000 + "]" * 20000))
    # A webhook body with 50,000 keys, one of them (k31337) written twice.
    keys = [f'"k{i:05d}": {i % 10}' for i in range(50000)]
    keys[40000] = '"k31337": 7'
    body = "{" + ", ".join(keys) + "}"
    write(INVALID, "duplicate-key-among-50000-keys.json", (
        "{\n"
        '  "version": 1,\n'
        '  "name": "inv-duplicate-key-among-50000-keys",\n'
        '  "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]},\n'
        f'  "targets": {{"host_id": "{HOOK}", "target_type": "endpoint", "selector": {{"mode": "list", "value": "bulk"}}}},\n'
        '  "actions": [\n'
        f'    {{"capability_id": "webhook.request", "verb": "post", "params": {{"path": "/ingest", "body": {body}}}}}\n'
        "  ]\n"
        "}\n"))
    # A selector of 20,000 separate VM ids (odd numbers, so nothing merges): over 4,096 targets.
    items = ",".join(str(n) for n in range(1, 40000, 2))
    write(INVALID, "selector-20000-items.json", policy("inv-selector-20000-items", selector=items))
    # A valid-looking policy whose notes hold 1.1 MB of text: over the 1 MiB file limit.
    line = "Lorem ipsum dolor sit amet, the UPS runs the rack for twenty minutes at full load. "
    text = (line * (1_100_000 // len(line) + 1))[:1_100_000]
    write(INVALID, "file-too-large-1.1mb-notes.json", policy("inv-file-too-large", notes=f'"{text}"'))


def probes(folder):
    """Performance probes: many diagnostics on one long line (each position is computed by
    scanning the line from its start, so the time grows with the square of the line)."""
    os.makedirs(os.path.join(folder, "policies"), exist_ok=True)
    head = ('{"version": 1, "name": "%s", "trigger_group": {"triggers": [{"type": "ups.state", "equals": "on_battery"}]}, '
            f'"targets": {{"host_id": "{HOOK}", "target_type": "endpoint", "selector": {{"mode": "list", "value": "x"}}}}, ')
    # 60,000 duplicate keys in a webhook body, all on one line (480 KB).
    body = "{" + ", ".join('"a": 0' for _ in range(60000)) + "}"
    write(os.path.join(folder, "policies"), "duplicate-keys-one-line.json",
          head % "probe-duplicate-keys-one-line"
          + '"actions": [{"capability_id": "webhook.request", "verb": "post", "params": {"body": ' + body + "}}]}")
    # The same keys one per line: fast, which shows that the line length is the cause.
    write(os.path.join(folder, "policies"), "duplicate-keys-one-per-line.json",
          head % "probe-duplicate-keys-one-per-line"
          + '"actions": [{"capability_id": "webhook.request", "verb": "post", "params": {"body": '
          + body.replace(", ", ",\n") + "}}]}")
    # 60,000 empty block comments on one line (240 KB).
    write(os.path.join(folder, "policies"), "comments-one-line.json",
          head % "probe-comments-one-line" + "/**/" * 60000
          + '"actions": [{"capability_id": "webhook.request", "verb": "post"}]}')


if __name__ == "__main__":
    main()
    if len(sys.argv) == 3 and sys.argv[1] == "--probes":
        probes(sys.argv[2])
