//! What the worker tells the script: each change of its connection to `options[on_state]`
//! (`function (string $state, array $info)`), and its counts to `stats()`.

use std::time::Duration;

use dingtalk_core::{StreamState, StreamStats};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::types::{ZendCallable, ZendHashTable, Zval};

use crate::php::arg_error::ArgError;
use crate::php::type_name::type_name;

/// `options[on_state]`: a callable, kept.
pub struct OnState(Zval);

impl OnState {
    /// The callable `value`, given as `name`; a `TypeError` for anything else.
    pub fn of(value: &Zval, name: &str) -> Result<OnState, ArgError> {
        if value.is_callable() {
            return Ok(OnState(value.shallow_clone()));
        }
        Err(ArgError::of_type(name, "callable", &type_name(value)))
    }

    /// Calls it with `state`; what it throws is left pending for the caller to look at.
    pub fn tell(&self, state: &StreamState) -> PhpResult<()> {
        let info = info(state)?;
        let name = state.name();
        let callable =
            ZendCallable::new(&self.0).map_err(|_| ArgError::not_callable("options[on_state]"))?;
        // Its return value means nothing.
        let _ = callable.try_call(vec![&name, &info]);
        Ok(())
    }
}

fn seconds(time: Duration) -> f64 {
    time.as_secs_f64()
}

/// `$info` of a state: `attempt` (connecting, connected, retrying), `host` (connected),
/// `reason` (disconnected, retrying), `draining` (disconnected), `pause` in seconds (retrying).
fn info(state: &StreamState) -> PhpResult<ZBox<ZendHashTable>> {
    let mut table = ZendHashTable::new();
    match state {
        StreamState::Connecting { attempt } => table.insert("attempt", i64::from(*attempt))?,
        StreamState::Connected { attempt, host } => {
            table.insert("attempt", i64::from(*attempt))?;
            table.insert("host", host.as_str())?;
        }
        StreamState::Disconnected { reason, draining } => {
            table.insert("reason", reason.as_str())?;
            table.insert("draining", *draining)?;
        }
        StreamState::Retrying {
            attempt,
            pause,
            reason,
        } => {
            table.insert("attempt", i64::from(*attempt))?;
            table.insert("pause", seconds(*pause))?;
            table.insert("reason", reason.as_str())?;
        }
    }
    Ok(table)
}

/// `stats()`: the counts (ints) and the last failure (a string or null).
pub fn stats_array(stats: &StreamStats) -> PhpResult<ZBox<ZendHashTable>> {
    let mut table = ZendHashTable::new();
    for (key, value) in [
        ("tickets", stats.tickets),
        ("connections", stats.connections),
        ("reconnects", stats.reconnects),
        ("failures", stats.failures),
        ("deliveries", stats.deliveries),
        ("duplicates", stats.duplicates),
    ] {
        table.insert(key, i64::try_from(value).unwrap_or(i64::MAX))?;
    }
    match &stats.last_failure {
        Some(reason) => table.insert("last_failure", reason.as_str())?,
        None => table.insert("last_failure", ())?,
    }
    Ok(table)
}
