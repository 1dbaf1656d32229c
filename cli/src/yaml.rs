//! Reading a YAML file that may be hostile, into a tree that is cheap to share.
//!
//! Three things make a small YAML file costly, and each is bounded here:
//! - Anchors and aliases: an alias repeats its anchored node wherever it is written, so a
//!   few kilobytes can stand for gigabytes. The tree is built node by node under a budget
//!   (twice the file's size in bytes, which a file without aliases never comes near, and
//!   what is left of [`SPARE_NODES`] shared by every file of a description), and a file
//!   that goes past it is refused.
//! - Flow collections (`[...]`, `{...}`) nested deep on one line: the YAML reader checks
//!   every opening of the line at every token, which is quadratic (100,000 levels take
//!   seconds per thousand). Each line is scanned first, and one whose flow collections
//!   may nest deeper than [`MAX_FLOW_DEPTH`], which no reader would take anyway, is
//!   refused before the reader sees it.
//! - Copies: a node is shared ([`Rc`]), so that following a `$ref` to it, however many
//!   times, copies nothing.
//!
//! Mapping keys are text, as OpenAPI means them: YAML reads `200:` or `true:` as a number
//! or a boolean, which no lookup by name would find; `1` and `'1'` are one key, written
//! twice. A key that is a list or a mapping has no such text and is refused. Tags are
//! read through (`!x value` is `value`).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use crate::openapi::Work;

/// How deep flow collections may nest on one line. The YAML reader refuses anything
/// nested deeper than this anyway (its recursion limit), but only once it has read the
/// whole file, which is where the time goes.
pub const MAX_FLOW_DEPTH: usize = 128;

/// The nodes the files of a description may hold beyond twice their size in bytes, all
/// files together: room for aliases that repeat a few schemas.
pub const SPARE_NODES: usize = 100_000;

/// A node of a YAML document.
#[derive(Debug)]
pub enum Yaml {
    Null,
    Bool(bool),
    /// A number, as YAML writes it back (`1`, `2.5`).
    Number(String),
    String(String),
    Seq(Vec<Rc<Yaml>>),
    Map(Map),
}

/// A mapping: its keys in the order written, each found in constant time (an object
/// schema may have thousands of properties, each looked up).
#[derive(Debug, Default)]
pub struct Map {
    entries: Vec<(Rc<str>, Rc<Yaml>)>,
    places: HashMap<Rc<str>, usize>,
}

impl Map {
    pub fn get(&self, key: &str) -> Option<&Rc<Yaml>> {
        self.places.get(key).and_then(|&place| self.entries.get(place)).map(|(_, value)| value)
    }

    /// The keys and values, in the order written.
    pub fn iter(&self) -> impl Iterator<Item = (&Rc<str>, &Rc<Yaml>)> {
        self.entries.iter().map(|(key, value)| (key, value))
    }

    /// Adds an entry; gives back `false`, adding nothing, when the key is taken.
    fn insert(&mut self, key: Rc<str>, value: Rc<Yaml>) -> bool {
        if self.places.contains_key(&key) {
            return false;
        }
        self.places.insert(Rc::clone(&key), self.entries.len());
        self.entries.push((key, value));
        true
    }
}

impl Yaml {
    /// The member `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Rc<Yaml>> {
        self.as_mapping().and_then(|map| map.get(key))
    }

    pub fn as_mapping(&self) -> Option<&Map> {
        match self {
            Yaml::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[Rc<Yaml>]> {
        match self {
            Yaml::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Yaml::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Yaml::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Yaml::Null)
    }
}

/// A problem of a YAML file: its message, and its line and column when the reader knows
/// them.
pub type Problem = (String, Option<(usize, usize)>);

/// Reads the YAML `text`, which may build `spare` nodes beyond twice its size; what it
/// builds of them is taken from `spare`.
pub fn read(text: &str, spare: &mut usize, work: &mut Work) -> Result<Rc<Yaml>, Problem> {
    if let Some((line, depth)) = deepest_flow_line(text, work) {
        return Err((
            format!(
                "flow collections (`[...]`, `{{...}}`) may nest {depth} deep on this line; more than \
                 {MAX_FLOW_DEPTH} is refused"
            ),
            Some((line, 1)),
        ));
    }
    let own = text.len().saturating_mul(2);
    let budget = own.saturating_add(*spare);
    let state = State {
        budget,
        spare: *spare,
        built: Cell::new(0),
        path: RefCell::new(Vec::new()),
        problem: RefCell::new(None),
    };
    let result = NodeSeed { state: &state }.deserialize(serde_norway::Deserializer::from_str(text));
    work.nodes += state.built.get();
    *spare = spare.saturating_sub(state.built.get().saturating_sub(own));
    // A problem found while building is the one to give: the reader only saw it as a
    // failure of its own.
    if let Some(problem) = state.problem.into_inner() {
        return Err((problem, None));
    }
    result.map_err(|err| {
        let at = err.location().map(|at| (at.line(), at.column()));
        // The place leads the message where the caller writes it; the reader's own
        // mention of it goes.
        let message = err.to_string();
        let message = match at {
            Some((line, column)) => {
                lago_webhooks_core::json::without_location(&message, line, column).into_owned()
            }
            None => message,
        };
        (message, at)
    })
}

/// The first line (1-based) whose flow collections may nest deeper than
/// [`MAX_FLOW_DEPTH`], with how deep.
///
/// How deep the reader will find them depends on what the line continues (a quoted
/// text, a plain one, or none), so each is tried and the deepest counts: brackets within
/// quotes are text, a `[` or `{` elsewhere opens a collection and a `]` or `}` closes one.
/// The count is of the levels opened on the line itself, those the reader checks at every
/// token; levels opened on earlier lines cost it nothing more. It may count a bracket of a
/// block scalar's text as an opening, never less than the reader opens.
fn deepest_flow_line(text: &str, work: &mut Work) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut line = 1;
    let mut start = 0;
    let mut index = 0;
    while index <= bytes.len() {
        // The reader's line breaks: \n, \r, and in UTF-8 NEL (C2 85), LS and PS (E2 80 A8/A9).
        let brk = match bytes.get(index) {
            None => Some(0),
            Some(b'\n' | b'\r') => Some(1),
            Some(0xC2) if bytes.get(index + 1) == Some(&0x85) => Some(2),
            Some(0xE2)
                if bytes.get(index + 1) == Some(&0x80)
                    && matches!(bytes.get(index + 2), Some(0xA8 | 0xA9)) =>
            {
                Some(3)
            }
            _ => None,
        };
        let Some(width) = brk else {
            index += 1;
            continue;
        };
        let segment = bytes.get(start..index).unwrap_or_default();
        let depth = [Lexed::Token, Lexed::Plain, Lexed::Single, Lexed::Double]
            .into_iter()
            .map(|from| {
                work.scanned += segment.len();
                flow_depth(segment, from)
            })
            .max()
            .unwrap_or(0);
        if depth > MAX_FLOW_DEPTH {
            return Some((line, depth));
        }
        // \r\n is one break.
        let width =
            if bytes.get(index) == Some(&b'\r') && bytes.get(index + 1) == Some(&b'\n') { 2 } else { width };
        line += 1;
        index += width.max(1);
        start = index;
    }
    None
}

/// Where the scan of a line is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lexed {
    /// Between tokens.
    Token,
    /// In plain text, where a quote is text.
    Plain,
    /// In a single-quoted text.
    Single,
    /// In a double-quoted text.
    Double,
    /// In an anchor or alias name.
    Anchor,
    /// In a tag.
    Tag,
}

/// How many flow collections nest at most within `line`, counted from its lowest point,
/// the scan starting in `from`. The rules are the YAML reader's for flow context, where
/// brackets are always collections outside quotes; in block context it counts more.
fn flow_depth(line: &[u8], from: Lexed) -> usize {
    let (mut state, mut depth, mut lowest, mut deepest) = (from, 0i64, 0i64, 0usize);
    let mut blank_before = true;
    let mut index = 0;
    while let Some(&c) = line.get(index) {
        let next = line.get(index + 1).copied();
        let blank_next = matches!(next, None | Some(b' ' | b'\t'));
        let blank = matches!(c, b' ' | b'\t');
        match state {
            Lexed::Single => {
                if c == b'\'' {
                    if next == Some(b'\'') {
                        index += 1;
                    } else {
                        state = Lexed::Token;
                    }
                }
            }
            Lexed::Double => {
                if c == b'\\' {
                    index += 1;
                } else if c == b'"' {
                    state = Lexed::Token;
                }
            }
            Lexed::Token | Lexed::Plain | Lexed::Anchor | Lexed::Tag => {
                // What ends an anchor's name ends it; a tag runs to a blank, and an
                // opening bracket in it is counted all the same (never fewer openings).
                if state == Lexed::Anchor && !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
                    state = Lexed::Token;
                }
                if state == Lexed::Tag && blank {
                    state = Lexed::Token;
                }
                match c {
                    b'[' | b'{' => {
                        depth += 1;
                        deepest = deepest.max(usize::try_from(depth - lowest).unwrap_or(0));
                        state = Lexed::Token;
                    }
                    _ if state == Lexed::Tag || state == Lexed::Anchor => {}
                    b']' | b'}' => {
                        depth -= 1;
                        lowest = lowest.min(depth);
                        state = Lexed::Token;
                    }
                    // A comment runs to the end of the line: at a token, or after a blank.
                    b'#' if state == Lexed::Token || blank_before => break,
                    b',' => state = Lexed::Token,
                    b':' | b'?' if state == Lexed::Token => {}
                    b':' if blank_next || matches!(next, Some(b',' | b'[' | b']' | b'{' | b'}')) => {
                        state = Lexed::Token;
                    }
                    b'\'' if state == Lexed::Token => state = Lexed::Single,
                    b'"' if state == Lexed::Token => state = Lexed::Double,
                    b'&' | b'*' if state == Lexed::Token => state = Lexed::Anchor,
                    b'!' if state == Lexed::Token => state = Lexed::Tag,
                    // A block scalar's header, a directive, or a character that starts no
                    // token: nothing more on the line opens a collection.
                    b'|' | b'>' | b'%' | b'@' | b'`' if state == Lexed::Token => break,
                    b'-' if state == Lexed::Token && blank_next => {}
                    _ if blank => {}
                    _ => state = Lexed::Plain,
                }
            }
        }
        blank_before = blank;
        index += 1;
    }
    deepest
}

/// What building a tree shares: the budget, where it is (for problems), and the first
/// problem.
struct State {
    budget: usize,
    /// The part of the budget beyond twice the file's size.
    spare: usize,
    built: Cell<usize>,
    /// The keys and indices from the root to the node being built.
    path: RefCell<Vec<Rc<str>>>,
    problem: RefCell<Option<String>>,
}

impl State {
    /// Counts a node; past the budget, the problem that stops the reading.
    fn count<E: de::Error>(&self) -> Result<(), E> {
        let built = self.built.get() + 1;
        self.built.set(built);
        if built > self.budget {
            return Err(self.fail(format!(
                "anchors and aliases expand it past {} nodes (twice its size in bytes, and {} more); \
                 refused",
                self.budget, self.spare
            )));
        }
        Ok(())
    }

    /// Remembers `problem` as the one to give, and an error that stops the reader.
    fn fail<E: de::Error>(&self, problem: String) -> E {
        self.problem.borrow_mut().get_or_insert(problem);
        E::custom("refused")
    }

    /// The JSON Pointer of the node being built, with `last` after it.
    fn pointer(&self, last: &str) -> String {
        let path = self.path.borrow();
        lago_webhooks_core::pointer::pointer(path.iter().map(|s| &**s).chain(std::iter::once(last)))
    }
}

/// Builds one node and what it holds.
#[derive(Clone, Copy)]
struct NodeSeed<'s> {
    state: &'s State,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Rc<Yaml>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Rc<Yaml>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Rc<Yaml>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a YAML node")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Rc<Yaml>, E> {
        self.state.count()?;
        Ok(Rc::new(Yaml::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Rc<Yaml>, E> {
        self.visit_unit()
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Rc<Yaml>, E> {
        self.state.count()?;
        Ok(Rc::new(Yaml::Bool(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Rc<Yaml>, E> {
        self.number(serde_norway::Number::from(value).to_string())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Rc<Yaml>, E> {
        self.number(serde_norway::Number::from(value).to_string())
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<Rc<Yaml>, E> {
        self.number(value.to_string())
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Rc<Yaml>, E> {
        self.number(value.to_string())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Rc<Yaml>, E> {
        self.number(serde_norway::Number::from(value).to_string())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Rc<Yaml>, E> {
        self.state.count()?;
        Ok(Rc::new(Yaml::String(value.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rc<Yaml>, A::Error> {
        self.state.count()?;
        let mut items = Vec::new();
        loop {
            self.state.path.borrow_mut().push(Rc::from(items.len().to_string()));
            let item = seq.next_element_seed(self);
            self.state.path.borrow_mut().pop();
            match item? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(Rc::new(Yaml::Seq(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Rc<Yaml>, A::Error> {
        self.state.count()?;
        let mut map = Map::default();
        while let Some(key) = access.next_key_seed(self)? {
            let key: Rc<str> = match &*key {
                Yaml::String(text) | Yaml::Number(text) => Rc::from(text.as_str()),
                Yaml::Bool(flag) => Rc::from(flag.to_string()),
                Yaml::Null => Rc::from("null"),
                Yaml::Seq(_) | Yaml::Map(_) => {
                    let at = self.state.pointer("");
                    let at = at.strip_suffix('/').unwrap_or(&at);
                    let at = if at.is_empty() { "/" } else { at };
                    return Err(self.state.fail(format!("{at}: a key that is not text")));
                }
            };
            self.state.path.borrow_mut().push(Rc::clone(&key));
            let value = access.next_value_seed(self);
            self.state.path.borrow_mut().pop();
            if !map.insert(Rc::clone(&key), value?) {
                let at = self.state.pointer(&key);
                return Err(self.state.fail(format!("{at}: the key is written twice")));
            }
        }
        Ok(Rc::new(Yaml::Map(map)))
    }

    /// A tagged node (`!x value`) is its value.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Rc<Yaml>, A::Error> {
        let (_tag, contents): (String, _) = data.variant()?;
        contents.newtype_variant_seed(self)
    }
}

impl NodeSeed<'_> {
    fn number<E: de::Error>(self, text: String) -> Result<Rc<Yaml>, E> {
        self.state.count()?;
        Ok(Rc::new(Yaml::Number(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(line: &str) -> usize {
        [Lexed::Token, Lexed::Plain, Lexed::Single, Lexed::Double]
            .into_iter()
            .map(|from| flow_depth(line.as_bytes(), from))
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn the_flow_depth_of_a_line_counts_what_it_opens_itself() {
        assert_eq!(depth("a: [[1, 2], {b: [c]}]"), 3);
        // Closings of earlier lines lower the point counted from.
        assert_eq!(depth("]]]] [[ ]] [[["), 3);
        // A comment is no collection; a quote hides its brackets only where a quote can
        // start, so a line is counted as every text it may continue.
        assert_eq!(depth("a: 1 # [[[["), 0);
        assert_eq!(flow_depth(b"[ '[[[[' ]", Lexed::Token), 1);
        assert_eq!(flow_depth(b"[a'b [[ ]]", Lexed::Token), 3, "a quote within plain text is text");
        assert_eq!(depth("x' [[["), 3, "what closes a quote begun on an earlier line");
        assert_eq!(flow_depth(b"[ !t]]] [[", Lexed::Token), 3, "a tag never closes a level");
        assert_eq!(flow_depth(b"key: |  [[[[", Lexed::Token), 0, "a block scalar's header");
    }

    #[test]
    fn a_line_nested_deeper_than_readers_take_is_refused_before_it_is_read() {
        let mut work = Work::default();
        let text = format!("a: 1\nb: {}{}\n", "[".repeat(200), "]".repeat(200));
        let (message, at) = read(&text, &mut { SPARE_NODES }, &mut work).unwrap_err();
        assert_eq!(at, Some((2, 1)));
        assert!(message.contains("may nest 200 deep on this line"), "{message}");
        assert_eq!(work.nodes, 0, "the reader never saw it");
        // Nested as deep over many lines, it is the reader's own limit that refuses it.
        let lines: String = (0..200).map(|_| "[\n").collect();
        let (message, _) =
            read(&format!("a: {lines}{}\n", "]".repeat(200)), &mut { SPARE_NODES }, &mut work).unwrap_err();
        assert!(message.contains("recursion limit exceeded"), "{message}");
    }

    #[test]
    fn keys_are_text_and_aliases_repeat_within_a_budget() {
        let mut work = Work::default();
        let tree = read("1: a\ntrue: b\n~: c\nx: !tag [1, 2.5]\n", &mut { SPARE_NODES }, &mut work).unwrap();
        let map = tree.as_mapping().unwrap();
        let keys: Vec<&str> = map.iter().map(|(key, _)| &**key).collect();
        assert_eq!(keys, ["1", "true", "null", "x"]);
        let numbers: Vec<_> =
            map.get("x").unwrap().as_sequence().unwrap().iter().map(|n| format!("{n:?}")).collect();
        assert_eq!(numbers, ["Number(\"1\")", "Number(\"2.5\")"]);
        let (message, _) = read("a:\n  1: x\n  '1': y\n", &mut { SPARE_NODES }, &mut work).unwrap_err();
        assert_eq!(message, "/a/1: the key is written twice");
        let (message, _) = read("a:\n  [b]: x\n", &mut { SPARE_NODES }, &mut work).unwrap_err();
        assert_eq!(message, "/a: a key that is not text");

        // One anchored list of 1,000 items, repeated by 1,000 aliases: 14 KB for a million
        // nodes.
        let items: String = (0..1000).map(|n| format!("{n},")).collect();
        let aliases: String = (0..1000).map(|n| format!("  k{n}: *list\n")).collect();
        let text = format!("list: &list [{items}]\nmany:\n{aliases}");
        let mut work = Work::default();
        let (message, _) = read(&text, &mut { SPARE_NODES }, &mut work).unwrap_err();
        assert!(message.contains("anchors and aliases expand it past"), "{message}");
        assert_eq!(work.nodes, text.len() * 2 + SPARE_NODES + 1, "it stops at the budget");
    }
}
