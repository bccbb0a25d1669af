//! The shape of a suite file's YAML, with byte ranges, and the slicing trick
//! that lets the loader report one schema error per scenario instead of one
//! per file.
//!
//! serde stops at the first error of a document. To keep going, the loader
//! reads the file's event stream (serde-saphyr's own parser, `granit_parser`)
//! into a light [`Node`] tree of byte ranges, then deserializes each scenario
//! on its own from a [`piece`]: the scenario's lines alone, with whatever
//! precedes it on its first line blanked to spaces. Columns are unchanged;
//! lines and byte offsets are put back with the piece's [`Shift`]. Each
//! scenario costs its own size, so a large file with one error loads in
//! linear time. Nothing here interprets suite semantics.

use serde_saphyr::granit_parser::{Event, Parser};

/// A YAML node and the bytes it covers in the source.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A scalar, with its (unescaped) value.
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    Alias,
}

impl Node {
    /// The value of `key` when this node is a map with a scalar key `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(&k.kind, Kind::Scalar(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The deepest node that starts exactly at `offset`.
    pub fn at(&self, offset: usize) -> Option<&Node> {
        if offset < self.start || offset > self.end {
            return None;
        }
        let children: Vec<&Node> = match &self.kind {
            Kind::Seq(items) => items.iter().collect(),
            Kind::Map(entries) => entries.iter().flat_map(|(k, v)| [k, v]).collect(),
            _ => Vec::new(),
        };
        children
            .into_iter()
            .find_map(|c| c.at(offset))
            .or((self.start == offset).then_some(self))
    }

    /// The deepest map with a key that starts exactly at `offset`.
    pub fn map_with_key_at(&self, offset: usize) -> Option<&Node> {
        if offset < self.start || offset > self.end {
            return None;
        }
        match &self.kind {
            Kind::Seq(items) => items.iter().find_map(|c| c.map_with_key_at(offset)),
            Kind::Map(entries) => entries
                .iter()
                .find_map(|(_, v)| v.map_with_key_at(offset))
                .or_else(|| {
                    entries
                        .iter()
                        .any(|(k, _)| k.start == offset)
                        .then_some(self)
                }),
            _ => None,
        }
    }

    /// "a map", "a list", "nothing" or the scalar itself, for "found …" messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Map(_) => "a map".to_string(),
            Kind::Seq(_) => "a list".to_string(),
            Kind::Alias => "an alias".to_string(),
            Kind::Scalar(s) if s.is_empty() || s == "~" || s == "null" => "nothing".to_string(),
            Kind::Scalar(s) => {
                let short: String = s.chars().take(40).collect();
                let short = short.replace('\n', " ");
                if short.len() < s.len() {
                    format!("`{short}…`")
                } else {
                    format!("`{short}`")
                }
            }
        }
    }
}

/// Reads the first document of `text` into a tree; `Err` on a YAML syntax
/// error (the caller reports it through serde-saphyr for a uniform message).
pub(crate) fn tree(text: &str) -> Result<Option<Node>, ()> {
    enum Frame {
        Seq(usize, Vec<Node>),
        Map(usize, Vec<Node>),
    }
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    let offset = |m: &serde_saphyr::granit_parser::Marker| {
        m.byte_offset()
            .unwrap_or_else(|| char_to_byte(text, m.index()))
    };
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|_| ())?;
        let (start, end) = (offset(&span.start), offset(&span.end));
        let finished = match event {
            Event::Scalar(value, ..) => Some(Node {
                start,
                end,
                kind: Kind::Scalar(value.into_owned()),
            }),
            Event::Alias(_) => Some(Node {
                start,
                end,
                kind: Kind::Alias,
            }),
            Event::SequenceStart(..) => {
                stack.push(Frame::Seq(start, Vec::new()));
                None
            }
            Event::MappingStart(..) => {
                stack.push(Frame::Map(start, Vec::new()));
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(start, items)) => Some(Node {
                    start,
                    end,
                    kind: Kind::Seq(items),
                }),
                _ => return Err(()),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(start, items)) => {
                    let mut entries = Vec::new();
                    let mut items = items.into_iter();
                    while let (Some(k), Some(v)) = (items.next(), items.next()) {
                        entries.push((k, v));
                    }
                    Some(Node {
                        start,
                        end,
                        kind: Kind::Map(entries),
                    })
                }
                _ => return Err(()),
            },
            Event::DocumentEnd => break,
            _ => None,
        };
        if let Some(node) = finished {
            match stack.last_mut() {
                Some(Frame::Seq(_, items) | Frame::Map(_, items)) => items.push(node),
                None => root = Some(node),
            }
        }
    }
    Ok(root)
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(byte, _)| byte)
}

/// A copy of `text` where every byte outside `start..end` is a space, except
/// line breaks: the kept node stays at its own line and column.
pub(crate) fn keep_only(text: &str, start: usize, end: usize) -> String {
    let bytes: Vec<u8> = text
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            if (start..end).contains(&i) || b == b'\n' || b == b'\r' {
                b
            } else {
                b' '
            }
        })
        .collect();
    // Only whole characters were replaced by ASCII spaces, byte for byte, so
    // the result is valid UTF-8 as long as the range falls on char boundaries.
    String::from_utf8(bytes).unwrap_or_default()
}

/// A copy of `text` where each range is replaced by `0` and spaces (line
/// breaks kept): the file's outline without its scenarios.
pub(crate) fn stub_out(text: &str, ranges: &[(usize, usize)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for &(start, end) in ranges {
        for (i, b) in bytes
            .iter_mut()
            .enumerate()
            .take(end.min(text.len()))
            .skip(start)
        {
            if i == start {
                *b = b'0';
            } else if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// How far a piece cut out of a file sits from the file's start: what to add
/// to a place serde-saphyr reports in the piece to get the place in the file.
/// Pieces start at the beginning of a line, so columns need no shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Shift {
    /// Lines before the piece.
    pub lines: usize,
    /// Bytes before the piece.
    pub bytes: usize,
}

impl Shift {
    /// The place in the file of a place in the piece.
    pub fn apply(self, at: At) -> At {
        At {
            line: if at.line == 0 {
                0
            } else {
                at.line + self.lines
            },
            column: at.column,
            offset: at.offset.map(|o| o + self.bytes),
            len: at.len,
        }
    }
}

/// The node `start..end` of `text` cut out on its own, from the start of its
/// first line (what precedes it on that line blanked), and the shift back to
/// the file. `line_start` is the start of that line and `lines_before` the
/// number of lines before it. The cost is the node's size, not the file's,
/// so reading every scenario of a file this way stays linear.
pub(crate) fn piece(
    text: &str,
    (start, end): (usize, usize),
    (line_start, lines_before): (usize, usize),
) -> (String, Shift) {
    let piece = keep_only(&text[line_start..end], start - line_start, end - line_start);
    (
        piece,
        Shift {
            lines: lines_before,
            bytes: line_start,
        },
    )
}

/// Where a value sits in the source: 1-based line and column, and its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct At {
    pub line: usize,
    pub column: usize,
    pub offset: Option<usize>,
    pub len: Option<usize>,
}

impl At {
    pub fn of(location: &serde_saphyr::Location) -> At {
        let span = location.span();
        At {
            line: location.line() as usize,
            column: location.column() as usize,
            offset: span.byte_offset().map(|o| o as usize),
            len: span.byte_len().map(|l| l as usize),
        }
    }

    /// The place of byte `index` of `value`, when `value` is written on one
    /// line in the source as a plain or simply quoted scalar at `self`;
    /// otherwise the scalar's own place.
    pub fn inside(self, source: &str, value: &str, index: usize) -> At {
        let (Some(offset), Some(len)) = (self.offset, self.len) else {
            return self;
        };
        let Some(raw) = source.get(offset..offset + len) else {
            return self;
        };
        if value.contains('\n') || index > value.len() {
            return self;
        }
        let skip = if raw == value {
            0
        } else if (raw.starts_with('"') || raw.starts_with('\''))
            && raw.get(1..1 + value.len()) == Some(value)
        {
            1
        } else {
            return self;
        };
        let before = &value[..index];
        At {
            line: self.line,
            column: self.column + skip + before.chars().count(),
            offset: Some(offset + skip + index),
            len: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_ranges_cover_each_scenario() {
        let text = "suite: x\nscenarios:\n  - id: a\n    n: 1\n  - {id: b}\n  - id: c\nother: 1\n";
        let root = tree(text).unwrap().unwrap();
        let Kind::Seq(items) = &root.get("scenarios").unwrap().kind else {
            panic!()
        };
        let slices: Vec<&str> = items.iter().map(|n| &text[n.start..n.end]).collect();
        assert_eq!(slices, ["id: a\n    n: 1\n  ", "{id: b}", "id: c\n"]);
    }

    #[test]
    fn keep_only_preserves_places() {
        let text = "a: 1\n- é: 2\nb: 3\n";
        let start = text.find("é").unwrap();
        let kept = keep_only(text, start, start + "é: 2".len());
        assert_eq!(kept, "    \n  é: 2\n    \n");
        assert_eq!(stub_out("x: [ab, cd]\n", &[(4, 6)]), "x: [0 , cd]\n");
    }

    #[test]
    fn places_inside_a_scalar() {
        let source = "url: \"${a}${b\"\n";
        let at = At {
            line: 1,
            column: 6,
            offset: Some(5),
            len: Some(9),
        };
        assert_eq!(at.inside(source, "${a}${b", 4).column, 11);
    }
}
