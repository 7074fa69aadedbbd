//! Build facts that `php --ri dingtalk` shows: the git commit, the compiler, and the versions of
//! the crates that do the work, as this build resolved them.
//!
//! Nothing here may fail the build: a fact that cannot be found is "unknown" (a build from a
//! source archive has no `.git`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Rows of the info table: (environment variable, path from this package to the crate in
/// `Cargo.lock`'s dependency graph).
const CRATES: [(&str, &[&str]); 3] = [
    ("DINGTALK_EXT_PHP_RS_VERSION", &["ext-php-rs"]),
    ("DINGTALK_REQWEST_VERSION", &["dingtalk-core", "reqwest"]),
    (
        "DINGTALK_RUSTLS_VERSION",
        &["dingtalk-core", "reqwest", "rustls"],
    ),
];

const UNKNOWN: &str = "unknown";

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();

    println!("cargo:rerun-if-changed=build.rs");
    let lock_file = root.join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock_file.display());
    let lock = std::fs::read_to_string(&lock_file)
        .map(|text| parse_lock(&text))
        .unwrap_or_default();
    for (variable, path) in CRATES {
        let version = resolve(&lock, &package, path).unwrap_or(UNKNOWN);
        println!("cargo:rustc-env={variable}={version}");
    }

    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let rustc = output(Command::new(rustc).arg("--version"))
        .map(|v| v.trim_start_matches("rustc ").to_owned())
        .unwrap_or_else(|| UNKNOWN.to_owned());
    println!("cargo:rustc-env=DINGTALK_RUSTC_VERSION={rustc}");

    let commit = git_commit(&root).unwrap_or_else(|| UNKNOWN.to_owned());
    println!("cargo:rustc-env=DINGTALK_GIT_COMMIT={commit}");
}

/// A command's trimmed stdout, if it ran and succeeded.
fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok().filter(|o| o.status.success())?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    output(Command::new("git").arg("-C").arg(root).args(args))
}

/// The commit checked out in this package's own repository; `None` without one. A source
/// archive unpacked inside some other repository must not report that repository's commit,
/// hence the check that the repository's top level is this package.
fn git_commit(root: &Path) -> Option<String> {
    let top = PathBuf::from(git(root, &["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != root.canonicalize().ok()? {
        return None;
    }
    // Built again when HEAD moves: HEAD itself, the branch it names, and packed refs.
    let mut watched = vec!["HEAD".to_owned(), "packed-refs".to_owned()];
    watched.extend(git(root, &["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(path) = git(root, &["rev-parse", "--git-path", &name]) {
            let path = root.join(path);
            // A missing file would make cargo run this script on every build.
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    git(root, &["rev-parse", "--short=12", "HEAD"])
}

/// One `[[package]]` of `Cargo.lock`: name, version and dependencies ("name" or "name version").
#[derive(Default)]
struct Locked {
    name: String,
    version: String,
    dependencies: Vec<String>,
}

/// The packages of a `Cargo.lock` (format version 3 or 4: one `key = value` per line, the
/// dependencies a list with one quoted entry per line).
fn parse_lock(text: &str) -> Vec<Locked> {
    let mut packages = Vec::new();
    let mut in_dependencies = false;
    for line in text.lines().map(str::trim) {
        if line == "[[package]]" {
            packages.push(Locked::default());
            in_dependencies = false;
            continue;
        }
        let Some(package) = packages.last_mut() else {
            continue;
        };
        if in_dependencies {
            if line.starts_with(']') {
                in_dependencies = false;
            } else {
                package
                    .dependencies
                    .push(line.trim_end_matches(',').trim_matches('"').to_owned());
            }
        } else if let Some(value) = line.strip_prefix("name = ") {
            package.name = value.trim_matches('"').to_owned();
        } else if let Some(value) = line.strip_prefix("version = ") {
            package.version = value.trim_matches('"').to_owned();
        } else if line.starts_with("dependencies = [") {
            in_dependencies = !line.ends_with(']');
        }
    }
    packages
}

/// The version of the crate reached from `from` through `path`, following the exact versions
/// the lock records (several versions of one crate may be locked; only the one used counts).
fn resolve<'l>(lock: &'l [Locked], from: &str, path: &[&str]) -> Option<&'l str> {
    let mut current = lock.iter().find(|p| p.name == from)?;
    for wanted in path {
        let dependency = current
            .dependencies
            .iter()
            .find(|d| d.split(' ').next() == Some(wanted))?;
        let mut words = dependency.split(' ');
        let _name = words.next();
        let version = words.next();
        current = lock.iter().find(|p| {
            p.name == *wanted
                && match version {
                    Some(v) => p.version == v,
                    None => true,
                }
        })?;
    }
    Some(&current.version)
}
