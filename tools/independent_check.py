#!/usr/bin/env python3
"""Check a Verity party log with an independent implementation of the C2SP formats.

Uses tlog-scales (a Python implementation of C2SP signed notes, tlog-checkpoint and RFC 9162
proofs, by another author) and nothing of Verity's: the checkpoint's Ed25519 signature with
the party's verifier key, every entry's inclusion proof against the checkpoint's root, and a
consistency proof between two tree sizes. Inputs are the outputs of `verity log checkpoint`,
`verity log entries --json` and `verity log prove --json`.

    python3 tools/independent_check.py CHECKPOINT VKEY_FILE ENTRIES_JSON PROOFS_JSON

PROOFS_JSON is a list of `verity log prove --json` outputs (inclusion and consistency).
Exit status 0 when everything verifies, 1 otherwise.
"""

import base64
import json
import sys

from tlog_scales.signing import Vkey, VkeySet
from tlog_scales.tiles import leaf_hash
from tlog_scales.tlog import Checkpoint, ConsistencyProof, InclusionProof


def b64(s):
    return base64.b64decode(s, validate=True)


def main(cp_path, vkey_path, entries_path, proofs_path):
    with open(cp_path, encoding="utf-8") as f:
        cp = Checkpoint.from_text(f.read())
    with open(vkey_path, encoding="utf-8") as f:
        vkey = Vkey.from_string(f.read().strip())
    valid = VkeySet(vkey).verify(cp.signatures, cp)
    if not valid:
        print(f"checkpoint: no valid signature by {vkey.name}")
        return 1
    print(f"checkpoint: {cp.origin} size {cp.size} signed by {vkey.name}")

    with open(entries_path, encoding="utf-8") as f:
        entries = json.load(f)
    leaf_hashes = {e["index"]: leaf_hash(b64(e["leaf"])) for e in entries}
    with open(proofs_path, encoding="utf-8") as f:
        proofs = json.load(f)
    checked = 0
    for p in proofs:
        hashes = [b64(h) for h in p["proof"]]
        if p["type"] == "inclusion":
            if p["tree_size"] != cp.size:
                print(f"inclusion proof for size {p['tree_size']} is not for the checkpoint")
                return 1
            InclusionProof(p["index"], p["tree_size"], hashes).check(
                leaf_hashes[p["index"]], cp.root_hash
            )
        else:
            if p["to"] != cp.size:
                print(f"consistency proof to size {p['to']} is not for the checkpoint")
                return 1
            ConsistencyProof(p["from"], p["to"], hashes).check(b64(p["old_root"]), cp.root_hash)
        checked += 1
    print(f"{checked} proofs verified")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__)
        sys.exit(2)
    try:
        sys.exit(main(*sys.argv[1:]))
    except Exception as e:  # any failure of the independent check is a failed check
        print(f"independent check failed: {type(e).__name__}: {e}")
        sys.exit(1)
