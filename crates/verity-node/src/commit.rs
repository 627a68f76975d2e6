//! Group commit: one writer thread owns the log and appends whatever requests are waiting as
//! one durable transaction (one fsync, one signed checkpoint), then answers each request with
//! its index. An acknowledged append is on disk; a batch that fails is retried entry by entry
//! so one bad entry never sinks the others.

use std::path::PathBuf;
use std::sync::mpsc;
use tokio::sync::oneshot;
use verity_log::{EntryBody, Log, LogError, PartyKey};

use crate::Clock;

/// Most entries appended in one transaction.
pub const MAX_BATCH: usize = 4096;

/// An appended entry: its index and the signed checkpoint that covers it.
pub type AppendResult = Result<(u64, String), LogError>;

struct Job {
    body: EntryBody,
    reply: oneshot::Sender<AppendResult>,
}

/// The handle requests use to reach the writer.
#[derive(Debug, Clone)]
pub struct Appender {
    tx: mpsc::Sender<Job>,
}

impl Appender {
    /// Starts the writer thread for the log at `db`, signing with `key`, recording each batch
    /// on the clock's date.
    pub fn start(db: PathBuf, key: PartyKey, clock: Clock) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        // Without its thread the receiver is gone and every append is refused with an error.
        if let Err(e) = std::thread::Builder::new()
            .name("verity-append".into())
            .spawn(move || writer(db, key, clock, rx))
        {
            tracing::error!(error = %e, "the append writer thread could not start");
        }
        Self { tx }
    }

    /// Queues one entry and waits for it to be durable.
    pub async fn append(&self, body: EntryBody) -> AppendResult {
        let (reply, wait) = oneshot::channel();
        self.tx
            .send(Job { body, reply })
            .map_err(|_| LogError::Request("the writer has stopped".into()))?;
        wait.await
            .map_err(|_| LogError::Request("the writer has stopped".into()))?
    }
}

fn latest_note(log: &Log) -> String {
    log.latest_checkpoint()
        .ok()
        .flatten()
        .map(|(_, n)| String::from_utf8_lossy(&n).into_owned())
        .unwrap_or_default()
}

fn writer(db: PathBuf, key: PartyKey, clock: Clock, rx: mpsc::Receiver<Job>) {
    let mut log = match Log::open(&db) {
        Ok(l) => l,
        Err(e) => {
            let message = e.to_string();
            for job in rx {
                let _ = job.reply.send(Err(LogError::Request(message.clone())));
            }
            return;
        }
    };
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let date = clock.today();
        let bodies: Vec<EntryBody> = jobs.iter().map(|j| j.body.clone()).collect();
        match log.append_on(&key, date, bodies) {
            Ok(indexes) => {
                let note = latest_note(&log);
                for (job, index) in jobs.into_iter().zip(indexes) {
                    let _ = job.reply.send(Ok((index, note.clone())));
                }
            }
            Err(_) if jobs.len() > 1 => {
                for job in jobs {
                    let r = log
                        .append_on(&key, date, vec![job.body])
                        .and_then(|i| {
                            i.first().copied().ok_or_else(|| {
                                LogError::Request("the append returned no index".into())
                            })
                        })
                        .map(|i| (i, latest_note(&log)));
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                for job in jobs {
                    let _ = job.reply.send(Err(LogError::Request(e.to_string())));
                }
            }
        }
    }
}
