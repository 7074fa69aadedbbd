//! `dingtalk-emulator`: serve the emulator until SIGTERM or SIGINT.

mod cli;

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use cli::{Command, Options};
use dingtalk_emulator::Emulator;

fn main() -> ExitCode {
    match cli::parse(std::env::args_os().skip(1)) {
        Ok(Command::Help) => {
            let _ = io::stdout().write_all(cli::HELP.as_bytes());
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            let _ = writeln!(
                io::stdout(),
                "dingtalk-emulator {}",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::SUCCESS
        }
        Ok(Command::Run(options)) => match run(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("dingtalk-emulator: {error}");
                ExitCode::FAILURE
            }
        },
        Err(reason) => {
            eprintln!("dingtalk-emulator: {reason} (see --help)");
            ExitCode::from(2)
        }
    }
}

fn run(options: Options) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&options.listen)
            .await
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot listen on {}: {e}", options.listen),
                )
            })?;
        let addr: SocketAddr = listener.local_addr()?;
        let emulator = Emulator::new(options.config)?;
        // Written before the address is announced, so a script that read the
        // first line can use the certificate straight away.
        if let (Some(path), Some(pem)) = (&options.cert_out, emulator.cert_pem()) {
            std::fs::write(path, pem).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
            })?;
        }
        announce(emulator.scheme(), addr);
        emulator.serve(listener, shutdown_signal()).await
    })
}

/// Prints the address as the first stdout line and flushes it at once. A closed
/// stdout is no reason to stop serving, so write errors are ignored.
fn announce(scheme: &str, addr: SocketAddr) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "listening on {scheme}://{addr}");
    let _ = stdout.flush();
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
