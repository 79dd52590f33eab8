//! The line reader under every CSV input. [`Lines`] sits between a file
//! and the csv crate and notes where the line ends and quotes are in what it
//! passes on: the csv crate's own line numbers leave out blank lines, so a
//! record's line in the file is told from these ([`line_of`]), and a quote
//! misplaced so that it takes the rows after it into one field is found
//! ([`misquoted`], [`Misquote`]). The readers make one with [`csv_reader`];
//! a batch's incidents, which read on past such a quote, with
//! [`read_on_from`] and [`line_start`]. The header and row helpers in
//! `input` build on it.

use std::io::{self, Read};

/// A CSV reader configured as goodwill reads every input: headers, any
/// number of fields per row (checked by the caller), UTF-8 BOM tolerated.
pub fn csv_reader<R: Read>(input: R) -> csv::Reader<Lines<R>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(Lines::new(input))
}

/// Makes `reader` read on from byte `at` of its input, where line `line`
/// starts, as if that line came just after the header: the reading that a
/// misplaced quote took past the line it opened on starts again after it.
pub fn read_on_from<R: Read + io::Seek>(
    reader: &mut csv::Reader<Lines<R>>,
    at: usize,
    line: u64,
) -> Result<(), csv::Error> {
    let mut position = csv::Position::new();
    position.set_byte(at as u64).set_line(line);
    reader.seek_raw(io::SeekFrom::Start(at as u64), position)?;
    reader.get_mut().lines = line - 1;
    Ok(())
}

/// A reader that notes where the line ends it passes on are, so that a
/// record's line in the file can be told from where the csv reader says it
/// is: the csv crate's own line numbers leave out blank lines, and the line
/// ends of CRLF files until the next record. A line ends as the csv crate
/// ends it: at `\n`, `\r\n` or a lone `\r`.
#[derive(Debug)]
pub struct Lines<R> {
    inner: R,
    /// The bytes passed on so far.
    passed: u64,
    /// Where the `\r` and `\n` bytes not yet looked past are, and which.
    ends: std::collections::VecDeque<(u64, u8)>,
    /// The line ends looked past.
    lines: u64,
    /// Where the last `\r` looked past is: a `\n` just after it ends the same line.
    last_cr: Option<u64>,
    /// Where the text passed on is with respect to quotes, as the csv crate reads it.
    quote: Quote,
    /// The last byte passed on (a line feed before the first).
    last: u8,
    /// Where text follows the quote that closed a quoted field (`"chat"x`,
    /// `"chat" x`), with where that field opened, in file order: the csv
    /// crate reads on to the next comma, so a quote misplaced this way takes
    /// the lines between the two quotes into one field.
    strays: std::collections::VecDeque<(u64, u64)>,
    /// A quoted field closed with nothing but blanks after it so far, at the
    /// end of the text passed on: where it opened, and whether the next byte
    /// is the one just after the closing quote.
    after_close: Option<(u64, bool)>,
    /// Whether the input has given its last byte.
    done: bool,
    /// The most the next read passes on, doubled at each: after a seek, a
    /// reader that may be sent on again after a few rows does not look
    /// through a whole buffer's worth of the text first.
    chunk: usize,
}

/// Where a text is with respect to quotes, as the csv crate reads it: a
/// quote at the start of a field opens a quoted field, which only a quote
/// not doubled closes; any other quote is a plain character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    /// Outside a quoted field.
    Out,
    /// Inside a quoted field opened at this byte.
    In(u64),
    /// Just past a quote (at the second byte) inside a quoted field opened
    /// at the first: the field closed, unless the next byte is a quote too.
    Closing(u64, u64),
}

impl<R> Lines<R> {
    fn new(inner: R) -> Self {
        Lines {
            inner,
            passed: 0,
            ends: std::collections::VecDeque::new(),
            lines: 0,
            last_cr: None,
            quote: Quote::Out,
            last: b'\n',
            strays: std::collections::VecDeque::new(),
            after_close: None,
            done: false,
            chunk: usize::MAX,
        }
    }

    /// Looks past the quote that closed the quoted field opened at `open`,
    /// from `buf[from]` (byte `at` of the text is `buf[0]`; `next` when
    /// `buf[from]` is the byte just after the quote): blanks, then a comma,
    /// a line end or the end are well placed, and so is the quote that
    /// doubles it; anything else is text the csv crate would add to the
    /// field. Blanks up to the end of `buf` leave the question to the next read.
    fn look_past_close(&mut self, open: u64, buf: &[u8], from: usize, at: u64, mut next: bool) {
        for (i, &b) in buf.iter().enumerate().skip(from) {
            match b {
                b'"' if next => return,
                b' ' | b'\t' => next = false,
                b',' | b'\n' | b'\r' => return,
                _ => {
                    self.strays.push_back((open, at + i as u64));
                    return;
                }
            }
        }
        self.after_close = Some((open, next));
    }

    /// The lines where a quoted field opened and where text follows its
    /// closing quote, for the first such field of the record the csv reader
    /// just read (bytes `from` to `to`) that spans a line end. Calls must
    /// come in file order.
    fn stray_quote(&mut self, from: u64, to: u64) -> Option<(u64, u64)> {
        let mut found = None;
        while let Some(&(open, at)) = self.strays.front() {
            if at >= to {
                break;
            }
            self.strays.pop_front();
            if at >= from && found.is_none() {
                let opened = self.line_at(open);
                let closed = self.line_at(at);
                found = (opened != closed).then_some((opened, closed));
            }
        }
        found
    }

    /// Where the quote that the text passed on so far leaves open was
    /// opened, if one is open: at the end of the input, a quote never
    /// closed, which the csv crate takes as running to the end, the rest of
    /// the file in one field.
    pub fn open_quote(&self) -> Option<u64> {
        match self.quote {
            Quote::In(at) => Some(at),
            Quote::Out | Quote::Closing(..) => None,
        }
    }

    /// Whether the whole input has been passed on.
    pub fn done(&self) -> bool {
        self.done
    }

    /// Follows the quotes of the next `buf`, which starts at byte `at` of the
    /// text: only the quotes are looked at (found with memchr), so that a
    /// file without quotes costs one scan for them.
    fn follow_quotes(&mut self, buf: &[u8], at: u64) {
        if let Some((open, next)) = self.after_close.take() {
            self.look_past_close(open, buf, 0, at, next);
        }
        for q in memchr::memchr_iter(b'"', buf) {
            let here = at + q as u64;
            self.quote = match self.quote {
                Quote::In(open) => {
                    self.look_past_close(open, buf, q + 1, at, true);
                    Quote::Closing(open, here)
                }
                // A doubled quote is a quote in the field.
                Quote::Closing(open, close) if here == close + 1 => Quote::In(open),
                // Outside a quoted field (the last one closed), a quote opens
                // one only at the start of a field; the first field starts
                // after a BOM, which the csv crate skips.
                Quote::Out | Quote::Closing(..) => {
                    let before = if q == 0 { self.last } else { buf[q - 1] };
                    if matches!(before, b',' | b'\n' | b'\r') || (here == 3 && before == 0xBF) {
                        Quote::In(here)
                    } else {
                        Quote::Out
                    }
                }
            };
        }
        if let Some(&b) = buf.last() {
            self.last = b;
        }
    }

    /// The 1-based line of a record the csv reader places at byte `at` (or
    /// of an error there): the line of the first byte from `at` on that does
    /// not end a line. Calls must come in file order.
    pub fn line_at(&mut self, at: u64) -> u64 {
        let mut next = at;
        while let Some(&(offset, byte)) = self.ends.front() {
            // Before `at`, or the blank lines and line end the csv reader stops short of.
            if offset > next {
                break;
            }
            if offset == next {
                next += 1;
            }
            if byte == b'\r' {
                self.lines += 1;
                self.last_cr = Some(offset);
            } else if self.last_cr.map(|cr| cr + 1) != Some(offset) {
                self.lines += 1;
            }
            self.ends.pop_front();
        }
        self.lines + 1
    }
}

/// Seeking starts the bookkeeping again at the new place, taken to be the
/// start of a line outside any quoted field: the caller says which line
/// (`lines`). The reads after pass on a few KiB at first, and twice as much
/// at each: a reader may be sent on again after a few rows.
impl<R: io::Seek> io::Seek for Lines<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let at = self.inner.seek(pos)?;
        self.passed = at;
        self.ends.clear();
        self.lines = 0;
        self.last_cr = None;
        self.quote = Quote::Out;
        self.last = b'\n';
        self.strays.clear();
        self.after_close = None;
        self.done = false;
        self.chunk = 4 << 10;
        Ok(at)
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(self.chunk);
        self.chunk = self.chunk.saturating_mul(2);
        let buf = &mut buf[..want];
        let mut n = self.inner.read(buf)?;
        // The csv crate skips a BOM only when its first read holds all of
        // it, and takes a first read of just the BOM for the end of the
        // input: a pipe may well give the first bytes in a read of their own.
        while self.passed == 0 && (1..FIRST_READ).contains(&n) && n < buf.len() {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(more) => n += more,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.done |= n == 0 && !buf.is_empty();
        for at in memchr::memchr2_iter(b'\r', b'\n', &buf[..n]) {
            self.ends.push_back((self.passed + at as u64, buf[at]));
        }
        self.follow_quotes(&buf[..n], self.passed);
        self.passed += n as u64;
        Ok(n)
    }
}

/// The least a first read of a CSV file gives the csv crate, the end of
/// the input aside: a BOM and the byte after it.
const FIRST_READ: usize = 4;

/// The line of a record (or an error) at `position`, which the csv reader gave.
pub fn line_of<R: Read>(reader: &mut csv::Reader<Lines<R>>, position: Option<&csv::Position>) -> u64 {
    position.map_or(0, |p| reader.get_mut().line_at(p.byte()))
}

/// A quote that takes other rows into a field: the csv crate reads on
/// through the lines after it, rows and all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misquote {
    /// A quote opened on line `opened` and never closed: the rest of the
    /// file is in its field.
    Unclosed { opened: u64 },
    /// A quoted field of the record at `line`, opened on line `opened` and
    /// closed on line `closed` with text after it (`"chat` ... `chat"x`):
    /// the csv crate reads on to the next comma, so the lines between are
    /// in that field.
    Stray { line: u64, opened: u64, closed: u64 },
}

impl Misquote {
    /// The line to report: the quote's when it is never closed, the record's otherwise.
    pub fn line(&self) -> u64 {
        match *self {
            Misquote::Unclosed { opened } => opened,
            Misquote::Stray { line, .. } => line,
        }
    }

    /// The line the misplaced quote is on: the lines after it are the ones
    /// it takes into its field.
    pub fn opened(&self) -> u64 {
        match *self {
            Misquote::Unclosed { opened } | Misquote::Stray { opened, .. } => opened,
        }
    }

    /// Why the row is refused, where a misplaced quote stops the reading of its file.
    pub fn reason(&self) -> String {
        match *self {
            Misquote::Unclosed { .. } => UNCLOSED_QUOTE.to_string(),
            Misquote::Stray { line, closed, .. } => format!(
                "a quote opened on {} is closed on line {closed} with text after it, so the lines between \
                 are in one field: is a quote misplaced?",
                self.on(line)
            ),
        }
    }

    /// Why the row at `line` is refused, where the reading goes on at the
    /// line after the quote's, as a batch's incidents do.
    pub fn reason_read_on(&self, line: u64) -> String {
        let on = self.on(line);
        match *self {
            Misquote::Unclosed { .. } => {
                format!("a quote opened on {on} is never closed (the lines after it are read as rows of their own)")
            }
            Misquote::Stray { closed, .. } => format!(
                "a quote opened on {on} is closed on line {closed} with text after it: is a quote misplaced? \
                 (the lines after it are read as rows of their own)"
            ),
        }
    }

    /// The quote's line as said in the message of the row at `line`.
    fn on(&self, line: u64) -> String {
        line_from(self.opened(), line)
    }
}

/// Line `at` as the message of the row at `line` says it: `this line`, or `line 7`.
pub(crate) fn line_from(at: u64, line: u64) -> String {
    if at == line {
        "this line".to_string()
    } else {
        format!("line {at}")
    }
}

/// Whether the record just read, at `line`, takes other rows into a field
/// through a misplaced quote. Call after each record, once its line is
/// known, with the position the csv reader gave it.
pub fn misquoted<R: Read>(
    reader: &mut csv::Reader<Lines<R>>,
    start: Option<&csv::Position>,
    line: u64,
) -> Option<Misquote> {
    // A stray comes first: a quote never closed can only be the record's last.
    let from = start.map_or(0, csv::Position::byte);
    let to = reader.position().byte();
    if let Some((opened, closed)) = reader.get_mut().stray_quote(from, to) {
        return Some(Misquote::Stray { line, opened, closed });
    }
    unclosed_quote(reader).map(|opened| Misquote::Unclosed { opened })
}

/// Where line `target` of `text` starts, given that the first byte from
/// `from` on that does not end a line is on line `line`, as
/// [`Lines::line_at`] counts them (a line ends at `\n`, `\r\n` or a lone
/// `\r`); `None` when the text ends first.
pub(crate) fn line_start(text: &[u8], from: usize, line: u64, target: u64) -> Option<usize> {
    let mut at = from + text[from..].iter().position(|b| !matches!(b, b'\r' | b'\n'))?;
    for _ in line..target {
        let end = at + memchr::memchr2(b'\r', b'\n', &text[at..])?;
        at = end + 1 + usize::from(text[end] == b'\r' && text.get(end + 1) == Some(&b'\n'));
    }
    Some(at)
}

/// Why a row whose quote is never closed is refused: the csv crate reads
/// the rest of the file into its field, rows and all.
pub(super) const UNCLOSED_QUOTE: &str =
    "a quote opened on this line is never closed: the rest of the file would be one field";

/// The line of a quote never closed, when the record just read ran into
/// the end of the file through it. Call after each record, once its line is
/// known. (The csv crate reads on past a record only to finish one: a
/// quote still open once the input is done is in the last record.)
pub(super) fn unclosed_quote<R: Read>(reader: &mut csv::Reader<Lines<R>>) -> Option<u64> {
    let lines = reader.get_mut();
    let at = lines.open_quote().filter(|_| lines.done())?;
    Some(lines.line_at(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Header, field, for_each_row, parse_number};

    /// A reader that gives at most `max` bytes a call, so that quotes and
    /// what comes before them fall on either side of a read.
    struct Trickle<'a> {
        text: &'a [u8],
        max: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.max.min(buf.len()).min(self.text.len());
            buf[..n].copy_from_slice(&self.text[..n]);
            self.text = &self.text[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_quote_left_open_at_the_end_is_found_as_the_csv_crate_reads_it() {
        // Random texts of the bytes that matter to quoting. Whether the csv
        // crate ends inside a quoted field: then a record `Z,Z` added at the
        // end is taken into that field, and is not read as a record.
        let alphabet = [b'"', b'"', b',', b'\n', b'\r', b'a', b' '];
        let mut seed = 11u64;
        let mut open = 0;
        for case in 0..5_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = (seed >> 33) as usize % 14;
            let mut text: Vec<u8> = if case % 5 == 0 {
                b"\xEF\xBB\xBF".to_vec()
            } else {
                Vec::new()
            };
            for k in 0..len {
                text.push(alphabet[(seed >> (3 * k % 30)) as usize % alphabet.len()]);
            }
            let marked = [text.as_slice(), b"\nZ,Z\n"].concat();
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(marked.as_slice());
            let last = r.byte_records().map(Result::unwrap).last();
            let expected = last.is_none_or(|rec| rec.iter().collect::<Vec<_>>() != [b"Z", b"Z"]);
            for max in [1, 2, 3, 64] {
                let mut r = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(Lines::new(Trickle { text: &text, max }));
                for rec in r.byte_records() {
                    rec.unwrap();
                }
                let found = r.get_ref().open_quote();
                assert_eq!(
                    found.is_some(),
                    expected,
                    "{:?}, {max} bytes a read",
                    String::from_utf8_lossy(&text)
                );
                if let Some(at) = found {
                    assert_eq!(text[at as usize], b'"');
                }
            }
            open += usize::from(expected);
        }
        assert!(open > 500, "both outcomes are tried: {open} open");
    }

    #[test]
    fn a_bom_read_in_pieces_is_skipped() {
        // A pipe may give the BOM, or part of it, in a read of its own.
        let text = "\u{feff}customer_id,n\nC1,2\n".as_bytes();
        for max in [1, 2, 3, 4, 64] {
            let mut r = csv_reader(Trickle { text, max });
            let h = Header::read(&mut r, "f.csv").unwrap();
            assert_eq!(h.names(), ["customer_id", "n"], "{max} bytes a read");
            let mut rows = 0;
            for_each_row(&mut r, "f.csv", |rec, line| {
                assert_eq!((&rec[0], line), (&b"C1"[..], 2));
                rows += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(rows, 1, "{max} bytes a read");
        }
        // A BOM alone is an empty file.
        let mut r = csv_reader(Trickle {
            text: b"\xEF\xBB\xBF",
            max: 1,
        });
        assert_eq!(
            Header::read(&mut r, "f.csv").err().unwrap().to_string(),
            "`f.csv`: the file is empty: a header row is required"
        );
    }

    #[test]
    fn text_after_a_quote_closing_a_field_on_a_later_line_is_an_error_at_its_row() {
        // The csv crate reads `"2\nC,3"x` as one field, row C and all.
        let reason = |on: &str, closed: u64| {
            format!(
                "a quote opened on {on} is closed on line {closed} with text after it, so the lines between \
                 are in one field: is a quote misplaced?"
            )
        };
        for (data, line, message) in [
            ("id,n\nA,1\nB,\"2\nC,3\"x\nD,4\n", 3, reason("this line", 4)),
            ("id,n\r\nA,1\r\nB,\"2\r\nC,3\"x\r\nD,4\r\n", 3, reason("this line", 4)),
            // Blanks, then text: the same to the csv crate.
            ("id,n\nA,1\nB,\"2\nC,3\"  x\nD,4\n", 3, reason("this line", 4)),
            // A harmless stray on the row's first line, then one across lines.
            ("id,n,m\nA,1,2\nB,\"2\"x,\"3\nC\"x\nD,4,5\n", 3, reason("this line", 4)),
            // A row that spans lines in a well-quoted field first.
            (
                "id,n,m\nA,1,2\nB,\"2\n2\",\"3\nC\"\"\"x\nD,4,5\n",
                3,
                reason("line 4", 5),
            ),
        ] {
            for max in [1, 2, 3, 1 << 20] {
                let mut r = csv_reader(Trickle {
                    text: data.as_bytes(),
                    max,
                });
                Header::read(&mut r, "f.csv").unwrap();
                let mut seen = Vec::new();
                let err = for_each_row(&mut r, "f.csv", |rec, _| {
                    seen.push(String::from_utf8_lossy(&rec[0]).into_owned());
                    Ok(())
                })
                .expect_err(data);
                assert_eq!(
                    err.to_string(),
                    format!("`f.csv`: line {line}: {message}"),
                    "{data:?} {max}"
                );
                assert_eq!(seen, ["A"], "{data:?} {max}");
            }
        }
        // A closing quote followed by a comma, a line end, the end, blanks or
        // its double is well placed; so is a quote inside an unquoted field;
        // text after a quote on the line it opened only joins its field.
        for data in [
            "id,n\nA,\"1\",2\n",
            "id,n\nA,\"1\"\r\nB,2",
            "id,n\nA,\"1\"",
            "id,n\nA,\"1\" ,2\n",
            "id,n\nA,\"1\"  \nB,2\n",
            "id,n\nA,\"1\"\"x\"\n",
            "id,n\nA,1\"x\n",
            "id,n\nA,\"O\"Brien\nB,\"1\" x\n",
        ] {
            for max in [1, 1 << 20] {
                let mut r = csv_reader(Trickle {
                    text: data.as_bytes(),
                    max,
                });
                Header::read(&mut r, "f.csv").unwrap();
                assert!(for_each_row(&mut r, "f.csv", |_, _| Ok(())).is_ok(), "{data:?}");
            }
        }
    }

    #[test]
    fn line_start_counts_lines_as_the_line_finder_does() {
        // From a record at byte 2 on line 2 (after `a\n`), where lines 3 and 4 start.
        for text in ["a\nbc\nde\nf", "a\r\nbc\r\nde\r\nf", "a\rbc\rde\rf"] {
            let from = text.find('b').unwrap();
            let d = text.find('d').unwrap();
            let f = text.find('f').unwrap();
            assert_eq!(line_start(text.as_bytes(), from, 2, 2), Some(from), "{text:?}");
            assert_eq!(line_start(text.as_bytes(), from, 2, 3), Some(d), "{text:?}");
            assert_eq!(line_start(text.as_bytes(), from, 2, 4), Some(f), "{text:?}");
            assert_eq!(line_start(text.as_bytes(), from, 2, 5), None, "{text:?}");
        }
        // A record placed at the line end before it, as the csv crate places
        // the records of a CRLF file, and blank lines before it.
        let text = b"a\r\n\r\nbc\r\nd";
        assert_eq!(line_start(text, 2, 3, 4), Some(9));
        // The line after the last line end is empty, and starts at the end.
        assert_eq!(line_start(b"a\nbc\n", 2, 2, 3), Some(5));
    }

    #[test]
    fn a_quote_never_closed_is_an_error_at_its_line() {
        // In the last column the row has the right number of fields: the rows
        // after it would vanish into it.
        for (data, line) in [
            ("id,n\nA,1\nB,\"2\nC,3\nD,4\n", 3),
            ("id,n\r\nA,1\r\n\r\nB,\"2\r\nC,3\r\n", 4),
            ("id,n\nA,\"1\nx\"\nB,\"2", 4),
            ("id,n\rA,1\rB,\"", 3),
        ] {
            let mut r = csv_reader(data.as_bytes());
            Header::read(&mut r, "f.csv").unwrap();
            let mut seen = Vec::new();
            let err = for_each_row(&mut r, "f.csv", |rec, line| {
                seen.push((String::from_utf8_lossy(&rec[0]).into_owned(), line));
                Ok(())
            })
            .expect_err(data);
            assert_eq!(
                err.to_string(),
                format!("`f.csv`: line {line}: {UNCLOSED_QUOTE}"),
                "{data:?}"
            );
            assert_eq!(seen[0].0, "A", "{data:?}");
            assert!(seen.iter().all(|(id, _)| id != "B"), "the row is refused: {data:?}");
        }
        // In the header, the rows would be read as column names.
        for data in ["id,\"n\nA,1\n", "\n\nid,n,\"\"\"\nA,1"] {
            let mut r = csv_reader(data.as_bytes());
            let err = Header::read(&mut r, "f.csv").err().unwrap();
            let line = if data.starts_with('\n') { 3 } else { 1 };
            assert_eq!(
                err.to_string(),
                format!("`f.csv`: line {line}: {UNCLOSED_QUOTE}"),
                "{data:?}"
            );
        }
        // Quotes closed, doubled, or inside a field are no open quote.
        for data in [
            "id,n\nA,\"1\"\n",
            "id,n\nA,\"1\"\"\"",
            "id,n\nA,1\"\n",
            "id,n\nA,\"\"",
            "id,n\nA, \"1",
        ] {
            let mut r = csv_reader(data.as_bytes());
            Header::read(&mut r, "f.csv").unwrap();
            assert!(for_each_row(&mut r, "f.csv", |_, _| Ok(())).is_ok(), "{data:?}");
        }
    }

    #[test]
    fn crlf_and_cr_files_report_the_same_lines_as_lf_files() {
        for data in ["id,n\nA,1\nB,x\n", "id,n\r\nA,1\r\nB,x\r\n", "id,n\rA,1\rB,x\r"] {
            let mut r = csv_reader(data.as_bytes());
            Header::read(&mut r, "f.csv").unwrap();
            let err = for_each_row(&mut r, "f.csv", |rec, _| {
                let n = field(rec, 1, "n")?;
                parse_number(n, "n").map(|_| ())
            })
            .unwrap_err();
            assert_eq!(err.line, Some(3), "{data:?}");
        }
    }

    #[test]
    fn rows_and_errors_carry_the_files_own_lines() {
        // The csv crate's own numbers leave out blank lines; each case here
        // has a row per line it names (`id` = its line) and a bad row last.
        let cases = [
            "id,n\n2,1\n\n\n5,1\n6,x\n",
            "id,n\r\n2,1\r\n\r\n\r\n5,1\r\n6,x\r\n",
            "\n\nid,n\n4,1\n\n6,x\n",
            "id,n\n\"2\",\"1\n\"\n4,1\n\n\n7,x",
            "id,n\n2,1\n\n4,1,extra,fields\n",
            // A lone carriage return ends a line, as it ends a record.
            "id,n\r2,1\r\r\r5,1\r6,x\r",
            "id,n\r\n2,1\r\r\n4,1\n5,x\r",
        ];
        for data in cases {
            let mut r = csv_reader(data.as_bytes());
            Header::read(&mut r, "f.csv").unwrap();
            let err = for_each_row(&mut r, "f.csv", |rec, line| {
                let id = field(rec, 0, "id")?;
                assert_eq!(id, line.to_string(), "{data:?}");
                if rec.len() != 2 {
                    return Err("fields".into());
                }
                parse_number(field(rec, 1, "n")?, "n").map(|_| ())
            })
            .unwrap_err();
            let last = data.trim_end().split(['\n', '\r']).next_back().unwrap();
            assert_eq!(
                err.line.map(|l| l.to_string()),
                last.split(',').next().map(String::from),
                "{data:?}"
            );
        }
    }
}
