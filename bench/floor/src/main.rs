//! `dingtalk-bench-floor`: the benchmarks' floor. It makes the same DingTalk calls as the PHP
//! contenders, straight from Rust with the HTTP stack `dingtalk-core` uses, so that what it
//! measures is the transport alone.
//!
//! Settings come from the environment, as for the PHP contender scripts (see bench/README.md):
//! `DT_MODE` = `loop` | `cold` | `serve`, `DT_BASE_URL`, `DT_KEY`, `DT_SECRET`, `DT_USER`,
//! `DT_CA_FILE`; `loop`: `DT_MAX_CALLS`, `DT_MAX_SECONDS`; `serve`: `DT_SOCKET`, `DT_WORKERS`,
//! `DT_HTTP_URL`, `DT_HTTPS_URL`, `DT_LIMIT`. Results are one JSON line on stdout.

mod api;
mod serve;
mod stats;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::json;

use api::{Api, Fail};
use stats::Samples;

/// The record every contender creates.
const TITLE: &str = "Expense claim";
const URL: &str = "https://example.com/claims/1";
const FORMS: [(&str, &str); 2] = [("Applicant", "bench"), ("Amount", "42.00")];
/// Page size of the loop's `getbyuserid` calls.
const LIST_LIMIT: u32 = 50;

fn env(name: &str) -> Result<String, Fail> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> Result<T, Fail> {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .map_err(|_| format!("{name} is not a number: {text:?}")),
        Err(_) => Ok(default),
    }
}

fn ca_file() -> Option<String> {
    std::env::var("DT_CA_FILE").ok().filter(|f| !f.is_empty())
}

fn api(base: &str) -> Result<Api, Fail> {
    Api::new(
        base,
        &env("DT_KEY")?,
        &env("DT_SECRET")?,
        ca_file().as_deref(),
    )
}

/// N adds, then N pages of pending records: each phase stops at `DT_MAX_CALLS` calls or
/// `DT_MAX_SECONDS` seconds, the list phase also at the number of adds.
fn run_loop() -> Result<serde_json::Value, Fail> {
    let api = api(&env("DT_BASE_URL")?)?;
    let user = env("DT_USER")?;
    let max_calls: usize = env_num("DT_MAX_CALLS", 100_000)?;
    let max_time = Duration::from_secs_f64(env_num("DT_MAX_SECONDS", 3.0)?);

    let mut adds = Samples::default();
    let start = Instant::now();
    while adds.len() < max_calls && start.elapsed() < max_time {
        let t = Instant::now();
        api.add(&user, TITLE, URL, &FORMS)?;
        adds.push(t.elapsed());
    }
    let add_wall = start.elapsed();

    let mut lists = Samples::default();
    let expect = adds.len().min(LIST_LIMIT as usize);
    let start = Instant::now();
    while lists.len() < adds.len() && start.elapsed() < max_time {
        let t = Instant::now();
        let page = api.list(&user, 0, LIST_LIMIT)?;
        lists.push(t.elapsed());
        if page.len() != expect {
            return Err(format!(
                "getbyuserid gave {} records, {expect} expected",
                page.len()
            ));
        }
    }
    let list_wall = start.elapsed();

    let mut all = Samples::default();
    all.extend(&adds);
    all.extend(&lists);
    let mut result = all.summary(add_wall + list_wall);
    result["contender"] = json!("floor");
    result["mode"] = json!("loop");
    result["ops"] = json!({ "add": adds.summary(add_wall), "list": lists.summary(list_wall) });
    result["token_fetches"] = json!(api.token_fetches());
    Ok(result)
}

/// The first call of a fresh process, client set-up included.
fn run_cold() -> Result<serde_json::Value, Fail> {
    let start = Instant::now();
    let api = api(&env("DT_BASE_URL")?)?;
    api.add(&env("DT_USER")?, TITLE, URL, &FORMS)?;
    let first = start.elapsed();
    Ok(json!({
        "contender": "floor",
        "mode": "cold",
        "first_call_ms": first.as_secs_f64() * 1e3,
        "token_fetches": api.token_fetches(),
    }))
}

fn run_serve() -> Result<serde_json::Value, Fail> {
    let socket = env("DT_SOCKET")?;
    let routes = serve::Routes {
        http: api(&env("DT_HTTP_URL")?)?,
        https: api(&env("DT_HTTPS_URL")?)?,
        user: env("DT_USER")?,
        limit: env_num("DT_LIMIT", 10)?,
    };
    let _ = std::fs::remove_file(&socket);
    let listener = std::os::unix::net::UnixListener::bind(&socket)
        .map_err(|e| format!("cannot listen on {socket}: {e}"))?;
    serve::serve(listener, routes, env_num("DT_WORKERS", 2)?)?;
    Ok(json!({ "mode": "serve" }))
}

fn main() -> ExitCode {
    let mode = env_or("DT_MODE", "loop");
    let result = match mode.as_str() {
        "loop" => run_loop(),
        "cold" => run_cold(),
        "serve" => run_serve(),
        other => Err(format!("unknown DT_MODE {other:?} (loop, cold, serve)")),
    };
    match result {
        Ok(value) => {
            println!("{value}");
            ExitCode::SUCCESS
        }
        Err(fail) => {
            eprintln!("dingtalk-bench-floor: {fail}");
            ExitCode::FAILURE
        }
    }
}
