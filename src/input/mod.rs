//! Readers for goodwill's CSV inputs (the README's "Inputs").
//!
//! Every file has a header row whose columns may come in any order; required
//! columns are located by name once, and each row is then read by index. A row
//! that cannot be read is an [`InputError`] naming the file, the line and the
//! reason, so that a person can open the file at that line and fix it.
//!
//! Each file's reader has its module; what they share is here (the error,
//! opening and reading a file whole, the header and row helpers), but for
//! the line reader under the csv crate that tracks line ends and quotes
//! (`lines`) and the parsing of numbers and dates (`number`).

pub mod case_file;
pub mod customers;
pub mod history;
pub(crate) mod ids;
pub mod incidents;
pub mod ledger;
mod lines;
mod number;
pub mod rfm;
#[cfg(test)]
pub(crate) mod twins;

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

pub use lines::{Lines, Misquote, csv_reader, line_of, misquoted, read_on_from};
use lines::{UNCLOSED_QUOTE, unclosed_quote};
pub(crate) use lines::{line_from, line_start};
pub use number::{MAX_NUMBER, number, parse_date, parse_number};

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
}
