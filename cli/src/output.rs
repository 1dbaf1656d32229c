//! What the command prints: plain text, coloured only when it goes to a terminal.

use std::io::IsTerminal;

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
    if !terminal || std::env::var_os("NO_COLOR").is_some() {
        return text.to_owned();
    }
    let code = match tone {
        Tone::Good => "32",
        Tone::Bad => "31",
        Tone::Note => "33",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Prints an error that stopped the command, on stderr.
pub fn error(message: &str) {
    let label = paint_for(std::io::stderr().is_terminal(), "error", Tone::Bad);
    eprintln!("{label}: {message}");
}
