//! Many calls from one call of the caller (`create_many`): sent concurrently, each under the
//! rate limit and the usual retries, all within one deadline, each result in its place.
//!
//! Concurrency is a few threads that live only as long as the call, each sending with the
//! process's blocking HTTP client. That client already runs its connections on a runtime
//! thread of its own (one per process, rebuilt after a fork) and serves many threads at once,
//! so the threads add no state that outlives the call: nothing a fork could catch half-way,
//! no second connection pool whose idle connections could go stale. An async transport on a
//! runtime of the extension's own would be a second transport with its own pool and fork
//! handling, to save what starting a thread costs (tens of microseconds against
//! milliseconds per call).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::Executor;
use crate::budget::Budget;
use crate::config::seconds;
use crate::deadline::Deadline;
use crate::error::{Error, Result, TransportError, TransportErrorKind};

/// Items sent at once unless the caller says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most items sent at once.
pub const MAX_CONCURRENCY: usize = 32;
/// The whole batch's time unless the caller says otherwise (or the client's `timeout`, if
/// longer): enough for a thousand items at DingTalk's 20 calls per second.
pub const DEFAULT_BATCH_TIMEOUT: Duration = Duration::from_secs(60);

/// How a batch is sent: how many items at once, and how long all of them may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    concurrency: usize,
    timeout: Option<Duration>,
}

impl Default for Batch {
    fn default() -> Self {
        Batch {
            concurrency: DEFAULT_CONCURRENCY,
            timeout: None,
        }
    }
}

impl Batch {
    /// Items sent at once, 1 to [`MAX_CONCURRENCY`] (default [`DEFAULT_CONCURRENCY`]).
    pub fn concurrency(mut self, concurrency: i64) -> Result<Self> {
        self.concurrency = usize::try_from(concurrency)
            .ok()
            .filter(|n| (1..=MAX_CONCURRENCY).contains(n))
            .ok_or_else(|| {
                Error::invalid(
                    "options[concurrency]",
                    format!("must be between 1 and {MAX_CONCURRENCY}, {concurrency} given"),
                )
            })?;
        Ok(self)
    }

    /// Seconds the whole batch may take (default: [`DEFAULT_BATCH_TIMEOUT`], or the client's
    /// `timeout` if longer). Each item also keeps the client's `timeout` as its own budget.
    pub fn timeout(mut self, secs: f64) -> Result<Self> {
        self.timeout = Some(seconds("options[timeout]", secs, false)?);
        Ok(self)
    }
}

/// Runs `one` on every item, `batch.concurrency` at a time, each within its own budget (the
/// client's `timeout`, cut at the batch's deadline); one result per item, in order. An item
/// whose turn comes after the deadline is not sent: its result is a timeout naming `path`.
pub(crate) fn run<T: Sync, R: Send>(
    exec: &Executor,
    batch: &Batch,
    path: &str,
    items: &[T],
    one: impl Fn(&T, &Budget) -> Result<R> + Sync,
) -> Vec<Result<R>> {
    let options = exec.options();
    let whole = batch
        .timeout
        .unwrap_or(DEFAULT_BATCH_TIMEOUT.max(options.timeout));
    let deadline = Instant::now() + whole;
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(at) else {
                return done;
            };
            let now = Instant::now();
            let result = if now >= deadline {
                Err(not_sent(path, whole))
            } else {
                let ends = deadline.min(now + options.timeout);
                let budget =
                    Budget::until(Deadline::at(ends), ends - now, options.max_answer_bytes);
                // One item's panic must not lose the others' results.
                catch_unwind(AssertUnwindSafe(|| one(item, &budget))).unwrap_or_else(|_| {
                    Err(Error::Internal(format!(
                        "{path}: this item failed unexpectedly"
                    )))
                })
            };
            done.push((at, result));
        }
    };
    let workers = batch.concurrency.min(items.len()).max(1);
    let mut finished = Vec::with_capacity(items.len());
    std::thread::scope(|scope| {
        // This thread is one of the workers; a thread that cannot be started leaves its share
        // to the others.
        let helpers: Vec<_> = (1..workers)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        finished.extend(work());
        for helper in helpers {
            if let Ok(done) = helper.join() {
                finished.extend(done);
            }
        }
    });
    let mut results: Vec<Option<Result<R>>> = (0..items.len()).map(|_| None).collect();
    for (at, result) in finished {
        if let Some(slot) = results.get_mut(at) {
            *slot = Some(result);
        }
    }
    results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| Err(Error::Internal(format!("{path}: this item was lost"))))
        })
        .collect()
}

/// The result of an item whose turn came after the batch's deadline.
fn not_sent(path: &str, whole: Duration) -> Error {
    TransportError::new(
        path,
        TransportErrorKind::Timeout,
        format!(
            "not sent: the batch's time budget of {:.3} s (options[timeout]) ran out before \
             this item's turn",
            whole.as_secs_f64()
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use std::sync::atomic::AtomicUsize;

    fn exec() -> Executor {
        Executor::new("k", "s", Options::default())
    }

    #[test]
    fn results_keep_the_input_order_and_concurrency_is_bounded() {
        let exec = exec();
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let items: Vec<u64> = (0..40).collect();
        let batch = Batch::default().concurrency(3).unwrap();
        let results = run(&exec, &batch, "/x", &items, |item, _| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            // Later items finish first: the order of the results is not the order of the work.
            std::thread::sleep(Duration::from_millis(40 - item));
            running.fetch_sub(1, Ordering::SeqCst);
            if item % 7 == 3 {
                Err(Error::invalid("item", item.to_string()))
            } else {
                Ok(item * 10)
            }
        });
        assert_eq!(results.len(), 40);
        for (i, result) in results.iter().enumerate() {
            match result {
                Ok(value) => assert_eq!(*value, i as u64 * 10),
                Err(Error::InvalidArgument { reason, .. }) => assert_eq!(reason, &i.to_string()),
                Err(other) => panic!("{other:?}"),
            }
        }
        assert!(most.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn a_panic_or_the_deadline_costs_only_the_items_it_touches() {
        let exec = exec();
        let items = [0, 1, 2, 3];
        let batch = Batch::default().concurrency(1).unwrap();
        let results = run(&exec, &batch, "/x", &items, |item, _| {
            if *item == 1 {
                panic!("boom");
            }
            Ok(*item)
        });
        assert!(matches!(results[1], Err(Error::Internal(_))));
        assert_eq!(results[3].as_ref().ok(), Some(&3));

        let short = Batch::default()
            .concurrency(1)
            .unwrap()
            .timeout(0.05)
            .unwrap();
        let results = run(&exec, &short, "/x", &items, |item, budget| {
            assert!(budget.left() <= Duration::from_millis(50));
            std::thread::sleep(Duration::from_millis(60));
            Ok(*item)
        });
        assert_eq!(results[0].as_ref().ok(), Some(&0));
        for late in &results[1..] {
            let Err(Error::Transport(t)) = late else {
                panic!("{late:?}");
            };
            assert_eq!(t.kind, TransportErrorKind::Timeout);
            assert!(t.detail.contains("not sent"), "{}", t.detail);
        }
    }

    #[test]
    fn options_are_checked_and_named() {
        for bad in [0, 33, -1] {
            assert!(matches!(
                Batch::default().concurrency(bad),
                Err(Error::InvalidArgument { name, .. }) if name == "options[concurrency]"
            ));
        }
        assert!(matches!(
            Batch::default().timeout(0.0),
            Err(Error::InvalidArgument { name, .. }) if name == "options[timeout]"
        ));
        assert!(Batch::default().concurrency(32).is_ok());
    }
}
