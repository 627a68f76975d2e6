// Verity dashboard: checks one entry's inclusion proof, the checkpoint's signature and the
// entry's own signature in the browser (Web Crypto: SHA-256 and Ed25519), from the fields on
// the page, so a reader need not trust the node that served them. Edit a field to see the
// check fail. Nothing is sent anywhere.
"use strict";
(function () {
  const form = document.getElementById("proof-check");
  if (!form) return;
  const out = document.getElementById("proof-result");
  const button = form.querySelector("button[type=submit]");
  button.hidden = false;
  const note = document.getElementById("proof-js-note");
  if (note) note.hidden = true;

  const utf8 = (s) => new TextEncoder().encode(s);
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  function b64(text, what) {
    let raw;
    try {
      raw = atob(text.trim());
    } catch (e) {
      throw new Error(what + " is not valid base64");
    }
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  // RFC 9162, section 2.1.3.2: the root an inclusion proof leads to, or an error.
  async function rootFromInclusion(index, size, leafHash, proof) {
    if (index >= size) throw new Error("index " + index + " is not below the tree size " + size);
    let fn = index;
    let sn = size - 1n;
    let r = leafHash;
    for (const p of proof) {
      if (sn === 0n) throw new Error("the proof is longer than the tree allows");
      if ((fn & 1n) === 1n || fn === sn) {
        r = await sha256(concat(Uint8Array.of(1), p, r));
        if ((fn & 1n) === 0n) {
          while ((fn & 1n) === 0n && fn !== 0n) {
            fn >>= 1n;
            sn >>= 1n;
          }
        }
      } else {
        r = await sha256(concat(Uint8Array.of(1), r, p));
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) throw new Error("the proof is shorter than the tree needs");
    return r;
  }

  // A C2SP signed note: the body (through the newline before the empty line), origin, size,
  // root, and the signature lines.
  function parseCheckpoint(text) {
    const text2 = text.replace(/\r\n/g, "\n");
    const sep = text2.indexOf("\n\n");
    if (sep < 0) throw new Error("the checkpoint has no signature block");
    const body = text2.slice(0, sep + 1);
    const lines = body.split("\n");
    if (lines.length < 4) throw new Error("the checkpoint body needs origin, size and root");
    if (!/^[0-9]+$/.test(lines[1])) throw new Error("the checkpoint's size line is not a number");
    const signatures = text2
      .slice(sep + 2)
      .split("\n")
      .filter((l) => l.startsWith("\u2014 "))
      .map((l) => {
        const parts = l.split(" ");
        return { name: parts[1], bytes: b64(parts[2] || "", "a signature line") };
      });
    return { body, origin: lines[0], size: BigInt(lines[1]), root: b64(lines[2], "the root hash"), signatures };
  }

  // `name+keyid+base64(0x01 ‖ Ed25519 public key)`, with the key id recomputed.
  async function parseVerifier(text) {
    const parts = text.trim().split("+");
    if (parts.length !== 3) throw new Error("the verifier key is not name+id+key");
    const material = b64(parts[2], "the verifier key");
    if (material.length !== 33 || material[0] !== 1) throw new Error("the verifier key is not an Ed25519 key");
    const id = (await sha256(concat(utf8(parts[0]), Uint8Array.of(10), material))).slice(0, 4);
    if (hex(id) !== parts[1].toLowerCase()) throw new Error("the verifier key's id does not match its name and key");
    let key;
    try {
      key = await crypto.subtle.importKey("raw", material.slice(1), { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      throw new Error("this browser's Web Crypto cannot verify Ed25519 signatures (" + e.name + "); use a current browser or `verity log prove`");
    }
    return { name: parts[0], id, key };
  }

  async function check() {
    const f = new FormData(form);
    if (!window.crypto || !crypto.subtle) {
      throw new Error("this page is not a secure context (https or localhost), so the browser offers no Web Crypto; check with `verity log prove` instead");
    }
    const index = BigInt(String(f.get("index")).trim());
    const leaf = b64(String(f.get("leaf")), "the entry bytes");
    const proof = String(f.get("proof"))
      .split(/\s+/)
      .filter((s) => s.length > 0)
      .map((s, i) => {
        const h = b64(s, "proof hash " + (i + 1));
        if (h.length !== 32) throw new Error("proof hash " + (i + 1) + " is not 32 bytes");
        return h;
      });
    const cp = parseCheckpoint(String(f.get("checkpoint")));
    const verifier = await parseVerifier(String(f.get("verifier")));
    if (cp.origin !== verifier.name) throw new Error("the checkpoint is for " + cp.origin + ", the key for " + verifier.name);
    const sig = cp.signatures.find((s) => s.name === verifier.name && equal(s.bytes.slice(0, 4), verifier.id));
    if (!sig || sig.bytes.length !== 68) throw new Error("the checkpoint carries no signature by " + verifier.name);
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, verifier.key, sig.bytes.slice(4), utf8(cp.body)))) {
      throw new Error("the checkpoint's signature does not verify with " + verifier.name + "'s key");
    }
    const leafHash = await sha256(concat(Uint8Array.of(0), leaf));
    const root = await rootFromInclusion(index, cp.size, leafHash, proof);
    if (!equal(root, cp.root)) {
      throw new Error("the proof leads to root " + hex(root).slice(0, 16) + "…, the signed checkpoint's root is " + hex(cp.root).slice(0, 16) + "…");
    }
    // The entry's own signature: over the domain and the statement's canonical JSON, which is
    // the leaf between `"statement":` and the final brace.
    const text = new TextDecoder().decode(leaf);
    const entry = JSON.parse(text);
    const marker = '","statement":';
    const at = text.indexOf(marker);
    if (at < 0 || !text.endsWith("}")) throw new Error("the entry is not a signed statement");
    if (String(entry.statement.index) !== String(index) || entry.statement.log !== verifier.name) {
      throw new Error("the entry says it is entry " + entry.statement.index + " of " + entry.statement.log);
    }
    const statement = utf8(text.slice(at + marker.length, text.length - 1));
    const signed = concat(utf8("verity/log-entry/v1\n"), statement);
    const entrySig = b64(entry.signature, "the entry's signature");
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, verifier.key, entrySig, signed))) {
      throw new Error("the entry's own signature does not verify with " + verifier.name + "'s key");
    }
    return (
      "Verified in this page: entry " + index + " (" + entry.statement.entry.kind + ", recorded " +
      entry.statement.recorded + ", leaf hash " + hex(leafHash).slice(0, 16) + "…) is in " + cp.origin +
      "'s log at size " + cp.size + "; the proof's " + proof.length + " hashes lead to the root the checkpoint signs, " +
      "and both the checkpoint's and the entry's Ed25519 signatures verify with " + verifier.name + "+" + hex(verifier.id) + "."
    );
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    out.dataset.state = "checking";
    out.textContent = "Checking…";
    check().then(
      (message) => {
        out.dataset.state = "verified";
        out.textContent = message;
      },
      (e) => {
        out.dataset.state = "failed";
        out.textContent = "Check failed: " + (e && e.message ? e.message : String(e));
      },
    );
  });
})();
