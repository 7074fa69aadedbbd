//! The floor of the web scenario: a tiny HTTP/1.0 server on a unix socket (nginx proxies to it
//! as it passes requests to php-fpm), whose fixed number of worker threads each make one
//! DingTalk call per request, over connections and a token kept for the life of the process.
//! It stands for "a web request that makes one call, with no PHP at all".

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::Arc;
use std::thread;

use crate::api::Api;

/// Routes: the request path picks the DingTalk base URL.
pub struct Routes {
    pub http: Api,
    pub https: Api,
    pub user: String,
    pub limit: u32,
}

fn read_head(stream: &mut UnixStream) -> std::io::Result<String> {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

fn answer(routes: &Routes, head: &str) -> (u16, String) {
    let path = head.split_whitespace().nth(1).unwrap_or("");
    let api = match path {
        "/http" => &routes.http,
        "/https" => &routes.https,
        _ => return (404, format!("{{\"error\":\"no route {path}\"}}")),
    };
    match api.list(&routes.user, 0, routes.limit) {
        Ok(list) if list.len() == routes.limit as usize => {
            (200, format!("{{\"ok\":true,\"records\":{}}}", list.len()))
        }
        Ok(list) => (500, format!("{{\"error\":\"{} records\"}}", list.len())),
        Err(fail) => (500, serde_json::json!({ "error": fail }).to_string()),
    }
}

fn handle(routes: &Routes, mut stream: UnixStream) -> std::io::Result<()> {
    let head = read_head(&mut stream)?;
    let (status, body) = answer(routes, &head);
    let reason = if status == 200 { "OK" } else { "Error" };
    let reply = format!(
        "HTTP/1.0 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(reply.as_bytes())
}

/// Serves until killed.
pub fn serve(listener: UnixListener, routes: Routes, workers: usize) -> Result<(), String> {
    let routes = Arc::new(routes);
    let listener = Arc::new(listener);
    let threads: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let routes = Arc::clone(&routes);
            let listener = Arc::clone(&listener);
            thread::spawn(move || loop {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Err(e) = handle(&routes, stream) {
                            eprintln!("dingtalk-bench-floor: {e}");
                        }
                    }
                    Err(e) => eprintln!("dingtalk-bench-floor: accept: {e}"),
                }
            })
        })
        .collect();
    for thread in threads {
        thread
            .join()
            .map_err(|_| "a worker thread panicked".to_owned())?;
    }
    Ok(())
}
