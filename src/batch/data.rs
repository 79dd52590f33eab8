//! Reading the incidents file into [`Data`], the first step of a batch.
//!
//! The file is split into rows and fields on every core when it holds no
//! quote ([`Data::split_plain`]), else row by row with the csv crate
//! ([`Data::split_csv`]), where a misplaced quote rejects its row and the
//! reading starts again after it. Every row is then checked (a bad one kept,
//! with its line and reason), and the good ones grouped by customer, each
//! group in (date, line) order. The incidents stay the bytes of their
//! fields: `run` rebuilds each into an [`Incident`] when a policy runs on it,
//! through the accessors here that it may see.

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::path::Path;

use rayon::prelude::*;

use super::Sources;
#[cfg(doc)]
use super::evaluate;
use crate::cache;
use crate::date::Day;
use crate::input::customers::Customers;
use crate::input::history::{History, Transaction};
use crate::input::ids::{Groups, IdIndex, NONE};
use crate::input::incidents::{Incident, STANDARD};
use crate::input::ledger::Ledger;
use crate::input::{self, Header, InputError};
use crate::timing::Timer;

/// A row rejected when it was read: what could be made of its ids, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rejected {
    /// The raw `case_id` (may be empty).
    pub case_id: String,
    /// The raw `customer_id` (may be empty).
    pub customer_id: String,
    /// The raw `kind` (may be empty).
    pub kind: String,
    /// Why the row was rejected, in the user's words.
    pub reason: String,
}

/// A row read with a field over lines whose later lines read like
/// rows of the file: a quote misplaced in a free-text column, or a note
/// that holds such lines ([`Data::row_like_fields`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowLike {
    /// The row's first line.
    pub line: u64,
    /// The field's column, in [`Data::columns`].
    pub column: usize,
    /// How many lines the field runs over.
    pub lines: u64,
    /// How many of its lines after the first hold a comma for each column but one.
    pub rows: usize,
}

/// Where one row of the incidents file is kept.
#[derive(Clone, Copy, Debug)]
pub(super) struct Row {
    /// The 1-based line of the row in the file.
    pub(super) line: u64,
    /// Where its first field starts in `Data::bytes`.
    start: usize,
    /// Where its field ends start in `Data::ends`.
    first: usize,
    /// How many fields it has.
    fields: u32,
    /// The incident's date (a good row).
    pub(super) date: Day,
    /// Its customer's group (a good row), or [`NONE`].
    pub(super) customer: u32,
    /// Its index in `Data::rejected` (a rejected row), or [`NONE`].
    pub(super) rejected: u32,
    /// Where its trimmed `case_id`, `customer_id` and `kind` are, from `start` (a good row).
    ids: [(u32, u32); 3],
}

/// The line ends in a field: `\n`, `\r\n` or a lone `\r`.
fn line_ends(field: &[u8]) -> usize {
    memchr::memchr2_iter(b'\r', b'\n', field)
        .filter(|&at| !(field[at] == b'\n' && at > 0 && field[at - 1] == b'\r'))
        .count()
}

impl Row {
    /// A row with no fields, not yet checked: no date, no group, not rejected.
    const UNREAD: Row = Row {
        line: 0,
        start: 0,
        first: 0,
        fields: 0,
        date: 0,
        customer: NONE,
        rejected: NONE,
        ids: [(0, 0); 3],
    };
}

/// Everything a batch reads, loaded once; any number of policies can then be
/// [`evaluate`]d over it.
///
/// The incidents are kept as the bytes of their fields, not as [`Incident`]s
/// (a million incidents with their strings would take half a gigabyte); an
/// incident is rebuilt, into reused buffers, when a policy runs on it.
#[derive(Debug)]
pub struct Data {
    /// The incidents file as the user named it.
    pub file: String,
    /// The incidents file's columns, in file order.
    pub columns: Vec<String>,
    /// The history of the customers the incidents name (others skipped).
    pub history: History,
    /// Whether `history` and `customers` were read with the groups' ids
    /// ([`History::load_indexed`], [`Customers::load_indexed`]).
    pub(super) indexed: bool,
    /// The customers file (only the customers the incidents name, when [`Data::load`] read it).
    pub customers: Option<Customers>,
    /// Goodwill already granted.
    pub ledger: Ledger,
    today: Day,
    /// The fields' bytes, and where each field ends, relative to its row's start.
    bytes: Text,
    ends: Vec<u32>,
    /// Bytes between two fields of a row in `bytes`: 1 (the comma) or 0.
    sep: usize,
    /// Where `case_id`, `customer_id` and `kind` are.
    id_columns: [usize; 3],
    /// For each column, whether it holds no line end: the incident's own
    /// (`case_id` to `channel`) and those of [`Sources::single_line`].
    single_line: Vec<bool>,
    /// The rows read with a field over lines in a free-text column whose
    /// later lines read like rows (see [`Data::row_like_fields`]).
    row_like: Vec<RowLike>,
    pub(super) rows: Vec<Row>,
    pub(super) rejected: Vec<Rejected>,
    /// Indexes into `rows` of the good rows, grouped by customer, each group in (date, line) order.
    pub(super) order: Vec<u32>,
    /// Where each group of `order` starts; one more entry than there are groups.
    pub(super) bounds: Vec<usize>,
    /// The groups' customer ids: group `g`'s id is number `g`.
    customer_index: IdIndex,
}

/// The incidents' bytes. A file that is valid UTF-8 as a whole (the usual
/// case) is checked once, and its fields are then sliced out as text
/// without checking each again.
#[derive(Debug)]
enum Text {
    Utf8(String),
    Bytes(Vec<u8>),
}

impl Default for Text {
    fn default() -> Self {
        Text::Utf8(String::new())
    }
}

impl Text {
    fn new(bytes: Vec<u8>) -> Text {
        match String::from_utf8(bytes) {
            Ok(text) => Text::Utf8(text),
            Err(e) => Text::Bytes(e.into_bytes()),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Text::Utf8(text) => text.as_bytes(),
            Text::Bytes(bytes) => bytes,
        }
    }

    /// The text of `from..to`, if it is valid UTF-8 (in a valid file: unless
    /// a bound falls inside a character).
    fn str(&self, from: usize, to: usize) -> Option<&str> {
        match self {
            Text::Utf8(text) => text.get(from..to),
            Text::Bytes(bytes) => bytes.get(from..to).and_then(|b| std::str::from_utf8(b).ok()),
        }
    }
}

impl Data {
    /// Reads the incidents file (`-` is standard input), then the history of
    /// the customers it names, the customers file and the ledger. `today` is
    /// the date of incidents that give none. A bad incident row is kept as
    /// rejected, and a named customer's bad row in the history, customers or
    /// ledger file rejects their rows when they are evaluated (see
    /// `History::load_indexed`); a file that cannot be read is an error.
    pub fn load(incidents: &Path, sources: &Sources, today: Day) -> Result<Data, InputError> {
        let timer = Timer::start();
        let file = incidents.display().to_string();
        let text = if incidents.as_os_str() == "-" {
            let mut text = Vec::new();
            input::open(incidents)?
                .read_to_end(&mut text)
                .map_err(|e| InputError::file(&file, format!("read error: {e}")))?;
            text
        } else {
            input::read_whole(incidents).map_err(|e| InputError::file(&file, format!("cannot open: {e}")))?
        };
        let mut data = Data::parse(text, file, today, &sources.single_line)?;
        timer.phase("read incidents");
        let ids = &data.customer_index;
        let ((history, customers), ledger) = rayon::join(
            || {
                rayon::join(
                    || {
                        let t = Timer::start();
                        let h = match &sources.history {
                            Some(p) => History::load_indexed(p, ids),
                            None => Ok(History::default()),
                        };
                        t.phase("  history (in parallel with the rest)");
                        h
                    },
                    || {
                        let t = Timer::start();
                        let c = match &sources.customers {
                            Some(p) => Customers::load_indexed(p, ids).map(Some),
                            None => Ok(None),
                        };
                        t.phase("  customers (in parallel with the rest)");
                        c
                    },
                )
            },
            || match &sources.ledger {
                Some(p) => Ledger::load(p),
                None => Ok(Ledger::default()),
            },
        );
        data.history = history?;
        data.indexed = true;
        data.customers = customers?;
        data.ledger = ledger?;
        timer.phase("read history, customers, ledger");
        Ok(data)
    }

    /// Reads incidents from any reader (`file` names it in messages) and takes
    /// the other inputs as already loaded.
    pub fn from_reader<R: Read>(
        mut input: R,
        file: &str,
        today: Day,
        history: History,
        customers: Option<Customers>,
        ledger: Ledger,
    ) -> Result<Data, InputError> {
        let mut text = Vec::new();
        input
            .read_to_end(&mut text)
            .map_err(|e| InputError::file(file, format!("read error: {e}")))?;
        let mut data = Data::parse(text, file.to_string(), today, &[])?;
        data.history = history;
        data.customers = customers;
        data.ledger = ledger;
        Ok(data)
    }

    /// Splits the incidents file into rows and fields, checks every row, and groups the good ones by customer.
    fn parse(text: Vec<u8>, file: String, today: Day, single_line: &[String]) -> Result<Data, InputError> {
        let mut header_reader = input::csv_reader(text.as_slice());
        let header = Header::read(&mut header_reader, &file)?;
        let mut id_columns = [0; 3];
        for (slot, name) in id_columns.iter_mut().zip(["case_id", "customer_id", "kind"]) {
            *slot = header.require(&[name], &file)?;
        }
        let columns = header.names().to_vec();
        let one_line = |name: &String| STANDARD.contains(&name.as_str()) || single_line.contains(name);
        let single_line = columns.iter().map(one_line).collect();
        let header_end = header_reader.position().byte() as usize;
        drop(header_reader);
        let mut data = Data {
            file,
            columns,
            history: History::default(),
            indexed: false,
            customers: None,
            ledger: Ledger::default(),
            today,
            bytes: Text::default(),
            ends: Vec::new(),
            sep: 1,
            id_columns,
            single_line,
            row_like: Vec::new(),
            rows: Vec::new(),
            rejected: Vec::new(),
            order: Vec::new(),
            bounds: vec![0],
            customer_index: IdIndex::new([]),
        };
        if let Err(text) = data.split_plain(text, header_end) {
            data.split_csv(&text)?;
        }
        let timer = Timer::start();
        data.check_rows();
        timer.phase("  check incidents");
        data.group();
        timer.phase("  group incidents by customer");
        Ok(data)
    }

    /// Splits a file without quotes on every core: each line is a row, each
    /// comma ends a field. The pieces' lines and commas are counted first, so
    /// that each core writes its rows and field ends straight into their
    /// place in the file's vectors. A file with quotes or a lone carriage
    /// return (a line end to the csv crate) is given back, for
    /// [`Data::split_csv`].
    fn split_plain(&mut self, text: Vec<u8>, header_end: usize) -> Result<(), Vec<u8>> {
        // The header may end between its carriage return and line feed.
        if input::lone_cr(&text, 0, header_end) {
            return Err(text);
        }
        // Rows count their lines from the end of the header.
        let lines_before = memchr::memchr_iter(b'\n', &text[..header_end]).count() as u64;
        let pieces = input::pieces(&text, header_end, 1 << 20);
        // Per piece: its line ends, and room for its rows (a last line
        // without a line end is one more) and their fields (one more than
        // its commas per row); `None` if it is not plain (a piece ends with
        // its line end, so a carriage return's line feed is in the piece).
        let counts: Option<Vec<(u64, usize, usize)>> = pieces
            .par_iter()
            .map(|&(from, to)| {
                let piece = &text[from..to];
                if !input::plain(&text, from, to) {
                    return None;
                }
                let newlines = memchr::memchr_iter(b'\n', piece).count();
                let rows = newlines + usize::from(!piece.ends_with(b"\n"));
                Some((newlines as u64, rows, memchr::memchr_iter(b',', piece).count() + rows))
            })
            .collect();
        let Some(counts) = counts else {
            return Err(text);
        };
        // Where each piece's rows and field ends go, and the line before its first.
        let mut row_bounds = vec![0];
        let mut end_bounds = vec![0];
        let mut firsts = Vec::with_capacity(counts.len());
        let mut line = lines_before;
        for &(newlines, rows, fields) in &counts {
            row_bounds.push(row_bounds[row_bounds.len() - 1] + rows);
            end_bounds.push(end_bounds[end_bounds.len() - 1] + fields);
            firsts.push(line);
            line += newlines;
        }
        let mut rows = vec![Row::UNREAD; row_bounds[pieces.len()]];
        let mut ends = vec![0u32; end_bounds[pieces.len()]];
        // Per piece: the rows and field ends it wrote (fewer than room for when it has blank lines).
        let written: Vec<(usize, usize)> = input::groups_mut(&mut rows, &row_bounds)
            .into_par_iter()
            .zip(input::groups_mut(&mut ends, &end_bounds))
            .zip(pieces.par_iter().zip(&firsts).zip(&end_bounds[..pieces.len()]))
            .map(|((rows, ends), ((&(from, to), &first_line), &ends_at))| {
                let (mut n, mut e) = (0, 0);
                for (k, (at, content)) in input::lines(&text[from..to]).enumerate() {
                    if content.is_empty() {
                        continue;
                    }
                    let first = e;
                    let mut field_end = 0u32;
                    for field in content.split(|&b| b == b',') {
                        field_end += field.len() as u32;
                        ends[e] = field_end;
                        e += 1;
                        field_end += 1;
                    }
                    rows[n] = Row {
                        line: first_line + k as u64 + 1,
                        start: from + at,
                        first: ends_at + first,
                        fields: (e - first) as u32,
                        ..Row::UNREAD
                    };
                    n += 1;
                }
                (n, e)
            })
            .collect();
        if written
            .iter()
            .zip(counts.iter())
            .any(|(&(n, e), &(_, rows, fields))| n < rows || e < fields)
        {
            // Blank lines: close the gaps they left.
            let (mut n, mut e) = (0, 0);
            for (p, &(rows_written, ends_written)) in written.iter().enumerate() {
                let shift = end_bounds[p] - e;
                rows.copy_within(row_bounds[p]..row_bounds[p] + rows_written, n);
                for row in &mut rows[n..n + rows_written] {
                    row.first -= shift;
                }
                ends.copy_within(end_bounds[p]..end_bounds[p] + ends_written, e);
                n += rows_written;
                e += ends_written;
            }
            rows.truncate(n);
            ends.truncate(e);
        }
        self.rows = rows;
        self.ends = ends;
        self.bytes = Text::new(text);
        self.sep = 1;
        Ok(())
    }

    /// Splits a file with quoted fields (or lone carriage returns) row by row
    /// with the csv crate. A misplaced quote, which would take the lines
    /// after it into its field, rejects its row, and the reading starts
    /// again at the line after the quote's.
    fn split_csv(&mut self, text: &[u8]) -> Result<(), InputError> {
        let mut reader = input::csv_reader(io::Cursor::new(text));
        Header::read(&mut reader, &self.file)?;
        let mut bytes = Vec::new();
        let mut suspect_until = 0;
        while let Some((line, at, restart, suspect)) = self.split_part(&mut reader, suspect_until, &mut bytes)? {
            let Some(from) = input::line_start(text, at, line, restart) else {
                break;
            };
            suspect_until = suspect;
            input::read_on_from(&mut reader, from, restart)
                .map_err(|e| InputError::file(&self.file, input::csv_reason(&e)))?;
        }
        self.bytes = Text::new(bytes);
        self.sep = 0;
        Ok(())
    }

    /// Reads rows with `reader` into `bytes`, up to the end, or up to a row
    /// rejected for a misplaced quote: then its line, the byte the reader
    /// placed it at, the line to read on from, and the line up to which a
    /// quote read again is suspect (see [`Data::misquoted`]).
    fn split_part(
        &mut self,
        reader: &mut csv::Reader<input::Lines<io::Cursor<&[u8]>>>,
        suspect_until: u64,
        bytes: &mut Vec<u8>,
    ) -> Result<Option<(u64, usize, u64, u64)>, InputError> {
        let mut record = csv::ByteRecord::new();
        let mut cut = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => return Ok(None),
                Ok(true) => {
                    let line = input::line_of(reader, record.position());
                    let Some((reason, restart, suspect)) = self.misquoted(reader, &record, line, suspect_until) else {
                        self.push_row(&record, line, NONE, bytes);
                        continue;
                    };
                    // Its fields as far as its first line end, and none after:
                    // the lines after it are read again.
                    let mut cut_off = false;
                    for field in record.iter() {
                        let end = memchr::memchr2(b'\r', b'\n', field);
                        cut.push_field(if cut_off {
                            b""
                        } else {
                            &field[..end.unwrap_or(field.len())]
                        });
                        cut_off |= end.is_some();
                    }
                    let [case_id, customer_id, kind] = self.id_columns.map(|i| {
                        String::from_utf8_lossy(cut.get(i).unwrap_or_default())
                            .trim()
                            .to_string()
                    });
                    self.rejected.push(Rejected {
                        case_id,
                        customer_id,
                        kind,
                        reason,
                    });
                    self.push_row(&cut, line, self.rejected.len() as u32 - 1, bytes);
                    cut.clear();
                    let at = record.position().map_or(0, |p| p.byte() as usize);
                    return Ok(Some((line, at, restart, suspect)));
                }
                Err(e) => {
                    if let csv::ErrorKind::Io(_) = e.kind() {
                        return Err(InputError::file(&self.file, input::csv_reason(&e)));
                    }
                    self.rows.push(Row {
                        line: input::line_of(reader, e.position()),
                        start: bytes.len(),
                        first: self.ends.len(),
                        rejected: self.rejected.len() as u32,
                        ..Row::UNREAD
                    });
                    self.rejected.push(Rejected {
                        reason: input::csv_reason(&e),
                        ..Rejected::default()
                    });
                }
            }
        }
    }

    /// Why the record just read, at `line`, is rejected for a misplaced
    /// quote that took the lines after it into a field, the line to read on
    /// from, and the line up to which a quote read again is suspect: a quote
    /// never closed; one closed on a later line with text after it; or a
    /// quoted field that runs over lines where none can: in a row with the
    /// wrong number of fields, in a column of the incident's own (`kind`,
    /// `loss`, `channel`, ...) or of a typed attribute, or opened on a line
    /// up to `suspect_until`. The reading starts again on the line after
    /// the quote's, where the quote that closed it would open a field: it is
    /// suspect up to its line. A row it does not reject may still be noted
    /// as holding row-like lines ([`Data::note_row_like`]).
    fn misquoted(
        &mut self,
        reader: &mut csv::Reader<input::Lines<io::Cursor<&[u8]>>>,
        record: &csv::ByteRecord,
        line: u64,
        suspect_until: u64,
    ) -> Option<(String, u64, u64)> {
        if let Some(misquote) = input::misquoted(reader, record.position(), line) {
            let closed = match misquote {
                input::Misquote::Stray { closed, .. } => closed,
                input::Misquote::Unclosed { .. } => 0,
            };
            return Some((misquote.reason_read_on(line), misquote.opened() + 1, closed));
        }
        memchr::memchr2(b'\r', b'\n', record.as_slice())?;
        // The first field that runs over lines, and the first one that may not, with the line each opens on.
        let (mut first, mut suspect, mut breaks) = (None, None, 0);
        for (i, field) in record.iter().enumerate() {
            let ends = line_ends(field);
            if ends > 0 {
                let at = line + breaks as u64;
                first = first.or(Some((i, at, ends)));
                let own = self.single_line.get(i).copied().unwrap_or(true);
                if suspect.is_none() && (own || at <= suspect_until) {
                    suspect = Some((i, at, ends));
                }
            }
            breaks += ends;
        }
        let read_on = "(the next lines are read as rows of their own)";
        if record.len() != self.columns.len() {
            let (_, at, ends) = first?;
            let reason = format!(
                "{} in a row that runs over {} lines: is a quote left open? {read_on}",
                input::wrong_field_count(self.columns.len(), record.len()),
                breaks + 1
            );
            return Some((reason, at + 1, at + ends as u64));
        }
        let Some((i, at, ends)) = suspect else {
            self.note_row_like(record, line);
            return None;
        };
        let reason = format!(
            "column `{}` runs over {} lines from {}: is a quote left open? {read_on}",
            self.columns[i],
            ends + 1,
            input::line_from(at, line)
        );
        Some((reason, at + 1, at + ends as u64))
    }

    /// Notes a row read with a field over lines in a free-text column when
    /// lines of that field after the first hold a comma for each column
    /// but one (its last line with the fields after it), as a row of the
    /// file does: a quote opened and closed in the column by mistake would
    /// read so, and the rows between be lost into it.
    fn note_row_like(&mut self, record: &csv::ByteRecord, line: u64) {
        let commas = self.columns.len().saturating_sub(1).max(1);
        for (i, field) in record.iter().enumerate() {
            let ends = line_ends(field);
            if ends == 0 {
                continue;
            }
            // The field's last line goes on with the row's fields after it,
            // a comma before each.
            let after = record.len() - 1 - i;
            let lines: Vec<&[u8]> = field.split(|&b| b == b'\n' || b == b'\r').skip(1).collect();
            let rows = lines
                .iter()
                .enumerate()
                .filter(|(k, l)| {
                    let last = if *k + 1 == lines.len() { after } else { 0 };
                    memchr::memchr_iter(b',', l).count() + last >= commas
                })
                .count();
            if rows > 0 {
                self.row_like.push(RowLike {
                    line,
                    column: i,
                    lines: ends as u64 + 1,
                    rows,
                });
                return;
            }
        }
    }

    /// Adds a row read by the csv crate, with `rejected` its index in `rejected` or [`NONE`].
    fn push_row(&mut self, record: &csv::ByteRecord, line: u64, rejected: u32, bytes: &mut Vec<u8>) {
        let start = bytes.len();
        let first = self.ends.len();
        for field in record.iter() {
            bytes.extend_from_slice(field);
            self.ends.push((bytes.len() - start) as u32);
        }
        self.rows.push(Row {
            line,
            start,
            first,
            fields: record.len() as u32,
            rejected,
            ..Row::UNREAD
        });
    }

    /// The fields of a row, untrimmed.
    fn fields(&self, row: &Row) -> impl Iterator<Item = &[u8]> {
        let mut from = 0;
        self.ends[row.first..row.first + row.fields as usize]
            .iter()
            .map(move |&end| {
                let field = &self.bytes.bytes()[row.start + from..row.start + end as usize];
                from = end as usize + self.sep;
                field
            })
    }

    /// Rebuilds the incident of a row into `incident`, as the incidents reader would.
    pub(super) fn fill(&self, row: &Row, incident: &mut Incident) -> Result<(), String> {
        if row.fields as usize != self.columns.len() {
            // (One that runs over lines is rejected by `split_part`.)
            return Err(input::wrong_field_count(self.columns.len(), row.fields as usize));
        }
        // The row's fields are contiguous in `bytes`: their text at once (checked
        // here unless the whole file was), and a check that no field ends inside
        // a character (fields of a quoted row are stored without the bytes
        // between them).
        let ends = &self.ends[row.first..row.first + row.fields as usize];
        if let Some(text) = self
            .bytes
            .str(row.start, row.start + ends.last().map_or(0, |&e| e as usize))
            && ends.iter().all(|&end| text.is_char_boundary(end as usize))
        {
            let mut from = 0;
            let fields = ends.iter().zip(&self.columns).map(|(&end, name)| {
                let field = &text[from..end as usize];
                from = end as usize + self.sep;
                (name.as_str(), field)
            });
            return incident.refill(fields, self.today).map_err(|e| e.to_string());
        }
        let mut bad = None;
        let fields = self
            .fields(row)
            .zip(&self.columns)
            .map_while(|(bytes, name)| match std::str::from_utf8(bytes) {
                Ok(text) => Some((name.as_str(), text)),
                Err(_) => {
                    bad = Some(format!("column `{name}` is not valid UTF-8"));
                    None
                }
            });
        let filled = incident.refill(fields, self.today);
        match bad {
            Some(reason) => Err(reason),
            None => filled.map_err(|e| e.to_string()),
        }
    }

    /// The raw ids of a row, even a bad one.
    fn raw_ids(&self, row: &Row) -> [String; 3] {
        let fields: Vec<&[u8]> = self.fields(row).collect();
        self.id_columns.map(|i| {
            fields
                .get(i)
                .map_or_else(String::new, |f| String::from_utf8_lossy(f).trim().to_string())
        })
    }

    /// Where the trimmed field `column` of a good row is, from the row's start.
    fn span(&self, row: &Row, column: usize) -> (u32, u32) {
        let from = match column {
            0 => 0,
            _ => self.ends[row.first + column - 1] as usize + self.sep,
        };
        let text = self
            .bytes
            .str(row.start + from, row.start + self.ends[row.first + column] as usize)
            .unwrap_or_default();
        let (skip, len) = input::trimmed_at(text);
        ((from + skip) as u32, len as u32)
    }

    /// The kinds of the rows not rejected when read, each once, in order.
    pub fn kinds(&self) -> BTreeSet<&str> {
        // The rows in file order, a slice per core: read in sequence, not
        // customer by customer, each slice's kinds in a set of its own.
        (self.rows.par_chunks(1 << 16))
            .map(|rows| {
                let good = rows.iter().filter(|r| r.rejected == NONE);
                good.map(|row| self.id(row, 2)).collect::<rustc_hash::FxHashSet<&str>>()
            })
            .reduce(rustc_hash::FxHashSet::default, |mut a, b| {
                a.extend(b);
                a
            })
            .into_iter()
            .collect()
    }

    /// Whether a customer of the good rows has no order in the history by
    /// the day of their first incident: the simple model's basket is then
    /// the incident's order value.
    pub fn has_customer_without_orders(&self) -> bool {
        // A group's first row is its customer's earliest incident.
        (self.bounds.windows(2))
            .map(|group| &self.rows[self.order[group[0]] as usize])
            .any(|first| !(self.transactions(first).iter()).any(|&(day, amount)| day <= first.date && amount > 0.0))
    }

    /// The history of a good row's customer.
    pub(super) fn transactions(&self, row: &Row) -> &[Transaction] {
        match self.indexed {
            true => self.history.transactions_of(row.customer as usize),
            false => self.history.transactions(self.id(row, 1)),
        }
    }

    /// The `case_id` (0), `customer_id` (1) or `kind` (2) of a good row.
    pub(super) fn id(&self, row: &Row, which: usize) -> &str {
        let (from, len) = row.ids[which];
        let at = row.start + from as usize;
        self.bytes.str(at, at + len as usize).unwrap_or_default()
    }

    /// Checks every row on every core: a good row gets its date, a bad one its reason.
    fn check_rows(&mut self) {
        let mut rows = std::mem::take(&mut self.rows);
        let this = &*self;
        let rejected: Vec<Vec<(usize, Rejected)>> = rows
            .par_chunks_mut(1 << 14)
            .enumerate()
            .map_init(blank, |incident, (chunk, rows)| {
                let mut bad = Vec::new();
                for (i, row) in rows.iter_mut().enumerate() {
                    if row.rejected != NONE {
                        continue;
                    }
                    match this.fill(row, incident) {
                        Ok(()) => {
                            row.date = incident.date;
                            row.ids = this.id_columns.map(|c| this.span(row, c));
                        }
                        Err(reason) => {
                            let [case_id, customer_id, kind] = this.raw_ids(row);
                            bad.push((
                                (chunk << 14) + i,
                                Rejected {
                                    case_id,
                                    customer_id,
                                    kind,
                                    reason,
                                },
                            ));
                        }
                    }
                }
                bad
            })
            .collect();
        for (i, r) in rejected.into_iter().flatten() {
            rows[i].rejected = self.rejected.len() as u32;
            self.rejected.push(r);
        }
        self.rows = rows;
    }

    /// Groups the good rows by customer, each group in (date, line) order.
    fn group(&mut self) {
        // Customers are numbered in id order (long ids last), the order in
        // which a file sorted by customer lists them.
        // Ranked by date, so each group is in (date, line) order.
        let (index, Groups { order, bounds }) = IdIndex::number(self.rows.len(), |i| {
            let row = &self.rows[i];
            (row.rejected == NONE).then(|| (self.id(row, 1), row.date))
        });
        for (g, w) in bounds.windows(2).enumerate() {
            for &i in &order[w[0]..w[1]] {
                self.rows[i as usize].customer = g as u32;
            }
        }
        self.order = order;
        self.bounds = bounds;
        self.customer_index = index;
    }

    /// Checks the header against the fields the policies read (`read`: the
    /// standard ones the engine reads itself, those their expressions name,
    /// and their declared incident attributes). A column that differs from
    /// a missing one only in case or separators (`Loss`, `Order Value`) is
    /// an error: every row would be answered without it, with its default
    /// (a loss of 0, today's date). Returns a warning for each other unread
    /// column that is a near miss of a field (`los`, `coupn_pct`, or
    /// `Channel` when no policy reads the channel).
    pub fn check_columns(&self, read: &[&str]) -> Result<Vec<String>, InputError> {
        let present = |name: &str| self.columns.iter().any(|c| c == name);
        let missing: Vec<&str> = STANDARD
            .iter()
            .chain(read)
            .copied()
            .filter(|name| !present(name))
            .collect();
        let mut warnings = Vec::new();
        for column in self.columns.iter().map(String::as_str) {
            if column.is_empty() || STANDARD.contains(&column) || read.contains(&column) {
                continue;
            }
            if let Some(field) = missing.iter().find(|m| read.contains(m) && loose(m) == loose(column)) {
                return Err(InputError::file(
                    &self.file,
                    format!(
                        "column `{column}` is not one the policy reads: did you mean `{field}`? \
                         Rename the column, or every row is answered as if it had no {field}"
                    ),
                ));
            }
            if let Some(field) = crate::suggest::did_you_mean(column, missing.iter().copied()) {
                warnings.push(format!(
                    "`{}`: column `{column}` is not one the policy reads, so it is ignored (did you mean `{field}`?)",
                    self.file
                ));
            }
        }
        Ok(warnings)
    }

    /// The number of rows of the incidents file.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the incidents file has no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The 1-based line of row `i`.
    pub fn line(&self, i: usize) -> u64 {
        self.rows[i].line
    }

    /// Row `i` as an incident, or why it was rejected when read.
    pub fn incident(&self, i: usize) -> Result<Incident, Rejected> {
        let row = &self.rows[i];
        if row.rejected != NONE {
            return Err(self.rejected[row.rejected as usize].clone());
        }
        let mut incident = blank();
        self.fill(row, &mut incident).map_err(|reason| Rejected {
            reason,
            ..Rejected::default()
        })?;
        Ok(incident)
    }

    /// The rows read with a field over lines in a free-text column whose
    /// later lines read like rows of the file, in file order: each is read
    /// as CSV reads it, its field whole, and is worth a warning.
    pub fn row_like_fields(&self) -> &[RowLike] {
        &self.row_like
    }

    /// The case ids on more than one answerable row (an export repeated, a
    /// case reopened under its old id): how many there are, and the first
    /// `keep` of them in the order of their first line, each with all its
    /// lines. A row rejected when read is not counted (it is not answered,
    /// nor does it count against any cap), nor is an empty id.
    ///
    /// Each row's id is hashed to 32 bits, packed with the row's index into
    /// one number, and the numbers sorted on every core (8 bytes a row); ids
    /// are compared only where two hashes are equal, and each repeated id
    /// holds 8 bytes until the ones shown are picked.
    pub fn duplicate_case_ids(&self, keep: usize) -> (usize, Vec<(&str, Vec<u64>)>) {
        use std::hash::BuildHasher;
        let hasher = rustc_hash::FxBuildHasher;
        let mut keys = Vec::new();
        (0..self.rows.len())
            .into_par_iter()
            .map(|i| ((hasher.hash_one(self.case_id(i)) >> 32) << 32) | i as u64)
            .collect_into_vec(&mut keys);
        keys.par_sort_unstable();
        let row = |key: u64| (key & 0xffff_ffff) as usize;
        let counted = |i: usize| self.rows[i].rejected == NONE && !self.case_id(i).is_empty();
        // Per repeated id: its first row, and where its hash's run starts in `keys`.
        let mut repeated: Vec<(u32, u32)> = Vec::new();
        let mut start = 0;
        for run in keys.chunk_by(|a, b| a >> 32 == b >> 32) {
            match run {
                [_] => {}
                // Most repeats: one id twice.
                &[a, b] => {
                    let (a, b) = (row(a), row(b));
                    if counted(a) && counted(b) && self.case_id(a) == self.case_id(b) {
                        repeated.push((a.min(b) as u32, start as u32));
                    }
                }
                _ => {
                    // Sorted by id then row: each id's first row leads its rows.
                    let mut ids: Vec<(&str, usize)> = run
                        .iter()
                        .map(|&key| row(key))
                        .filter(|&i| counted(i))
                        .map(|i| (self.case_id(i), i))
                        .collect();
                    ids.sort_unstable();
                    for same in ids.chunk_by(|a, b| a.0 == b.0).filter(|same| same.len() > 1) {
                        repeated.push((same[0].1 as u32, start as u32));
                    }
                }
            }
            start += run.len();
        }
        let count = repeated.len();
        repeated.par_sort_unstable();
        let shown = repeated
            .iter()
            .take(keep)
            .map(|&(first, start)| {
                let id = self.case_id(first as usize);
                let hash = keys[start as usize] >> 32;
                let mut rows: Vec<usize> = keys[start as usize..]
                    .iter()
                    .take_while(|&&key| key >> 32 == hash)
                    .map(|&key| row(key))
                    .filter(|&i| counted(i) && self.case_id(i) == id)
                    .collect();
                rows.sort_unstable();
                (id, rows.into_iter().map(|i| self.rows[i].line).collect())
            })
            .collect();
        (count, shown)
    }

    /// Row `i`'s `case_id`, trimmed, whether the row is good or rejected.
    fn case_id(&self, i: usize) -> &str {
        let row = &self.rows[i];
        match row.rejected {
            NONE => self.id(row, 0),
            r => &self.rejected[r as usize].case_id,
        }
    }

    /// The number of rows rejected when the file was read (a policy may reject more).
    pub fn rejected(&self) -> usize {
        self.rejected.len()
    }

    /// Starts fetching group `g`'s rows into the cache.
    pub(super) fn prefetch_rows(&self, g: usize) {
        for &i in &self.order[self.bounds[g]..self.bounds[g + 1]] {
            cache::prefetch(&self.rows[i as usize]);
        }
    }

    /// Starts fetching group `g`'s fields and its customer's transactions into the cache.
    pub(super) fn prefetch_group(&self, g: usize) {
        let group = &self.order[self.bounds[g]..self.bounds[g + 1]];
        for &i in group {
            let row = &self.rows[i as usize];
            cache::prefetch(&self.bytes.bytes()[row.start..]);
            cache::prefetch(&self.ends[row.first..]);
        }
        if self.indexed {
            let transactions = self
                .history
                .transactions_of(self.rows[group[0] as usize].customer as usize);
            if let (Some(first), Some(last)) = (transactions.first(), transactions.last()) {
                cache::prefetch(first);
                cache::prefetch(last);
            }
        }
    }

    /// The good rows grouped by customer, each group in (date, line) order, as row indexes.
    #[cfg(test)]
    fn groups(&self) -> impl IndexedParallelIterator<Item = &[u32]> {
        self.bounds.par_windows(2).map(|w| &self.order[w[0]..w[1]])
    }
}

/// A column name as compared for a near miss of a field: lower case, without separators.
fn loose(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// An incident to refill.
pub(super) fn blank() -> Incident {
    Incident {
        case_id: String::new(),
        customer_id: String::new(),
        kind: String::new(),
        date: 0,
        loss: 0.0,
        order_value: 0.0,
        severity: 0.0,
        channel: String::new(),
        extra: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::tests::data;
    use crate::batch::{evaluate, evaluate_rendered};
    use crate::input::twins;
    use crate::policy::Policy;
    use proptest::prelude::*;

    #[test]
    fn groups_follow_date_then_line() {
        let csv = "case_id,customer_id,kind,date\n\
                   K1,C2,late_delivery,2026-03-01\n\
                   K2,C1,late_delivery,2026-02-01\n\
                   K3,C2,late_delivery,2026-01-01\n\
                   K4,,late_delivery,2026-01-01\n\
                   K5,C2,late_delivery,2026-01-01\n";
        let d = data(csv, History::default(), Ledger::default());
        let groups: Vec<Vec<u32>> = d.groups().map(<[u32]>::to_vec).collect();
        assert_eq!(
            groups,
            vec![vec![1], vec![2, 4, 0]],
            "C1 first: customers go in id order"
        );
        assert_eq!((0..d.len()).map(|i| d.line(i)).collect::<Vec<_>>(), [2, 3, 4, 5, 6]);
        assert_eq!(d.rejected(), 1);
    }

    #[test]
    fn repeated_case_ids_are_found_with_their_lines() {
        // K1 three times (once on a rejected row, not counted; once with
        // spaces), K3 twice, K2 once, and two rows without an id.
        let csv = "case_id,customer_id,kind,date\n\
                   K1,C2,late_delivery,2026-03-01\n\
                   K3,C1,late_delivery,2026-02-01\n\
                   K2,C1,late_delivery,2026-02-01\n\
                   K1,C1,late_delivery,not a date\n\
                   ,C1,late_delivery,2026-02-01\n\
                   K3,C1,late_delivery,2026-02-02\n\
                   ,C1,late_delivery,2026-02-01\n\
                   \x20K1 ,C3,late_delivery,2026-01-01\n";
        let d = data(csv, History::default(), Ledger::default());
        assert_eq!(
            d.duplicate_case_ids(20),
            (2, vec![("K1", vec![2, 9]), ("K3", vec![3, 7])])
        );
        assert_eq!(d.duplicate_case_ids(1), (2, vec![("K1", vec![2, 9])]));
        let unique = data(
            "case_id,customer_id,kind,date\nK1,C1,late_delivery,2026-01-01\nK10,C1,late_delivery,2026-01-01\n",
            History::default(),
            Ledger::default(),
        );
        assert_eq!(unique.duplicate_case_ids(20), (0, vec![]));
    }

    #[test]
    fn a_character_split_between_quoted_fields_is_invalid_utf8() {
        // `"\xC3",\xA9`: each field alone is not UTF-8, but the two together are.
        let mut csv = b"case_id,customer_id,kind,date,note,more\nK1,C1,late_delivery,2026-01-01,\"".to_vec();
        csv.extend_from_slice(b"\xC3\",\xA9\n");
        let d = Data::from_reader(csv.as_slice(), "i.csv", 0, History::default(), None, Ledger::default()).unwrap();
        assert_eq!(d.rejected(), 1);
        let policy = Policy::default_policy();
        let out = evaluate(&policy, &d);
        assert_eq!(out[0].error.as_deref(), Some("column `note` is not valid UTF-8"));
    }

    #[test]
    fn a_bad_byte_rejects_its_row_only() {
        // Valid as a whole, the file's fields are sliced from it unchecked;
        // with one bad byte, each row is checked on its own.
        let good = "case_id,customer_id,kind,date,note\nK1,Cé,late_delivery,2026-01-01,naïve\nK2,C2,late_delivery,2026-01-02,x\n";
        let mut bad = good.as_bytes().to_vec();
        bad.extend_from_slice(b"K3,C3,late_delivery,2026-01-03,\xFF\n");
        let policy = Policy::default_policy();
        for (csv, rejected) in [(good.as_bytes(), 0), (bad.as_slice(), 1)] {
            let d = Data::from_reader(csv, "i.csv", 0, History::default(), None, Ledger::default()).unwrap();
            assert_eq!(matches!(d.bytes, Text::Utf8(_)), rejected == 0);
            assert_eq!(d.rejected(), rejected);
            let out = evaluate(&policy, &d);
            assert_eq!(out[0].customer_id, "Cé");
            assert_eq!(out[0].decision.as_str(), "gesture");
            assert_eq!(out[1].case_id, "K2");
            if rejected == 1 {
                assert_eq!(out[2].error.as_deref(), Some("column `note` is not valid UTF-8"));
                assert_eq!(out[2].case_id, "K3");
            }
        }
    }

    #[test]
    fn customers_are_numbered_by_id_then_long_ids_by_first_row() {
        let long = "C-0123456789-abcdefgh";
        let longer = "C-0123456789-abcdefgh-2";
        let mut csv = String::from("case_id,customer_id,kind,date\n");
        let ids = ["C7", long, "C7", "C3", longer, long, "", "C3", "C9"];
        for (i, id) in ids.iter().enumerate() {
            csv.push_str(&format!("K{i},{id},late_delivery,2026-01-0{}\n", 1 + i % 9));
        }
        let d = data(&csv, History::default(), Ledger::default());
        let groups: Vec<Vec<u32>> = d.groups().map(<[u32]>::to_vec).collect();
        assert_eq!(groups, vec![vec![3, 7], vec![0, 2], vec![8], vec![1, 5], vec![4]]);
        for (g, id) in ["C3", "C7", "C9", long, longer].into_iter().enumerate() {
            assert_eq!(d.customer_index.get(id), Some(g as u32));
        }
        assert_eq!(d.customer_index.len(), 5);
    }

    #[test]
    fn blank_lines_across_pieces_split_as_the_csv_reader_does() {
        // Over 1 MB, so several pieces; blank lines (LF and CRLF) here and there, CRLF ends.
        let mut plain = String::from("case_id,customer_id,kind,date,loss,note\r\n");
        for i in 0..40_000 {
            plain.push_str(&format!(
                "K{i},C{},late_delivery,2026-01-{:02},{},n{i}\r\n",
                i % 977,
                1 + i % 28,
                i % 50
            ));
            if i % 5_000 == 7 {
                plain.push_str("\r\n\n");
            }
        }
        plain.push_str("K-last,C1,late_delivery,2026-01-02,5,x");
        // A quoted field sends the whole file to the csv reader.
        let quoted = plain.replacen("K0,", "\"K0\",", 1);
        let (a, b) = (
            data(&plain, History::default(), Ledger::default()),
            data(&quoted, History::default(), Ledger::default()),
        );
        assert!(input::pieces(plain.as_bytes(), 0, 1 << 20).len() > 1);
        // The plain file (its header ending with CRLF too) is split on every
        // core; a quote, or a lone carriage return in a later piece, is not.
        assert_eq!((a.sep, b.sep), (1, 0), "which splitter read each file");
        let lone_cr = plain.replacen("K39999,", "K39999\r,", 1);
        assert_eq!(data(&lone_cr, History::default(), Ledger::default()).sep, 0);
        assert_eq!(a.len(), 40_001);
        assert_eq!(a.len(), b.len());
        // The lines are the file's own, blank lines counted.
        for i in 0..a.len() {
            assert_eq!(a.line(i), 2 + i as u64 + 2 * ((i as u64 + 4_992) / 5_000), "row {i}");
            assert_eq!(a.line(i), b.line(i), "row {i}");
            let (x, y) = (a.incident(i).unwrap(), b.incident(i).unwrap());
            assert_eq!(
                (&x.case_id, x.date, x.loss, x.extra("note")),
                (&y.case_id, y.date, y.loss, y.extra("note")),
                "row {i}"
            );
        }
        assert_eq!(a.line(40_000), 40_000 + 2 + 2 * 8);
    }

    /// One row of [`the_plain_splitter_reads_what_the_csv_crate_reads`].
    fn incident_row() -> impl Strategy<Value = twins::Row> {
        twins::row(vec![
            twins::pick(&["K1", "K2", "", " K3 ", "K\u{e9}"]),
            twins::pick(&["C1", "C2", "", " C1", "C\u{e9}", "C1 "]),
            twins::pick(&["late", "coupon", "", "nope", " late"]),
            twins::pick(twins::DATES),
            twins::pick(twins::NUMBERS),
            twins::pick(&["a", "", "\u{e9}", " ", "na\u{ef}ve", "\t"]),
        ])
    }

    proptest::proptest! {
        /// The same rows, plain (split on every core) and with some fields
        /// quoted (read by the csv crate), with random line ends, blank lines
        /// and wrong field counts, give the same incidents, the same
        /// rejections and the same lines.
        #[test]
        fn the_plain_splitter_reads_what_the_csv_crate_reads(
            rows in proptest::collection::vec(incident_row(), 0..12),
            header_end in prop_oneof![Just("\n"), Just("\r\n")],
            final_end in any::<bool>(),
        ) {
            let [plain, quoted] = twins::texts(
                "case_id,customer_id,kind,date,loss,note",
                header_end,
                &rows,
                final_end,
                ["K-last,C9,late,2026-01-01,1,z", "\"K-last\",C9,late,2026-01-01,1,z"],
            );
            let a = data(&plain, History::default(), Ledger::default());
            let b = data(&quoted, History::default(), Ledger::default());
            prop_assert_eq!((a.sep, b.sep), (1, 0), "which splitter read each file");
            prop_assert_eq!(a.len(), b.len());
            prop_assert_eq!(a.rejected(), b.rejected());
            for i in 0..a.len() {
                prop_assert_eq!(a.line(i), b.line(i), "row {}", i);
                prop_assert_eq!(a.incident(i), b.incident(i), "row {}", i);
            }
            let policy = Policy::default_policy();
            let render = |d: &Data| {
                let r = evaluate_rendered(&policy, d, &|_| {}, crate::render::csv::row, true);
                ((0..r.len()).map(|i| r.row(i).to_vec()).collect::<Vec<_>>(), r.rejected, r.summary)
            };
            prop_assert_eq!(render(&a), render(&b));
        }
    }
}
