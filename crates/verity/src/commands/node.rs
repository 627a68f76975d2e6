//! `verity serve`: the party's node on a loopback address, with the witness of the logs named
//! in `--peers`. Prints the base URL, the token file and the witness key, then serves until
//! SIGTERM or Ctrl-C.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use verity_log::{Log, PartyKey, VerifierKey};
use verity_node::{Node, NodeConfig, PeerSpec, token_path};
use verity_treaty::PartyCode;

use crate::Outcome;

/// Reads a peers file: `<url> <PARTY> <verifier key>` per line (mirror, audit and witness that
/// node's log) or `<verifier key>` alone (witness checkpoints submitted to this node); blank
/// lines and `#` comments are skipped.
fn read_peers(path: &Path) -> Result<Vec<PeerSpec>> {
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
        out.push(PeerSpec {
            follow,
            key: VerifierKey::parse(key).map_err(|e| at(e.to_string()))?,
        });
    }
    Ok(out)
}

/// What `verity serve`'s dashboard judges: the treaty given, else the one the log's latest
/// declaration names, else New START; as if in force when asked or when the treaty binds no one.
pub(crate) fn dashboard_config(
    db: &Path,
    treaty: Option<&str>,
    as_if_in_force: bool,
) -> Result<verity_node::DashboardConfig> {
    let id = match treaty {
        Some(t) => t.to_string(),
        None => match Log::open_read_only(db).and_then(|l| l.declaration(None)) {
            Ok((_, leaf)) => match leaf.statement.entry {
                verity_log::EntryBody::Declaration(d) => d.treaty,
                _ => "new-start".to_string(),
            },
            Err(_) => "new-start".to_string(),
        },
    };
    let parsed =
        verity_treaty::builtin::treaty(&id).map_err(|e| anyhow::anyhow!("--treaty {id}: {e}"))?;
    let mode = if as_if_in_force || parsed.binding_period().is_none() {
        verity_treaty::compliance::Mode::AsIfInForce
    } else {
        verity_treaty::compliance::Mode::AsWritten
    };
    Ok(verity_node::DashboardConfig { treaty: id, mode })
}

pub(crate) fn serve(
    db: &Path,
    listen: &str,
    peers: Option<&Path>,
    sync_every: u64,
    today: Option<chrono::NaiveDate>,
    dashboard: verity_node::DashboardConfig,
) -> Result<Outcome> {
    let config = NodeConfig {
        clock: today.map_or(verity_node::Clock::System, verity_node::Clock::Fixed),
        dashboard: Some(dashboard),
        peers: match peers {
            Some(p) => read_peers(p)?,
            None => Vec::new(),
        },
        ..NodeConfig::default()
    };
    let node = Node::open(db, config)?;
    if node.created_token() {
        eprintln!("created the operator token {}", token_path(db).display());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let addr = listener.local_addr()?;
        outln!("http://{addr}/")?;
        let state = node.state();
        eprintln!(
            "{} ({}): operator token in {}; witness key {}",
            state.party(),
            state.origin(),
            token_path(db).display(),
            node.witness_verifier().unwrap_or("none")
        );
        node.follow_in_background(std::time::Duration::from_secs(sync_every.max(1)));
        node.serve(listener).await?;
        anyhow::Ok(())
    })?;
    Ok(Outcome::Clean)
}

#[derive(serde::Serialize)]
struct ServeBench {
    clients: usize,
    seconds: u64,
    appends_per_second: f64,
    appends_acknowledged: u64,
    checkpoints_after_appends: u64,
    checkpoint_reads_per_second: f64,
    log_entries: u64,
    proof_from_storage_microseconds: f64,
    proofs_served_per_second: f64,
}

/// Runs `clients` loops of `request` for `seconds` (each loop also bounded in count); returns
/// the successes per second and their number.
async fn load<F, Fut>(clients: usize, seconds: u64, request: F) -> (f64, u64)
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let start = std::time::Instant::now();
    let until = start + std::time::Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0u64;
            for k in 0..1_000_000u64 {
                if std::time::Instant::now() >= until {
                    break;
                }
                if request(c as u64 * 1_000_000 + k).await {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap_or(0);
    }
    (total as f64 / start.elapsed().as_secs_f64(), total)
}

fn bench_entry(i: u64) -> verity_log::EntryBody {
    let uid = format!("B{i}");
    verity_log::EntryBody::Notification(verity_log::Notification {
        declaration: 0,
        event: verity_treaty::model::EventKind::Eliminated,
        event_date: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap_or_default(),
        uid: uid.clone(),
        old: Some(verity_escrow::ItemRecord {
            uid,
            class: "icbm".into(),
            item_type: "ICBM".into(),
            site: "BASE".into(),
            status: "deployed".into(),
            warheads: 1,
        }),
        new: None,
    })
}

fn bench_log(dir: &Path, name: &str) -> Result<(PathBuf, PartyKey)> {
    let key = PartyKey::generate("verity.log/USA")?;
    let (key_path, _) = key.write(dir, name)?;
    let db = dir.join(format!("{name}.db"));
    let mut log = Log::init(&db, "USA", &key, &key_path)?;
    log.append(
        &key,
        vec![verity_log::EntryBody::Declaration(
            verity_log::Declaration {
                treaty: "new-start".into(),
                as_of: chrono::NaiveDate::from_ymd_opt(2027, 2, 5).unwrap_or_default(),
                root: verity_escrow::Digest([0; 32]),
                sites: None,
                aggregates: None,
                hidden_totals: None,
                empty_facilities: Vec::new(),
                treaty_digest: None,
            },
        )],
    )?;
    Ok((db, key))
}

/// A node of the log at `db` on a loopback port; its URL and operator token.
async fn start_node(db: PathBuf) -> Result<(String, String)> {
    let token = verity_node::create_token(&db)?;
    let node = Node::open(&db, NodeConfig::default())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { node.serve(listener).await });
    Ok((url, token))
}

/// `verity bench serve`.
pub(crate) fn bench_serve(
    seconds: u64,
    clients: usize,
    entries: u64,
    as_json: bool,
) -> Result<Outcome> {
    use indicatif::{ProgressBar, ProgressStyle};
    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // 1. Durable appends through the write route, group-committed.
    let (db, _) = bench_log(dir.path(), "appends")?;
    let (url, token) = rt.block_on(start_node(db.clone()))?;
    let client = reqwest::Client::new();
    let (appends, acknowledged) = rt.block_on({
        let (client, url, bearer) = (client.clone(), url.clone(), format!("Bearer {token}"));
        load(clients, seconds, move |i| {
            let (client, url, bearer) = (client.clone(), url.clone(), bearer.clone());
            async move {
                let body = serde_json::to_vec(&bench_entry(i)).expect("JSON");
                client
                    .post(format!("{url}/append"))
                    .header("authorization", bearer)
                    .body(body)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().as_u16() == 201)
            }
        })
    });
    let log = Log::open_read_only(&db)?;
    let checkpoints = log.checkpoints()?.len() as u64;
    if log.size()? != acknowledged + 1 {
        bail!(
            "{} entries for {acknowledged} acknowledged appends",
            log.size()? - 1
        );
    }
    // 2. Checkpoint reads.
    let (reads, _) = rt.block_on({
        let (client, url) = (client.clone(), url.clone());
        load(clients, seconds, move |_| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                client
                    .get(format!("{url}/checkpoint"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
        })
    });
    // 3. Proofs from a large log.
    let (big, big_key) = bench_log(dir.path(), "proofs")?;
    let bar = ProgressBar::new(entries);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} building a log of {len} entries {bar:40} {pos}/{len} ({eta} left)",
    )?);
    {
        let mut log = Log::open(&big)?;
        let mut done = 1;
        while done < entries {
            let n = (entries - done).min(10_000);
            log.append(&big_key, (done..done + n).map(bench_entry).collect())?;
            done += n;
            bar.set_position(done);
        }
    }
    bar.finish_and_clear();
    let size = entries.max(1);
    let log = Log::open_read_only(&big)?;
    let samples = 10_000u64;
    // A serving connection keeps the upper levels of the tree in memory once read: one pass
    // over other indexes first, so the timing is the steady state a running node serves from.
    for k in 0..samples {
        log.inclusion_proof((k * 7_907 + 5) % size, size)?;
    }
    let start = std::time::Instant::now();
    for k in 0..samples {
        let index = (k * 7_919 + 13) % size;
        log.inclusion_proof(index, size)?;
    }
    let from_storage = start.elapsed().as_secs_f64() * 1e6 / samples as f64;
    let (big_url, _) = rt.block_on(start_node(big.clone()))?;
    let (proofs, _) = rt.block_on({
        let (client, url) = (client.clone(), big_url.clone());
        load(clients, seconds, move |i| {
            let (client, url) = (client.clone(), url.clone());
            async move {
                let index = (i * 7_919 + 13) % size;
                client
                    .get(format!("{url}/proof/inclusion?index={index}&size={size}"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
        })
    });
    let r = ServeBench {
        clients,
        seconds,
        appends_per_second: appends,
        appends_acknowledged: acknowledged,
        checkpoints_after_appends: checkpoints,
        checkpoint_reads_per_second: reads,
        log_entries: size,
        proof_from_storage_microseconds: from_storage,
        proofs_served_per_second: proofs,
    };
    if as_json {
        crate::output::json(&r)?;
    } else {
        let mut t = crate::output::facts();
        t.add_row([
            "Durable appends per second (group commit)".to_string(),
            format!("{appends:.0} ({acknowledged} acknowledged in {checkpoints} transactions, each on disk)"),
        ]);
        t.add_row([
            "Checkpoint reads per second".to_string(),
            format!("{reads:.0}"),
        ]);
        t.add_row([
            format!("Inclusion proof from storage ({size} entries)"),
            format!("{from_storage:.1} µs"),
        ]);
        t.add_row([
            "Inclusion proofs served per second".to_string(),
            format!("{proofs:.0}"),
        ]);
        outln!("{clients} concurrent clients, {seconds} s per measurement, on 127.0.0.1\n{t}")?;
    }
    Ok(Outcome::Clean)
}
