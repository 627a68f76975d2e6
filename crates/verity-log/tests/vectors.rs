//! The log's tree and checkpoints against vectors made by other implementations: the
//! Certificate Transparency RFC 6962 vectors (shared by CT and transparency-dev), and the C2SP
//! golden vectors in `../shared/data/c2sp-golden-vectors.txt` (made with tlog-scales, an
//! independent Python implementation), reproduced here byte for byte.

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use sha2::{Digest, Sha512};
use verity_log::{
    MerkleStore, PartyKey, VerifierKey, check_consistency, check_inclusion, leaf_hash,
    sign_checkpoint, verify_checkpoint,
};

fn h(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

fn b(s: &str) -> [u8; 32] {
    BASE64_STANDARD.decode(s).unwrap().try_into().unwrap()
}

const CT_LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

const CT_ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn ct_store() -> MerkleStore {
    let leaves: Vec<Vec<u8>> = CT_LEAVES.iter().map(|l| hex::decode(l).unwrap()).collect();
    let mut store = MerkleStore::in_memory().unwrap();
    for leaf in &leaves {
        store.append(&[leaf.as_slice()]).unwrap();
    }
    store
}

#[test]
fn rfc6962_roots_for_every_size() {
    let store = ct_store();
    assert_eq!(
        hex::encode(store.root(0).unwrap()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    for (n, root) in CT_ROOTS.iter().enumerate() {
        assert_eq!(
            hex::encode(store.root(n as u64 + 1).unwrap()),
            *root,
            "size {}",
            n + 1
        );
    }
}

#[test]
fn rfc6962_inclusion_proofs() {
    let store = ct_store();
    let cases: [(u64, u64, &[&str]); 2] = [
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
    ];
    for (index, size, want) in cases {
        let proof = store.inclusion(index, size).unwrap();
        let want: Vec<[u8; 32]> = want.iter().map(|s| h(s)).collect();
        assert_eq!(proof, want, "inclusion {index} in {size}");
        let leaf = leaf_hash(&hex::decode(CT_LEAVES[index as usize]).unwrap());
        assert!(check_inclusion(&proof, size, h(CT_ROOTS[7]), index, leaf));
        let mut bad = proof.clone();
        bad[1][0] ^= 1;
        assert!(!check_inclusion(&bad, size, h(CT_ROOTS[7]), index, leaf));
        assert!(!check_inclusion(
            &proof,
            size,
            h(CT_ROOTS[7]),
            index + 1,
            leaf
        ));
    }
}

#[test]
fn rfc6962_consistency_proofs() {
    let store = ct_store();
    let cases: [(u64, u64, &[&str]); 4] = [
        (1, 1, &[]),
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (old, new, want) in cases {
        let proof = store.consistency(old, new).unwrap();
        let want: Vec<[u8; 32]> = want.iter().map(|s| h(s)).collect();
        assert_eq!(proof, want, "consistency {old} → {new}");
        let (r1, r2) = (h(CT_ROOTS[old as usize - 1]), h(CT_ROOTS[new as usize - 1]));
        assert!(check_consistency(&proof, old, r1, new, r2));
        if !proof.is_empty() {
            let mut bad = proof.clone();
            bad[0][5] ^= 0x80;
            assert!(!check_consistency(&bad, old, r1, new, r2));
        }
        assert!(!check_consistency(&proof, old, r2, new, r1) || r1 == r2);
    }
}

/// rec(i) = SHA-512(i as u64 big-endian), the golden vectors' records.
fn golden_records(n: u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| Sha512::digest(i.to_be_bytes()).to_vec())
        .collect()
}

fn golden_store(n: u64) -> MerkleStore {
    let records = golden_records(n);
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    let mut store = MerkleStore::in_memory().unwrap();
    for chunk in refs.chunks(10_000) {
        store.append(chunk).unwrap();
    }
    store
}

const GOLDEN_LOG_VKEY: &str =
    "example.com/arms-control/party-a+20aa2ef9+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c";

#[test]
fn golden_roots_proofs_and_checkpoints() {
    let store = golden_store(1000);
    let root1000 = store.root(1000).unwrap();
    let root500 = store.root(500).unwrap();
    assert_eq!(
        BASE64_STANDARD.encode(root1000),
        "CeaDrQxO2cvSCAIqSu1mcnAPaVI6wcfIgDX+Ge3VdEM="
    );
    assert_eq!(
        BASE64_STANDARD.encode(root500),
        "2V8Irs8rzZrefL9FyNqOXSgH/WroxPgJ0z5JUU46LVE="
    );

    let consistency: Vec<String> = store
        .consistency(500, 1000)
        .unwrap()
        .iter()
        .map(|x| BASE64_STANDARD.encode(x))
        .collect();
    assert_eq!(
        consistency,
        [
            "vn0ycI7pfjg+mr3IPY/RBx8UBwLytFiT3EdNq85d3Rk=",
            "aZyMWj92kN8qhEA3MzMzuM3v/15cfpaOzy7+Ox73DMI=",
            "4lxcdwGN6FKSA2i0aouGOWMYqXlWZDUvxSKS2BS3wNk=",
            "6/IHLK2jcq6O/Dj3IpOG/iDjcvsTw5AzFuWr4YpjAU4=",
            "6abXxVx9sAO9NtlUFU2ObfkBjv5WPsshEUh/fpsqv2Y=",
            "HKG27HP70vlxVeh4jjv3FA7dmIrFd4OZP5BFSoJCGlA=",
            "7y6R7DlA7G/hHuKBVXjCRKh1iqlUn4MIyXHnWTPe6Yw=",
            "BjT4b+J4YOX9VZl9BvntMVzOCBRb0S2gRKRT9E2Z6Fw=",
            "+lLDjDxn63CuPiPQkZAf2R+d16JvMEc25xUAMdqiMvI=",
        ]
    );

    let records = golden_records(124);
    assert_eq!(
        BASE64_STANDARD.encode(leaf_hash(&records[123])),
        "lj2VrzF6Tlqo7/bPScjtf9B+tcqxID7bu0erfBA8V7E="
    );
    let inclusion: Vec<String> = store
        .inclusion(123, 1000)
        .unwrap()
        .iter()
        .map(|x| BASE64_STANDARD.encode(x))
        .collect();
    assert_eq!(
        inclusion,
        [
            "f3DSE+0qjfTMLW4/jZRhnE02BgcAAf4Ns6kHdnc8GBo=",
            "uoYAUItHzKFfwrFBJLSPTDvojv6NeKEh5xj1V3KFoOk=",
            "qMrdTMjZHGKPYXaOOgxw66eBaw3fag5nvDskzBQWo58=",
            "Uccr+0COEWdei4Matm2nq9gFhQ4Nb2W8Puk1eNQOy2o=",
            "yXsyyTTJePK/SWy92rB48/8da8BSXdXzLKLWU0h4/jg=",
            "dkZpqYzwjEWEJkw7FlA7o7jO8nNDxFF/AjdR87li+po=",
            "2QmhMkDC/zOdnq1v2skU7q2FycxiRdHToy4GmCkPnzM=",
            "rR3KMX2YFfXz0CmPeW29Adf95SIc1uRbZWryydKluY8=",
            "p6LuKfDNdXux0hOuB7mBk60d5iNrC1n1lttvYiyu7cI=",
            "+lLDjDxn63CuPiPQkZAf2R+d16JvMEc25xUAMdqiMvI=",
        ]
    );

    // The log key from seed 0x01 × 32 has the golden verifier key, and signs the golden
    // checkpoints byte for byte (Ed25519 is deterministic).
    let key = PartyKey::from_seed("example.com/arms-control/party-a", [1; 32]).unwrap();
    assert_eq!(key.verifier().text(), GOLDEN_LOG_VKEY);
    assert_eq!(format!("{:08x}", key.verifier().id()), "20aa2ef9");
    let note1000 = sign_checkpoint(&key, 1000, root1000).unwrap();
    assert_eq!(
        String::from_utf8(note1000.clone()).unwrap(),
        "example.com/arms-control/party-a\n1000\nCeaDrQxO2cvSCAIqSu1mcnAPaVI6wcfIgDX+Ge3VdEM=\n\n\
         \u{2014} example.com/arms-control/party-a IKou+XB3uZ5shp18k/YkEFrmqVKE7kSog4z41WKz4pr5d3pKDbjit/UtABlmo+pwfV74K9OD5SZgRfUZVYUiRoGG4wo=\n"
    );
    let note500 = sign_checkpoint(&key, 500, root500).unwrap();
    assert_eq!(
        String::from_utf8(note500).unwrap(),
        "example.com/arms-control/party-a\n500\n2V8Irs8rzZrefL9FyNqOXSgH/WroxPgJ0z5JUU46LVE=\n\n\
         \u{2014} example.com/arms-control/party-a IKou+fFXJUbhzyEv6SC0qHo0CYjhZPXxF4CSjJqh1FX1DIFDDpQ7H5yvG034QhzbeYtEdTrW4mMBMkflUnMtHNaq+g8=\n"
    );
}

#[test]
fn golden_cosigned_checkpoint_verifies_for_the_log_key_and_ignores_the_witness() {
    let note = "example.com/arms-control/party-a\n1000\nCeaDrQxO2cvSCAIqSu1mcnAPaVI6wcfIgDX+Ge3VdEM=\n\n\
        \u{2014} example.com/arms-control/party-a IKou+XB3uZ5shp18k/YkEFrmqVKE7kSog4z41WKz4pr5d3pKDbjit/UtABlmo+pwfV74K9OD5SZgRfUZVYUiRoGG4wo=\n\
        \u{2014} witness.example.org/w1 bX75BwAAAABlU/EAM6GfnwbM38Oph1rtBMwJ9+9zlo6ZnKj9VmQgR9uFOeJIAcTdqoFCMRGdzDrUc6FspCEkxtIl8rWKonqY5WrzCQ==\n";
    let key = VerifierKey::parse(GOLDEN_LOG_VKEY).unwrap();
    let cp = verify_checkpoint(note.as_bytes(), &key).unwrap();
    assert_eq!(cp.size, 1000);
    assert_eq!(cp.root, b("CeaDrQxO2cvSCAIqSu1mcnAPaVI6wcfIgDX+Ge3VdEM="));
    // One changed byte in the body, or in the signature, and it no longer verifies.
    let tampered = note.replacen("1000", "1001", 1);
    assert!(verify_checkpoint(tampered.as_bytes(), &key).is_err());
    let tampered = note.replacen("IKou+XB3", "IKou+XB4", 1);
    assert!(verify_checkpoint(tampered.as_bytes(), &key).is_err());
    // The witness key is not the log key: no signature by it is found.
    let witness = VerifierKey::parse(
        "witness.example.org/w1+6d7ef907+BIE5dw6ofRdfVqNUZsNMfszLjYqRtO43ol32D1uPybOU",
    );
    assert!(
        witness.is_err(),
        "the witness key is type 0x04, not a plain Ed25519 note key"
    );
}

#[test]
fn our_checkpoints_verify_with_the_signed_note_crate() {
    // `signed_note` (a port of Go's note package) checks what `sign_checkpoint` made, through
    // its own parser and verifier.
    let key = PartyKey::generate("verity.log/USA").unwrap();
    let note = sign_checkpoint(&key, 42, [7; 32]).unwrap();
    let verifier = signed_note::StandardVerifier::new(key.verifier().text()).unwrap();
    let parsed = signed_note::Note::from_bytes(&note).unwrap();
    let (ok, unknown) = parsed
        .verify(&signed_note::VerifierList::new(vec![Box::new(verifier)]))
        .unwrap();
    assert_eq!(ok.len(), 1);
    assert!(unknown.is_empty());
    let cp = tlog_tiles::Checkpoint::from_bytes(parsed.text()).unwrap();
    assert_eq!(
        (cp.origin(), cp.size(), cp.hash().0),
        ("verity.log/USA", 42, [7; 32])
    );
}

#[test]
fn golden_root_of_100000_records() {
    let store = golden_store(100_000);
    assert!(hex::encode(store.root(100_000).unwrap()).starts_with("c44ce764"));
}

#[test]
fn golden_root_of_1000000_records_when_slow_tests_are_on() {
    if std::env::var_os("VERITY_SLOW_TESTS").is_none() {
        return;
    }
    let store = golden_store(1_000_000);
    assert!(hex::encode(store.root(1_000_000).unwrap()).starts_with("d92c5f85"));
}
