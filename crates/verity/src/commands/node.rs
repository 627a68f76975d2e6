//! `verity serve`: the party's node on a loopback address, with the witness of the logs named
//! in `--peers`. Prints the base URL, the token file and the witness key, then serves until
//! SIGTERM or Ctrl-C.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use verity_log::{Log, PartyKey, VerifierKey};
use verity_node::sync::{Peer, follow as follow_peers};
use verity_node::{NodeState, Witness, load_token, serve as run_server, token_path};
use verity_treaty::PartyCode;

use crate::Outcome;

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// One line of a peers file: `<url> <party> <verifier key>` (mirror, audit and witness that
/// node's log) or `<verifier key>` alone (witness checkpoints submitted to this node).
struct PeerLine {
    follow: Option<(String, String)>,
    key: VerifierKey,
}

/// Reads a peers file; blank lines and `#` comments are skipped.
fn read_peers(path: &Path) -> Result<Vec<PeerLine>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |m: String| anyhow::anyhow!("{}:{}: {m}", path.display(), n + 1);
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (follow, key) = match fields.as_slice() {
            [key] => (None, *key),
            [url, party, key] if url.starts_with("http://") => {
                PartyCode::parse(party).map_err(|m| at(format!("party: {m}")))?;
                (
                    Some((url.trim_end_matches('/').to_string(), party.to_string())),
                    *key,
                )
            }
            _ => {
                return Err(at(
                    "expected `<http://host:port> <PARTY> <verifier key>` or a verifier key alone"
                        .into(),
                ));
            }
        };
        out.push(PeerLine {
            follow,
            key: VerifierKey::parse(key).map_err(at)?,
        });
    }
    Ok(out)
}

pub(crate) fn serve(
    db: &Path,
    listen: &str,
    peers: Option<&Path>,
    sync_every: u64,
    today: Option<chrono::NaiveDate>,
) -> Result<Outcome> {
    let log = Log::open(db)?;
    let key = log.signing_key()?;
    let token = match load_token(db) {
        Ok(t) => t,
        Err(_) if !token_path(db).exists() => {
            let t = verity_node::create_token(db).map_err(anyhow::Error::msg)?;
            eprintln!("created the operator token {}", token_path(db).display());
            t
        }
        Err(m) => bail!("{m}"),
    };
    // The witness signs with its own key, kept beside the log (mode 0600).
    let witness_key_file = sibling(db, ".witness.key");
    let witness_name = format!("witness.verity/{}", log.party());
    let witness_key = if witness_key_file.exists() {
        PartyKey::load(&witness_key_file)?
    } else {
        let k = PartyKey::generate(&witness_name).map_err(anyhow::Error::msg)?;
        let dir = witness_key_file.parent().unwrap_or(Path::new("."));
        let stem = witness_key_file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".key"))
            .context("witness key file name")?
            .to_string();
        k.write(dir, &stem)?;
        k
    };
    let witness = Witness::open(
        &sibling(db, ".witness"),
        witness_key.name(),
        witness_key.ed25519().clone(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut follow = Vec::new();
    if let Some(p) = peers {
        let mirrors = sibling(db, ".peers");
        for line in read_peers(p)? {
            witness
                .add_log(&line.key)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some((url, party)) = line.follow {
                std::fs::create_dir_all(&mirrors)
                    .with_context(|| format!("cannot create {}", mirrors.display()))?;
                follow.push(Peer {
                    mirror: mirrors.join(format!("{}.db", party.to_lowercase())),
                    url,
                    party,
                    key: line.key,
                });
            }
        }
    }
    let witness_text = witness.verifier_text();
    let mut state = NodeState::new(db.to_path_buf(), key, token, Some(witness));
    state.today = today;
    state.mirrors = follow
        .iter()
        .map(|p| (p.mirror.clone(), p.key.clone()))
        .collect();
    let state = Arc::new(state);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        outln!("http://{addr}/")?;
        eprintln!(
            "{} ({}): operator token in {}; witness key {witness_text}",
            log.party(),
            log.origin(),
            token_path(db).display()
        );
        if !follow.is_empty() {
            tokio::spawn(follow_peers(
                state.clone(),
                follow,
                std::time::Duration::from_secs(sync_every.max(1)),
            ));
        }
        run_server(listener, state).await?;
        anyhow::Ok(())
    })?;
    Ok(Outcome::Clean)
}
