//! Cargo run from inside a test, as a person would run it from a shell.
//!
//! `cargo test` gives the test process variables of its own (`CARGO_MANIFEST_DIR`,
//! `CARGO_PKG_*`, `CARGO_TARGET_TMPDIR`, ...). Passed on to a nested cargo they reach build
//! scripts, and one that reruns when such a variable changes (ring's does, for
//! `CARGO_MANIFEST_DIR`) is rebuilt with everything above it: the nested build and the
//! next `cargo test` then each rebuild half the tree for the other.

use std::process::Command;

/// The variables cargo sets for the test process, none of which a shell has.
fn set_by_cargo_for_tests(name: &str) -> bool {
    ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "CARGO_RUSTC_CURRENT_DIR", "OUT_DIR"]
            .contains(&name)
}

/// The cargo that runs this test, with the environment a shell would give it.
pub fn command() -> Command {
    let mut cargo = Command::new(env!("CARGO"));
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_for_tests) {
            cargo.env_remove(name);
        }
    }
    cargo
}

/// Cargo for a crate outside the workspace, built in the workspace's own target directory
/// with the workspace's dev profile (`debug = "line-tables-only"`, from the root
/// manifest, which a crate outside does not read): every dependency it shares with the
/// workspace, same version and features, is then the one `cargo test` has already built,
/// instead of a third build of the tree beside the workspace's and trybuild's. Cargo
/// holds its lock on the directory only while it builds, not while the tests run.
pub fn outside() -> Command {
    let mut cargo = command();
    cargo.env("CARGO_TARGET_DIR", target()).env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only");
    cargo
}

/// Says on the terminal, past the test harness's capture, that a nested build starts:
/// it can take minutes on a cold machine, while the harness prints nothing until the
/// test ends, and a suite silent for minutes looks hung.
pub fn announce(what: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "    suite: {what} (a nested cargo build: minutes when cold)");
}

/// Where [`outside`] puts a program it builds.
pub fn outside_binary(name: &str) -> std::path::PathBuf {
    target().join("debug").join(name)
}

/// The workspace's target directory: the one holding `CARGO_TARGET_TMPDIR`.
fn target() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("tmp is in the target directory")
}

#[test]
fn a_nested_cargo_sees_none_of_the_test_variables() {
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some(), "cargo test sets it");
    let cargo = command();
    let removed: Vec<_> =
        cargo.get_envs().filter(|(_, value)| value.is_none()).map(|(name, _)| name).collect();
    assert!(removed.iter().any(|name| *name == "CARGO_MANIFEST_DIR"));
    assert!(removed.iter().any(|name| *name == "CARGO_PKG_NAME"));
    assert!(!removed.iter().any(|name| *name == "PATH" || *name == "CARGO_HOME"));
}
