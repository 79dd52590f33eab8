//! Readers for goodwill's CSV inputs (the README's "Inputs").
//!
//! Every file has a header row whose columns may come in any order; required
//! columns are located by name once, and each row is then read by index. A row
//! that cannot be read is an [`InputError`] naming the file, the line and the
//! reason, so that a person can open the file at that line and fix it.

pub mod case_file;
pub mod customers;
pub mod history;
pub(crate) mod ids;
pub mod incidents;
pub mod ledger;
pub mod rfm;
#[cfg(test)]
pub(crate) mod twins;

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Reads a text file (a policy, a case, a test or a model file), which must
/// be UTF-8: else the error says where its first byte that is not is.
pub fn read_utf8(path: &Path) -> io::Result<String> {
    String::from_utf8(std::fs::read(path)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, not_utf8(&e)))
}

/// Where a text that is not UTF-8 goes wrong, and what to do about it:
/// `line 2, column 12: byte 0xE9 is not UTF-8: save the file as UTF-8`, as a
/// Latin-1 file from an old editor gives.
pub fn not_utf8(e: &std::string::FromUtf8Error) -> String {
    let (line, column) = not_utf8_at(e);
    let byte = e.as_bytes()[e.utf8_error().valid_up_to()];
    format!("line {line}, column {column}: byte 0x{byte:02X} is not UTF-8: save the file as UTF-8")
}

/// The 1-based line and column (in characters) of a text's first byte that is not UTF-8.
fn not_utf8_at(e: &std::string::FromUtf8Error) -> (usize, usize) {
    let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
    let before = std::str::from_utf8(valid).unwrap_or_default();
    crate::diagnostic::line_col(before, before.len())
}

/// Text with its control characters written as escapes (`\0`, `\t`,
/// `\u{1b}`), but for those in `keep`: a NUL or a terminal's escape
/// sequence from an input file would otherwise reach the screen as it is.
pub fn escape_controls<'a>(text: &'a str, keep: &[char]) -> std::borrow::Cow<'a, str> {
    let escaped = |c: &char| c.is_control() && !keep.contains(c);
    if !text.chars().any(|c| escaped(&c)) {
        return text.into();
    }
    text.chars()
        .map(|c| match escaped(&c) {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect::<String>()
        .into()
}

/// A problem with one input file, or one row of it.
#[derive(Debug, Clone, thiserror::Error)]
pub struct InputError {
    /// The file as the user named it.
    pub file: String,
    /// The 1-based line of the row in the file, when the problem is a row.
    pub line: Option<u64>,
    /// What is wrong, in the user's words.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line: a value quoted from the file may hold a newline (in quotes) or an escape code.
        let message = escape_controls(&self.message, &[]);
        match self.line {
            Some(line) => write!(f, "`{}`: line {line}: {message}", self.file),
            None => write!(f, "`{}`: {message}", self.file),
        }
    }
}

impl InputError {
    /// An error about a whole file.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            line: None,
            message: message.into(),
        }
    }

    /// An error about one row.
    pub fn row(file: &str, line: u64, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            line: Some(line),
            message: message.into(),
        }
    }
}

/// Opens a file for reading; `-` is standard input.
pub fn open(path: &Path) -> Result<Box<dyn Read + Send>, InputError> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(io::stdin()));
    }
    File::open(path)
        .map(|f| Box::new(io::BufReader::with_capacity(1 << 20, f)) as Box<dyn Read + Send>)
        .map_err(|e| InputError::file(&path.display().to_string(), format!("cannot open: {e}")))
}

/// Reads a whole file, in as many parts at once as there are cores: the
/// copies out of the page cache (and the page faults of a fresh buffer) are
/// shared out instead of made on one core. A file that shrinks meanwhile is
/// read again from the start; one that grows has the rest read after. A
/// pipe or a device (`<(zcat ...)`, `/dev/stdin`) is read from start to end.
#[cfg(unix)]
pub fn read_whole(path: &Path) -> io::Result<Vec<u8>> {
    use rayon::prelude::*;
    use std::io::{Seek, SeekFrom};
    use std::os::unix::fs::FileExt;
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let mut text = Vec::new();
        file.read_to_end(&mut text)?;
        return Ok(text);
    }
    let len = usize::try_from(meta.len()).map_err(io::Error::other)?;
    let part = len.div_ceil(rayon::current_num_threads()).max(PART_MIN);
    // Zeroed memory from the allocator is fresh pages, not a pass of zeroes.
    let mut text = vec![0u8; len];
    let read = text
        .par_chunks_mut(part)
        .enumerate()
        .try_for_each(|(k, chunk)| file.read_exact_at(chunk, (k * part) as u64));
    match read {
        Ok(()) => {
            file.seek(SeekFrom::Start(len as u64))?;
            file.read_to_end(&mut text)?;
            Ok(text)
        }
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => std::fs::read(path),
        Err(e) => Err(e),
    }
}

/// Reads a whole file.
#[cfg(not(unix))]
pub fn read_whole(path: &Path) -> io::Result<Vec<u8>> {
    std::fs::read(path)
}

/// The least a core reads of a file in [`read_whole`].
#[cfg(unix)]
const PART_MIN: usize = 1 << 20;

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

/// The header of a CSV file, for locating columns by name.
pub struct Header {
    names: Vec<String>,
}

impl Header {
    /// Reads the header row. A column named twice is an error: each reader
    /// would take one of the two copies, not always the same one.
    pub fn read<R: Read>(reader: &mut csv::Reader<Lines<R>>, file: &str) -> Result<Header, InputError> {
        let record = reader
            .byte_headers()
            .map_err(|e| InputError::file(file, format!("cannot read the header: {}", csv_reason(&e))))?;
        // Excel's "Unicode text" is UTF-16: its names would not be found.
        // Without its byte-order mark, every other byte of a name is a NUL
        // (not one stray NUL in a UTF-8 header).
        let bom = |f: &[u8]| f.starts_with(b"\xFF\xFE") || f.starts_with(b"\xFE\xFF");
        let bytes = record.as_slice();
        let nuls = bytes.iter().filter(|&&b| b == 0).count();
        if record.get(0).is_some_and(bom) || (nuls > 0 && nuls * 3 >= bytes.len()) {
            return Err(InputError::file(
                file,
                "the file is UTF-16, not UTF-8: save it as UTF-8 (\"CSV UTF-8\" in Excel)",
            ));
        }
        let position = record.position().cloned();
        let names = record
            .iter()
            .map(|n| String::from_utf8_lossy(n).trim().to_string())
            .collect::<Vec<_>>();
        let line = position.map_or(1, |p| reader.get_mut().line_at(p.byte()));
        // Else the rows would be names, and a column reported missing.
        if let Some(quote) = unclosed_quote(reader) {
            return Err(InputError::row(file, quote, UNCLOSED_QUOTE));
        }
        if names.iter().all(String::is_empty) {
            return Err(InputError::file(file, "the file is empty: a header row is required"));
        }
        // Names as they are compared (BOM dropped, trimmed). An empty name,
        // as trailing commas give, is no column a reader or a policy can name.
        let mut seen = std::collections::HashSet::with_capacity(names.len());
        if let Some(twice) = names.iter().find(|n| !n.is_empty() && !seen.insert(n.as_str())) {
            return Err(InputError::row(file, line, format!("column `{twice}` appears twice")));
        }
        Ok(Header { names })
    }

    /// The column names, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The index of the first column with one of these names.
    pub fn find(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.names.iter().position(|h| h == n))
    }

    /// The index of the column with one of these names (one thing under
    /// several names), if any; an error if two of the names are there, as
    /// either could be meant.
    pub fn one_of(&self, names: &[&str], file: &str) -> Result<Option<usize>, InputError> {
        let mut present = names.iter().filter(|n| self.names.iter().any(|h| h == *n));
        match (present.next(), present.next()) {
            (Some(a), Some(b)) => Err(InputError::file(
                file,
                format!("columns `{a}` and `{b}` are two names for one thing: keep one"),
            )),
            _ => Ok(self.find(names)),
        }
    }

    /// The index of a required column, or an error naming what is missing.
    pub fn require(&self, names: &[&str], file: &str) -> Result<usize, InputError> {
        self.one_of(names, file)?.ok_or_else(|| {
            let hint = crate::suggest::hint(names[0], self.names.iter().map(String::as_str));
            InputError::file(file, format!("missing column `{}`{hint}", names[0]))
        })
    }
}

/// Whether to read a row of `found` fields, for a reader of `some`
/// customers' rows or of all: the error of [`owner_known`] for a row whose
/// customer cannot be told, but, reading some, `Ok(false)` for one whose
/// every field (from `row`) is blank (`" "`, `,,`, `\t,`): it holds no data
/// and names no customer, whatever its number of fields, so it is passed by.
pub fn to_read<'a, I: Iterator<Item = &'a [u8]>>(
    id_col: usize,
    fields: usize,
    found: usize,
    some: bool,
    row: impl FnOnce() -> I,
) -> Result<bool, String> {
    match owner_known(id_col, fields, found) {
        Ok(()) => Ok(true),
        Err(_) if some && row().all(|f| f.trim_ascii().is_empty()) => Ok(false),
        Err(why) => Err(why),
    }
}

/// For a row read for some customers whose id is empty: passed by
/// (`Ok`) when every field (from `row`) is blank, as [`to_read`] passes
/// such a row by; otherwise an error, since its data could be anyone's.
pub fn without_id<'a>(mut row: impl Iterator<Item = &'a [u8]>) -> Result<(), String> {
    match row.all(|f| f.trim_ascii().is_empty()) {
        true => Ok(()),
        false => Err("column `customer_id` is empty".into()),
    }
}

/// For the csv crate's reader of some customers' rows (`only`): the number
/// in `only` of the customer whose row `record` is, `None` for a row it
/// passes by (another customer's, or one of blank fields), or why the row
/// stops the reading (data with no id, which could be anyone's).
pub(crate) fn named_row(record: &csv::ByteRecord, id_col: usize, only: &ids::IdIndex) -> Result<Option<u32>, String> {
    match field(record, id_col, "customer_id") {
        Ok("") => without_id(record.iter()).map(|()| None),
        id => Ok(id.ok().and_then(|id| only.get(id))),
    }
}

/// Whether a row of `found` fields, where the header has `fields`, can be
/// told to be the customer's whose id it holds (their problem alone, in a
/// batch). A comma too few may have glued the id to the next field
/// (`C12026-10-01,credit,10`), and with `customer_id` after another column
/// (at `id_col`) a comma too many before it moves it: such a row could be
/// anyone's, so it is an error of the file's.
pub fn owner_known(id_col: usize, fields: usize, found: usize) -> Result<(), String> {
    match found < fields || (found > fields && id_col != 0) {
        true => Err(wrong_field_count(fields, found)),
        false => Ok(()),
    }
}

/// Calls `each` with every row of a CSV file and its 1-based line; the first
/// row it rejects, or the first that cannot be read, stops the reading with
/// the file, the line and the reason.
pub fn for_each_row<R: Read>(
    reader: &mut csv::Reader<Lines<R>>,
    file: &str,
    mut each: impl FnMut(&csv::ByteRecord, u64) -> Result<(), String>,
) -> Result<(), InputError> {
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => {
                let line = line_of(reader, e.position());
                return Err(InputError::row(file, line, csv_reason(&e)));
            }
        }
        let line = line_of(reader, record.position());
        if let Some(misquote) = misquoted(reader, record.position(), line) {
            return Err(InputError::row(file, misquote.line(), misquote.reason()));
        }
        each(&record, line).map_err(|m| InputError::row(file, line, m))?;
    }
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
const UNCLOSED_QUOTE: &str = "a quote opened on this line is never closed: the rest of the file would be one field";

/// The line of a quote never closed, when the record just read ran into
/// the end of the file through it. Call after each record, once its line is
/// known. (The csv crate reads on past a record only to finish one: a
/// quote still open once the input is done is in the last record.)
fn unclosed_quote<R: Read>(reader: &mut csv::Reader<Lines<R>>) -> Option<u64> {
    let lines = reader.get_mut();
    let at = lines.open_quote().filter(|_| lines.done())?;
    Some(lines.line_at(at))
}

/// Checks that a row has as many fields as the header: a row with one too
/// many (an unquoted `1,234.50`) or too few would shift the columns after it.
pub(crate) fn field_count(expected: usize, found: usize) -> Result<(), String> {
    if found == expected {
        Ok(())
    } else {
        Err(wrong_field_count(expected, found))
    }
}

/// What [`field_count`] says of a row with `found` fields where the header has `expected`.
#[cold]
pub(crate) fn wrong_field_count(expected: usize, found: usize) -> String {
    format!("expected {expected} fields, found {found}")
}

/// A csv crate error in the user's words.
pub fn csv_reason(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Io(e) => format!("read error: {e}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("expected {expected_len} fields, found {len}")
        }
        _ => err.to_string(),
    }
}

/// The lines of `text` split at `\n`, as `split` gives them (an empty last
/// one after a final `\n`), found with memchr: each with where it starts,
/// and without the `\r` of a CRLF line end.
pub(crate) fn lines(text: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', text)
        .chain(std::iter::once(text.len()))
        .map(move |end| {
            let (at, line) = (start, &text[start..end]);
            start = end + 1;
            (at, line.strip_suffix(b"\r").unwrap_or(line))
        })
}

/// Whether `text[from..to]` holds a carriage return not followed by a line
/// feed, which the csv crate takes for a line end where a line split at
/// `\n` would not; the line feed may lie past `to`.
pub(crate) fn lone_cr(text: &[u8], from: usize, to: usize) -> bool {
    memchr::memchr_iter(b'\r', &text[from..to]).any(|at| text.get(from + at + 1) != Some(&b'\n'))
}

/// Whether `text[from..to]` can be split at its commas and line feeds as the
/// csv crate would split it: no quote, no lone carriage return.
pub(crate) fn plain(text: &[u8], from: usize, to: usize) -> bool {
    memchr::memchr(b'"', &text[from..to]).is_none() && !lone_cr(text, from, to)
}

/// Cuts `text[from..]` into pieces of about `size` bytes, each ending just after a `\n`
/// (the last at the end of the text): whole lines for one core each.
pub(crate) fn pieces(text: &[u8], from: usize, size: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity((text.len() - from) / size + 1);
    let mut start = from;
    while start < text.len() {
        let mut end = (start + size).min(text.len());
        if end < text.len() {
            end = memchr::memchr(b'\n', &text[end..]).map_or(text.len(), |i| end + i + 1);
        }
        out.push((start, end));
        start = end;
    }
    out
}

/// A vector laid out group after group, as mutable slices: group `g` is
/// `items[bounds[g]..bounds[g + 1]]`, so the groups can be sorted in parallel.
pub(crate) fn groups_mut<'a, T>(items: &'a mut [T], bounds: &[usize]) -> Vec<&'a mut [T]> {
    let mut groups = Vec::with_capacity(bounds.len().saturating_sub(1));
    let mut rest = items;
    for w in bounds.windows(2) {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
        groups.push(head);
        rest = tail;
    }
    groups
}

/// A field of a byte record as text, or an error naming the column.
pub fn field<'r>(record: &'r csv::ByteRecord, index: usize, column: &str) -> Result<&'r str, String> {
    let bytes = record.get(index).unwrap_or_default();
    std::str::from_utf8(bytes)
        .map(trim)
        .map_err(|_| format!("column `{column}` is not valid UTF-8"))
}

/// `str::trim`, answered without decoding when the field starts and ends
/// with a printable ASCII character (as nearly all do): such a field has no
/// white space to trim, ASCII or Unicode.
pub(crate) fn trim(s: &str) -> &str {
    match s.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        [only] if only.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Where `field` is once trimmed as [`trim`] trims: its offset in `field` and its length.
pub(crate) fn trimmed_at(field: &str) -> (usize, usize) {
    let inner = trim(field);
    (inner.as_ptr() as usize - field.as_ptr() as usize, inner.len())
}

/// The `customer_id` field of a row, which must not be empty.
pub fn customer_id(record: &csv::ByteRecord, index: usize) -> Result<&str, String> {
    match field(record, index, "customer_id")? {
        "" => Err("column `customer_id` is empty".into()),
        id => Ok(id),
    }
}

/// The bound every number read from a file must stay under, in absolute
/// value: 10 000 000 000 000 (`1e13`). An amount under it, to the cent, has
/// at most 15 significant digits, which an `f64` holds exactly to the cent;
/// past it cents start to be lost (and past 9.2e16 the money type's `i64`
/// cents saturate). The same bound for every column and every file.
pub const MAX_NUMBER: f64 = 1e13;

/// Parses a money or count field: a decimal number such as `12`, `12.5`,
/// `-3.99`, under [`MAX_NUMBER`] in absolute value. Plain decimals take a
/// fast path that gives the same `f64`.
pub fn parse_number(text: &str, column: &str) -> Result<f64, String> {
    number(text).map_err(|why| match why {
        "" => format!("column `{column}` is empty: a number is required"),
        why => format!("column `{column}`: `{text}` {why}"),
    })
}

/// A number field's value, or why it is not one: empty for an empty field,
/// else what to say after the field's text (`is not a number`).
pub fn number(text: &str) -> Result<f64, &'static str> {
    if let Some(v) = fast_number(text) {
        return Ok(v);
    }
    match text.parse::<f64>() {
        Ok(v) if v.abs() < MAX_NUMBER => Ok(v),
        // Any number past the bound, `1e400` (infinity to an f64) too, has a
        // digit; `inf` and `nan` spelt out have none, and are no numbers.
        Ok(_) if text.bytes().any(|c| c.is_ascii_digit()) => {
            Err("is too large: numbers must be under 1e13 (10 trillion), to be exact to the cent")
        }
        _ if text.is_empty() => Err(""),
        // `$1,200.50`, `1 200`, `€12`: a number dressed for people.
        _ if dressed(text).parse::<f64>().is_ok_and(f64::is_finite) => Err(
            "is not a number: write plain digits with a `.` for decimals (`1200.50`), without a currency sign or separators",
        ),
        _ => Err("is not a number"),
    }
}

/// A text less the currency signs, thousands separators and spaces people
/// write in amounts.
fn dressed(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '$' | '€' | '£' | '¥' | ',' | '_' | '\'') && !c.is_whitespace())
        .collect()
}

/// A plain decimal (`-12.34`, at most 15 digits, at most 13 before the
/// point: under [`MAX_NUMBER`]) without the general float parser; `None`
/// for anything else. The digits as an integer are exact, and one correctly
/// rounded division by a power of ten gives the same `f64` as `str::parse`.
fn fast_number(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let (mut mantissa, mut digits, mut decimals, mut point) = (0u64, 0u32, 0u32, false);
    for &c in b {
        match c {
            // Past 15 digits the general parser decides, before the mantissa could overflow.
            b'0'..=b'9' if digits < 15 => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                digits += 1;
                decimals += u32::from(point);
            }
            b'0'..=b'9' => return None,
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if digits == 0 || digits - decimals > 13 {
        return None;
    }
    // Exact powers of ten (up to 1e15 < 2^53), so the division rounds once, as the general parser does.
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let v = mantissa as f64 / POW10[decimals as usize];
    Some(if neg { -v } else { v })
}

/// Parses a date field: `YYYY-MM-DD` or an RFC 3339 timestamp.
pub fn parse_date(text: &str, column: &str) -> Result<crate::date::Day, String> {
    crate::date::parse(text).ok_or_else(|| {
        if text.is_empty() {
            format!("column `{column}` is empty: a date is required")
        } else {
            format!("column `{column}`: `{text}` {}", crate::date::NOT_A_DATE)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_tolerates_bom_order_and_aliases() {
        let data = "\u{feff}amount,date,customer_id\n1,2026-01-01,C1\n";
        let mut r = csv_reader(data.as_bytes());
        let h = Header::read(&mut r, "h.csv").unwrap();
        assert_eq!(h.require(&["customer_id"], "h.csv").unwrap(), 2);
        assert_eq!(h.require(&["amount"], "h.csv").unwrap(), 0);
        assert_eq!(h.find(&["frequency", "x"]), None);
        let err = h.require(&["dates"], "h.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`h.csv`: missing column `dates` (did you mean `date`?)"
        );
    }

    #[test]
    fn a_utf16_file_is_named_as_such() {
        for bom in [[0xFF, 0xFE], [0xFE, 0xFF]] {
            let text: Vec<u8> = "customer_id,n\r\nC1,2\r\n"
                .encode_utf16()
                .flat_map(|u| {
                    if bom[0] == 0xFF {
                        u.to_le_bytes()
                    } else {
                        u.to_be_bytes()
                    }
                })
                .collect();
            // With its byte-order mark, and without (as `iconv -t utf-16le` writes it).
            for data in [[bom.as_slice(), &text].concat(), text] {
                let mut r = csv_reader(data.as_slice());
                assert_eq!(
                    Header::read(&mut r, "f.csv").err().unwrap().to_string(),
                    "`f.csv`: the file is UTF-16, not UTF-8: save it as UTF-8 (\"CSV UTF-8\" in Excel)"
                );
            }
        }
    }

    /// One stray NUL in a UTF-8 header is no UTF-16 file.
    #[test]
    fn a_nul_in_a_utf8_header_is_not_taken_for_utf16() {
        let data = b"customer_id,no\0te\nC1,x\n";
        let mut r = csv_reader(data.as_slice());
        assert!(Header::read(&mut r, "f.csv").is_ok());
    }

    #[test]
    fn a_column_named_twice_is_an_error_at_the_headers_line() {
        for (data, line) in [
            ("case_id,kind,customer_id,kind\nK1,late,C1,coupon\n", 1),
            ("\u{feff}kind,case_id, kind \n", 1),
            ("kind,kind\r\n", 1),
            ("\n\r\nkind,id,kind\n", 3),
            ("\r\rkind,id,kind\r", 3),
        ] {
            let mut r = csv_reader(data.as_bytes());
            let err = Header::read(&mut r, "f.csv").err().unwrap();
            assert_eq!(
                err.to_string(),
                format!("`f.csv`: line {line}: column `kind` appears twice"),
                "{data:?}"
            );
        }
        // Empty names, as trailing commas give, name no column.
        let mut r = csv_reader("id,n,,\n".as_bytes());
        assert_eq!(Header::read(&mut r, "f.csv").unwrap().names(), ["id", "n", "", ""]);
    }

    #[test]
    #[cfg(unix)]
    fn a_file_read_in_parts_is_the_file() {
        // Sizes around the parts' edges: empty, one byte, a part, a part and
        // some, several parts on 1 and 3 cores.
        let dir = tempfile::tempdir().unwrap();
        for len in [0, 1, PART_MIN - 1, PART_MIN, PART_MIN + 1, 3 * PART_MIN + 17] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 131 % 251) as u8).collect();
            let path = dir.path().join(format!("f{len}"));
            std::fs::write(&path, &bytes).unwrap();
            for threads in [1, 3] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let read = pool.install(|| read_whole(&path)).unwrap();
                assert!(read == bytes, "{len} bytes on {threads} threads");
            }
        }
        assert!(read_whole(&dir.path().join("missing")).is_err());
        // A pipe has no length to share out, and cannot seek: it is read through.
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let bytes: Vec<u8> = (0..3 * PART_MIN + 17).map(|i| (i * 131 % 251) as u8).collect();
        let writer = {
            let (fifo, bytes) = (fifo.clone(), bytes.clone());
            std::thread::spawn(move || std::fs::write(fifo, bytes))
        };
        let read = read_whole(&fifo);
        writer.join().unwrap().unwrap();
        assert!(read.unwrap() == bytes, "the pipe's bytes");
    }

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
    fn plain_text_has_no_quote_and_no_lone_carriage_return() {
        let text = b"id,n\r\nC1,2\r\nC2,3\n";
        assert!(plain(text, 0, text.len()));
        // A span may end between a carriage return and its line feed.
        assert!(!lone_cr(text, 0, 5));
        assert!(plain(text, 6, 12));
        for bad in [&b"id,n\rC1,2\n"[..], b"id,n\nC1,2\r", b"id,n\nC1,\"2\"\n"] {
            assert!(!plain(bad, 0, bad.len()), "{:?}", String::from_utf8_lossy(bad));
        }
        assert!(lone_cr(b"a\rb", 0, 3));
        assert!(!lone_cr(b"a\rb", 2, 3), "only the span is looked at");
    }

    #[test]
    fn groups_mut_cuts_at_the_bounds() {
        let mut items = [5, 4, 3, 2, 1, 0];
        let groups = groups_mut(&mut items, &[0, 2, 2, 6]);
        let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        assert_eq!(lens, [2, 0, 4]);
        for g in groups {
            g.sort();
        }
        assert_eq!(items, [4, 5, 0, 1, 2, 3]);
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

    #[test]
    fn fast_number_agrees_with_str_parse() {
        // The fast date path is checked against chrono in `date`'s tests.
        for text in [
            "0",
            "12",
            "12.5",
            "-3.99",
            "0.1",
            "123456.78",
            "99999999999.9999",
            "-0.30",
            "1.005",
            "7.",
        ] {
            assert_eq!(fast_number(text), text.parse::<f64>().ok(), "{text}");
        }
        // Past 13 digits before the point the general parser decides (and refuses).
        for other in [
            "",
            "-",
            ".",
            "1e5",
            "1.2.3",
            "+4",
            "1234567890123456",
            "inf",
            "1,5",
            "10000000000000",
            "-12345678901234.5",
            // More digits than a u64 holds (a debug build checks the overflow).
            "123456789012345678901234",
            "0.0000000000000000000001",
        ] {
            assert_eq!(fast_number(other), None, "{other}");
        }
        let mut seed = 7u64;
        for _ in 0..100_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let text = format!("{}.{:02}", (seed >> 20) % 100_000, (seed >> 8) % 100);
            assert_eq!(fast_number(&text), text.parse::<f64>().ok(), "{text}");
        }
    }

    #[test]
    fn trim_agrees_with_str_trim() {
        for text in [
            "",
            "a",
            " ",
            "ab",
            " a",
            "a ",
            "\ta\r",
            "a\u{b}",
            "\u{b}a",
            "\u{a0}x",
            "x\u{a0}",
            "\u{85}x\u{2003}",
            "é",
            "é ",
            "C0000001",
            " 12.5 ",
            "a b",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
            let (skip, len) = trimmed_at(text);
            assert_eq!(&text[skip..skip + len], text.trim(), "{text:?}");
            if !text.trim().is_empty() {
                assert_eq!(skip, text.len() - text.trim_start().len(), "{text:?}");
            }
        }
    }

    #[test]
    fn numbers_and_dates_say_what_is_wrong() {
        assert_eq!(parse_number("-3.99", "amount"), Ok(-3.99));
        // A number dressed for people: said how to write it.
        let dressed = "is not a number: write plain digits with a `.` for decimals (`1200.50`), without a \
                       currency sign or separators";
        for text in ["12,5", "$1,200.00", "1 200", "€12"] {
            assert_eq!(
                parse_number(text, "amount").unwrap_err(),
                format!("column `amount`: `{text}` {dressed}"),
                "{text}"
            );
        }
        assert_eq!(
            parse_number("twelve", "amount").unwrap_err(),
            "column `amount`: `twelve` is not a number"
        );
        assert_eq!(
            parse_number("inf", "amount").unwrap_err(),
            "column `amount`: `inf` is not a number"
        );
        assert_eq!(
            parse_number("", "amount").unwrap_err(),
            "column `amount` is empty: a number is required"
        );
        for nan in ["NaN", "nan", "-inf", "infinity"] {
            assert_eq!(
                parse_number(nan, "loss").unwrap_err(),
                format!("column `loss`: `{nan}` is not a number"),
                "{nan}"
            );
        }
        // Anything the general parser reads, under 1e13 in absolute value.
        for (text, value) in [
            ("1e3", 1000.0),
            ("-0", 0.0),
            ("+5", 5.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("9999999999999.99", 9_999_999_999_999.99),
            ("-9999999999999.99", -9_999_999_999_999.99),
            ("00000000000000000001", 1.0),
            ("1e-300", 1e-300),
        ] {
            assert_eq!(parse_number(text, "amount"), Ok(value), "{text}");
        }
        for big in [
            "1e13",
            "10000000000000",
            "-10000000000000.00",
            "1e18",
            "99999999999999999",
            "1e300",
            "-1e300",
            // Past an f64's range, the parse gives infinity: still a number too large.
            "1e309",
            "-1e400",
        ] {
            assert_eq!(
                parse_number(big, "amount").unwrap_err(),
                format!(
                    "column `amount`: `{big}` is too large: numbers must be under 1e13 (10 trillion), to be exact to the cent"
                ),
                "{big}"
            );
        }
        // Every cent under the bound is exact: the largest amounts round to their own cents.
        assert_eq!(
            crate::money::cents(parse_number("9999999999999.99", "amount").unwrap()),
            999_999_999_999_999
        );
        assert_eq!(
            crate::money::cents(parse_number("-9999999999999.99", "amount").unwrap()),
            -999_999_999_999_999
        );
        assert_eq!(
            crate::money::cents(parse_number("1234567890123.45", "amount").unwrap()),
            123_456_789_012_345
        );
        assert_eq!(
            parse_date("2026-13-01", "date").unwrap_err(),
            "column `date`: `2026-13-01` is not a date (expected YYYY-MM-DD)"
        );
    }
}
