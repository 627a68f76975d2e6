//! Turning a party command's flags into the library's objects: the party's operator over its
//! own log (a local database, or its node with the token) and its private store, and other
//! parties' logs read from files or node URLs with the keys given. No protocol here.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use rand::SeedableRng;
use verity_escrow::PrivateStore;
use verity_inspect::view::LoadedLog;
use verity_log::VerifierKey;
use verity_party::{LocalLog, NodeLog, OwnLog, Party};

use crate::cli::{KeysArgs, OwnLogArgs};
use crate::resolve;

/// A party's operator as the command line runs it: its log wherever it is, its private store.
pub(crate) type Operator = Party<Box<dyn OwnLog + Send>, PrivateStore>;

/// The verifier keys given with `--keys`.
pub(crate) fn keys(args: &KeysArgs) -> Result<Vec<VerifierKey>> {
    args.keys
        .iter()
        .map(|p| VerifierKey::load(p).map_err(anyhow::Error::from))
        .collect()
}

/// The private store's directory: `--private`, else `<db>.private`.
fn store_dir(own: &OwnLogArgs) -> Result<PathBuf> {
    match (&own.private, &own.db) {
        (Some(p), _) => Ok(p.clone()),
        (None, Some(db)) => Ok(PrivateStore::dir_for(db)),
        (None, None) => bail!("--private is needed with --node"),
    }
}

/// Opens the party's private store (the passphrase from `VERITY_PASSPHRASE` or a prompt).
pub(crate) fn open_store(dir: &Path) -> Result<PrivateStore> {
    if !dir.is_dir() {
        bail!(
            "no private store at {} (a log's store is created by `verity log init`)",
            dir.display()
        );
    }
    let pass = resolve::passphrase(false)?;
    Ok(PrivateStore::open(dir, pass.as_bytes())?)
}

/// The party's operator: its own log (`--db`, recorded on `today`; or `--node` with
/// `--token-file`, recorded on the node's clock), its private store, seeds from the
/// operating system.
pub(crate) fn operator(own: &OwnLogArgs, today: NaiveDate) -> Result<Operator> {
    let log: Box<dyn OwnLog + Send> = match (&own.db, &own.node) {
        (Some(db), _) => Box::new(LocalLog::open(db, today)?),
        (None, Some(url)) => {
            let token_file = own.token_file.as_ref().context("--token-file is needed")?;
            let token = verity_node::read_token_file(token_file)?;
            Box::new(NodeLog::connect(url, token, &keys(&own.keys)?)?)
        }
        (None, None) => bail!("give --db FILE or --node URL"),
    };
    let store = open_store(&store_dir(own)?)?;
    let rng = Box::new(rand::rngs::StdRng::from_os_rng());
    Ok(Party::open(log, store, rng)?)
}

/// Another party's log, from a file or its node, checked against the key among `keys` that
/// its origin names.
pub(crate) fn load_log(arg: &str, keys: &[VerifierKey]) -> Result<LoadedLog> {
    Ok(verity_party::read_log(arg, keys)?)
}
