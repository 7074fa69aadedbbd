//! `dingtalk-emulator`: serve the emulator until SIGTERM or SIGINT.

mod cli;

use std::future::Future;
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
        Ok(Command::Run(options)) => match run(*options) {
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
        let shutdown = shutdown_signal(options.exit_with_stdin)?;
        announce(emulator.scheme(), addr);
        emulator.serve(listener, shutdown).await
    })
}

/// Prints the address as the first stdout line and flushes it at once. A closed
/// stdout is no reason to stop serving, so write errors are ignored.
fn announce(scheme: &str, addr: SocketAddr) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "listening on {scheme}://{addr}");
    let _ = stdout.flush();
}

/// A future that completes on SIGTERM or SIGINT, or, with `exit_with_stdin`, when stdin ends.
/// The handlers are installed here, before the address is announced, so a signal sent right
/// after reading the first line is never missed (the default action would kill the process
/// instead).
#[cfg(unix)]
fn shutdown_signal(exit_with_stdin: bool) -> io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let stdin_ended = stdin_end(exit_with_stdin);
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
            _ = stdin_ended => {}
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal(exit_with_stdin: bool) -> io::Result<impl Future<Output = ()> + Send + 'static> {
    let stdin_ended = stdin_end(exit_with_stdin);
    Ok(async {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = stdin_ended => {}
        }
    })
}

/// Completes when stdin reaches its end (or fails), read on a thread of its own; never when
/// `watch` is false. What stdin holds is thrown away.
fn stdin_end(watch: bool) -> impl Future<Output = ()> + Send + 'static {
    let end = watch.then(|| {
        let (ended, end) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
            let _ = ended.send(());
        });
        end
    });
    async move {
        match end {
            Some(end) => {
                let _ = end.await;
            }
            None => std::future::pending().await,
        }
    }
}
