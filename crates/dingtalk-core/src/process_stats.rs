//! What this process holds and has done, for every app together: what `php --ri dingtalk`
//! shows. Counts only, never a key, a secret or a token.

use crate::{auth, counters, http};

/// A snapshot of this process's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcessStats {
    /// Apps whose access token this process holds, unexpired.
    pub apps_with_token: u64,
    /// HTTP clients (each a thread and its keep-alive connections) in the pool, built here.
    pub http_clients: u64,
    /// API requests sent, every app together (each attempt counts).
    pub requests: u64,
    /// Token fetches sent, every app together.
    pub token_fetches: u64,
    /// Extra attempts after a failure, every app together.
    pub retries: u64,
}

/// This process's state now.
pub fn process_stats() -> ProcessStats {
    let totals = counters::process_totals();
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
    ProcessStats {
        apps_with_token: count(auth::apps_with_token()),
        http_clients: count(http::pool::clients_built_here()),
        requests: totals.requests,
        token_fetches: totals.token_fetches,
        retries: totals.retries,
    }
}
