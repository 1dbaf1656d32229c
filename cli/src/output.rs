//! What the command prints (plain text, coloured only when it goes to a terminal) and
//! how a command ends.

use std::io::IsTerminal;

/// The outcome of a command: `Ok(true)` when all is well (exit status 0), `Ok(false)`
/// when it reported problems in what it was asked to look at (1), `Err` when it could not
/// run: a file it cannot read, a spec it cannot work from, a service it cannot reach (2).
pub type Outcome = Result<bool, String>;

/// A colour for a word, when the stream is a terminal.
#[derive(Clone, Copy)]
pub enum Tone {
    Good,
    Bad,
    Note,
}

/// `text` in `tone` when stdout is a terminal, as is otherwise.
pub fn paint(text: &str, tone: Tone) -> String {
    paint_for(std::io::stdout().is_terminal(), text, tone)
}

fn paint_for(terminal: bool, text: &str, tone: Tone) -> String {
    // https://no-color.org: a set, non-empty NO_COLOR turns colour off.
    if !terminal || std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty()) {
        return text.to_owned();
    }
    let code = match tone {
        Tone::Good => "32",
        Tone::Bad => "31",
        Tone::Note => "33",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Writes a line to stdout. A reader that went away (`lago-webhooks generate | head`)
/// ends the command quietly, as for any command-line tool.
pub fn line(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_fmt(text).and_then(|()| stdout.write_all(b"\n")) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {err}");
        // The command could not do its job: 2, as for any `Err` outcome.
        std::process::exit(2);
    }
}

/// `println!` through [`line()`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}
pub(crate) use out;

/// Prints an error that stopped the command, on stderr. It may quote a file the command
/// read, so its control characters are escaped, line breaks and tabs aside (an error may
/// span lines).
pub fn error(message: &str) {
    let label = paint_for(std::io::stderr().is_terminal(), "error", Tone::Bad);
    eprintln!("{label}: {}", crate::controls::prose(message));
}
