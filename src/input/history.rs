//! Purchase history: transactions grouped by customer, and the customer
//! features of the README's "The policy" computed as of a date.
//!
//! Features are computed from the transactions on or before the as-of date
//! only, so a backtest over last year's incidents never sees what came after
//! them. Transactions are kept sorted by day per customer, which makes the
//! cut-off a binary search.
//!
//! History files hold tens of millions of rows, so a file is read in blocks
//! that are cut at line ends and parsed on every core. The kept rows stay in
//! one array in file order when each customer's rows come together (the
//! usual layout); a file that lists a customer in several places has them
//! gathered customer by customer. A file with a quoted field (which may
//! hold a comma or a line break) or a lone carriage return is read row by row
//! by the csv crate instead, which gives the same result, slower.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use super::ids::{IdIndex, Interner};
use super::{InputError, csv_reader, customer_id, field, parse_date, parse_number};
use crate::date::Day;

/// One transaction: its day and amount (negative for a refund).
pub type Transaction = (Day, f64);

/// Every customer's transactions, sorted by day.
#[derive(Debug, Default)]
pub struct History {
    /// Customer id to its index in `spans`.
    index: FxHashMap<Box<str>, u32>,
    /// Customer `i`'s transactions are `transactions[spans[i].0..spans[i].1]`.
    spans: Vec<(usize, usize)>,
    transactions: Vec<Transaction>,
    /// Customers with at least one transaction.
    customers: usize,
    rows: u64,
    /// Read with an index of named customers: the first bad row of each
    /// named customer who has one, by the customer's number. Some of their
    /// rows may be kept, but the customer's history is not to be used.
    problems: FxHashMap<u32, InputError>,
}

/// The rows kept while reading, in file order, as runs of one customer's
/// rows: a history file usually lists a customer's rows together, and then
/// each customer is one run, already in place.
#[derive(Debug, Default)]
struct Kept {
    transactions: Vec<Transaction>,
    /// Per run: the customer's index and the number of rows.
    runs: Vec<(u32, u32)>,
    /// The bad rows of named customers: the customer, the row's line and why.
    problems: Vec<(u32, u64, String)>,
}

impl Kept {
    fn push(&mut self, customer: u32, tx: Transaction) {
        self.extend_run(customer, 1);
        self.transactions.push(tx);
    }

    /// Appends another's rows, its customers renumbered by `number` and its
    /// problems' lines moved on by `lines`.
    fn append(&mut self, other: Kept, number: impl Fn(u32) -> u32, lines: u64) {
        for (c, n) in other.runs {
            self.extend_run(number(c), n);
        }
        self.transactions.extend(other.transactions);
        let moved = other
            .problems
            .into_iter()
            .map(|(c, line, why)| (number(c), line + lines, why));
        self.problems.extend(moved);
    }

    /// Counts `n` more rows of `customer`: the last run's, if it is theirs.
    fn extend_run(&mut self, customer: u32, n: u32) {
        match self.runs.last_mut() {
            Some((c, rows)) if *c == customer => *rows += n,
            _ => self.runs.push((customer, n)),
        }
    }
}

/// Bytes read at a time; each block is parsed in parallel pieces.
const BLOCK: usize = 32 << 20;
/// The size of a piece parsed by one task.
const PIECE: usize = 1 << 20;

impl History {
    /// Reads a history file. With `only`, the rows of customers not in the
    /// set are skipped unread: a problem in them is not reported. A bad row
    /// of a customer read is an error.
    pub fn load(path: &Path, only: Option<&HashSet<String>>) -> Result<History, InputError> {
        match only {
            Some(set) => {
                let set: FxHashSet<&str> = set.iter().map(String::as_str).collect();
                Self::load_only(path, &set)
            }
            None => Self::load_path(path, None, false),
        }
    }

    /// Reads a history file, keeping only the customers in `only` (the other
    /// rows are skipped unread). `-` is standard input.
    pub fn load_only(path: &Path, only: &FxHashSet<&str>) -> Result<History, InputError> {
        let indexed = IdIndex::new(only.iter().copied());
        let mut history = Self::load_path(path, Some(&indexed), false)?;
        history.index = by_id(&indexed);
        Ok(history)
    }

    /// Reads a history file, keeping only the customers `ids` numbers (the
    /// other rows are skipped unread); customer number `i` is then
    /// [`History::transactions_of`]`(i)`. Such a history has no index by id:
    /// [`History::transactions`] finds nobody in it. A bad row of a named
    /// customer is not an error here: [`History::problem_of`] gives the
    /// first, and the batch rejects that customer's incidents.
    pub(crate) fn load_indexed(path: &Path, ids: &IdIndex) -> Result<History, InputError> {
        Self::load_path(path, Some(ids), true)
    }

    /// Reads a file; with `only`, the rows are tagged with `only`'s numbers
    /// and the history has no index by id. With `per_customer`, a named
    /// customer's bad row is theirs ([`History::problem_of`]), not an error.
    fn load_path(path: &Path, only: Option<&IdIndex>, per_customer: bool) -> Result<History, InputError> {
        let name = path.display().to_string();
        if path.as_os_str() == "-" {
            return Self::read_csv(super::open(path)?, &name, only, per_customer);
        }
        let file = File::open(path).map_err(|e| InputError::file(&name, format!("cannot open: {e}")))?;
        // A pipe (`--history <(...)`) cannot be read again: it is read row by row from the start.
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            return Self::read_csv(file, &name, only, per_customer);
        }
        match Self::read_parallel(file, &name, only, per_customer, BLOCK, PIECE)? {
            Some(history) => Ok(history),
            None => Self::read_csv(super::open(path)?, &name, only, per_customer),
        }
    }

    /// Reads history from any reader; `file` names it in errors.
    pub fn from_reader<R: Read>(input: R, file: &str, only: Option<&HashSet<String>>) -> Result<History, InputError> {
        match only {
            Some(set) => {
                let indexed = IdIndex::new(set.iter().map(String::as_str));
                let mut history = Self::read_csv(input, file, Some(&indexed), false)?;
                history.index = by_id(&indexed);
                Ok(history)
            }
            None => Self::read_csv(input, file, None, false),
        }
    }

    /// An id of the history file that differs from `id` only in case or in
    /// spaces around it (`c0004711` for `C0004711`), for a customer found
    /// nowhere in it. Reads the whole file again: a rep's miss, not a
    /// batch's; so none from standard input, which cannot be read twice.
    pub fn similar_id(path: &Path, id: &str) -> Option<String> {
        Self::similar_ids(path, &[id]).pop().flatten()
    }

    /// [`History::similar_id`] for each of `ids`, in one read of the file.
    pub fn similar_ids(path: &Path, ids: &[&str]) -> Vec<Option<String>> {
        let mut found = vec![None; ids.len()];
        // Nor from a named pipe: opening it again would wait for a writer for ever.
        if path.as_os_str() == "-" || !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
            return found;
        }
        let Some(mut reader) = File::open(path).ok().map(csv_reader) else {
            return found;
        };
        let Some(column) = super::Header::read(&mut reader, "")
            .ok()
            .and_then(|h| h.find(&["customer_id"]))
        else {
            return found;
        };
        let folded = |id: &str, into: &mut String| {
            into.clear();
            into.extend(id.trim().chars().flat_map(char::to_lowercase));
        };
        let mut wanted: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            let mut key = String::new();
            folded(id, &mut key);
            wanted.entry(key).or_default().push(i);
        }
        // One id (a rep's case) is compared in place, each row given up at
        // its first differing character; several are looked up, each row's
        // id folded into one reused buffer.
        let single = match ids {
            [one] => wanted.keys().next().map(|k| (k.clone(), *one)),
            _ => None,
        };
        let (mut record, mut buffer) = (csv::ByteRecord::new(), String::new());
        while reader.read_byte_record(&mut record).unwrap_or(false) {
            let Some(other) = record.get(column).and_then(|f| std::str::from_utf8(f).ok()) else {
                continue;
            };
            if let Some((key, id)) = &single {
                if other != *id && other.trim().chars().flat_map(char::to_lowercase).eq(key.chars()) {
                    found[0] = Some(other.to_string());
                    break;
                }
                continue;
            }
            folded(other, &mut buffer);
            for &i in wanted.get(&buffer).into_iter().flatten() {
                if found[i].is_none() && other != ids[i] {
                    found[i] = Some(other.to_string());
                }
            }
        }
        found
    }

    /// The row-by-row reader, for streams and files the parallel reader declines.
    fn read_csv<R: Read>(
        input: R,
        file: &str,
        only: Option<&IdIndex>,
        per_customer: bool,
    ) -> Result<History, InputError> {
        let mut reader = csv_reader(input);
        let header = super::Header::read(&mut reader, file)?;
        let id_col = header.require(&["customer_id"], file)?;
        let date_col = header.require(&["date"], file)?;
        let amount_col = header.require(&["amount"], file)?;
        let fields = header.names().len();
        let mut ids = Interner::default();
        let mut kept = Kept::default();
        let mut rows = 0;
        let mut with_problem = FxHashSet::default();
        super::for_each_row(&mut reader, file, |record, line| {
            rows += 1;
            if !super::to_read(id_col, fields, record.len(), only.is_some(), || record.iter())? {
                return Ok(());
            }
            // With `only`, the other customers' rows are not read (as the parallel reader).
            let customer = match only {
                Some(map) => match super::named_row(record, id_col, map)? {
                    Some(i) => i,
                    None => return Ok(()),
                },
                None => ids.get(customer_id(record, id_col)?),
            };
            // Only a customer's first bad row is reported.
            if with_problem.contains(&customer) {
                return Ok(());
            }
            let transaction = || -> Result<Transaction, String> {
                super::field_count(fields, record.len())?;
                let day = parse_date(field(record, date_col, "date")?, "date")?;
                let amount = parse_number(field(record, amount_col, "amount")?, "amount")?;
                Ok((day, amount))
            };
            match transaction() {
                Ok(tx) => kept.push(customer, tx),
                // A named customer's bad row is theirs alone (see `load_indexed`).
                Err(why) if per_customer => {
                    with_problem.insert(customer);
                    kept.problems.push((customer, line, why));
                }
                Err(why) => return Err(why),
            }
            Ok(())
        })?;
        Ok(match only {
            Some(map) => Self::lay_out(map.len(), kept, rows, file),
            None => Self::assemble(ids.into_map(), kept, rows, file),
        })
    }

    /// The parallel reader; `None` when the file needs the csv crate (quotes, lone CRs).
    fn read_parallel(
        mut file: File,
        name: &str,
        indexed: Option<&IdIndex>,
        per_customer: bool,
        block: usize,
        piece: usize,
    ) -> Result<Option<History>, InputError> {
        let read_err = |e: std::io::Error| InputError::file(name, format!("read error: {e}"));
        // The header, with the csv crate: it knows BOMs and quoting.
        let mut buf: Vec<u8> = Vec::with_capacity(block + piece);
        let mut eof = fill(&mut file, &mut buf, block).map_err(read_err)?;
        let header_end = match memchr::memchr(b'\n', &buf) {
            Some(i) => i + 1,
            None if eof => buf.len(),
            // A block without a line feed: lone carriage returns, or one huge line.
            None => return Ok(None),
        };
        // A lone carriage return ends the header (and maybe rows after it) to
        // the csv crate, where this reader would take it all for the header.
        if !super::plain(&buf, 0, header_end) {
            return Ok(None);
        }
        let mut reader = csv_reader(&buf[..header_end]);
        let header = super::Header::read(&mut reader, name)?;
        let cols = Columns {
            id: header.require(&["customer_id"], name)?,
            date: header.require(&["date"], name)?,
            amount: header.require(&["amount"], name)?,
            fields: header.names().len(),
        };
        buf.drain(..header_end);
        // Lines before the current block, for error messages: the header's one.
        let mut lines_before: u64 = 1;
        let mut bytes_seen = header_end;
        let mut ids = Interner::default();
        let mut kept = Kept::default();
        let mut rows = 0;
        loop {
            // The block ends at its last line end; the rest moves to the next block.
            let end = if eof {
                buf.len()
            } else {
                match memchr::memrchr(b'\n', &buf) {
                    Some(i) => i + 1,
                    None => {
                        eof = fill(&mut file, &mut buf, block).map_err(read_err)?;
                        continue;
                    }
                }
            };
            let pieces: Vec<&[u8]> = super::pieces(&buf[..end], 0, piece)
                .into_iter()
                .map(|(from, to)| &buf[from..to])
                .collect();
            let parsed: Vec<Result<Piece<'_>, Failure>> = pieces
                .par_iter()
                .map(|p| parse_piece(p, &cols, indexed, per_customer))
                .collect();
            let mut at_line = lines_before;
            for result in parsed {
                match result {
                    Ok(p) if indexed.is_some() => {
                        rows += p.rows;
                        kept.append(p.kept, |i| i, at_line + 1);
                        at_line += p.newlines;
                    }
                    Ok(p) => {
                        rows += p.rows;
                        let local: Vec<u32> = p.ids.iter().map(|id| ids.get(id)).collect();
                        kept.append(p.kept, |i| local[i as usize], at_line + 1);
                        at_line += p.newlines;
                    }
                    Err(Failure::NeedsCsv) => return Ok(None),
                    Err(Failure::Row { line, message }) => {
                        return Err(InputError::row(name, at_line + line + 1, message));
                    }
                }
            }
            lines_before = at_line;
            let tx = &mut kept.transactions;
            if tx.capacity() == tx.len() && !eof {
                // Growing by doubling would copy the rows several times: reserve what
                // the file's size says is coming, at the rate seen so far.
                let total = file.metadata().map_or(0, |m| m.len()) as f64;
                let estimate = total * (tx.len() as f64 / (bytes_seen + end) as f64) * 1.05;
                tx.reserve((estimate as usize).saturating_sub(tx.len()));
            }
            bytes_seen += end;
            if eof {
                break;
            }
            buf.drain(..end);
            eof = fill(&mut file, &mut buf, block).map_err(read_err)?;
        }
        Ok(Some(match indexed {
            Some(map) => Self::lay_out(map.len(), kept, rows, name),
            None => Self::assemble(ids.into_map(), kept, rows, name),
        }))
    }

    /// Lays the kept rows out customer by customer, each sorted by day.
    fn assemble(index: FxHashMap<Box<str>, u32>, kept: Kept, rows: u64, file: &str) -> History {
        let n = index.len();
        History {
            index,
            ..Self::lay_out(n, kept, rows, file)
        }
    }

    /// [`History::assemble`] for `n` customers, without the index by id;
    /// `file` names the file in the problems' messages.
    fn lay_out(n: usize, kept: Kept, rows: u64, file: &str) -> History {
        let Kept {
            mut transactions,
            runs,
            problems,
        } = kept;
        let mut first: FxHashMap<u32, InputError> = FxHashMap::default();
        // In line order: the first of a customer's is kept.
        for (c, line, why) in problems {
            first.entry(c).or_insert_with(|| InputError::row(file, line, why));
        }
        // Where each customer's rows are, if each has one run: then they stay
        // where they are. `bounds`: where the runs begin and end, in file order.
        let mut spans = vec![(0usize, 0usize); n];
        let mut bounds = vec![0];
        let mut one_run_each = true;
        for &(c, len) in &runs {
            let span = &mut spans[c as usize];
            if span.1 > span.0 {
                one_run_each = false;
                break;
            }
            let at = bounds[bounds.len() - 1];
            *span = (at, at + len as usize);
            bounds.push(at + len as usize);
        }
        // Where each customer's rows begin and end, in the order they lie.
        let bounds: Vec<usize> = if one_run_each {
            bounds
        } else {
            // Gathered customer by customer, each customer's runs in file order.
            let mut starts = vec![0usize; n + 1];
            for &(c, len) in &runs {
                starts[c as usize + 1] += len as usize;
            }
            for i in 0..n {
                starts[i + 1] += starts[i];
            }
            let mut next = starts.clone();
            let mut gathered = vec![(0, 0.0); transactions.len()];
            let mut from = 0;
            for &(c, len) in &runs {
                let to = next[c as usize];
                gathered[to..to + len as usize].copy_from_slice(&transactions[from..from + len as usize]);
                next[c as usize] += len as usize;
                from += len as usize;
            }
            transactions = gathered;
            spans = starts.windows(2).map(|w| (w[0], w[1])).collect();
            starts
        };
        drop(runs);
        let mut slices = super::groups_mut(&mut transactions, &bounds);
        // Stable, so same-day rows keep file order: results never depend on it,
        // but reproducibility is cheap.
        slices.par_iter_mut().for_each(|s| {
            if !s.is_sorted_by_key(|t| t.0) {
                s.sort_by_key(|t| t.0);
            }
        });
        let customers = spans.iter().filter(|s| s.1 > s.0).count();
        History {
            index: FxHashMap::default(),
            spans,
            transactions,
            customers,
            rows,
            problems: first,
        }
    }

    /// The first bad row of customer number `i` of a history read with
    /// [`History::load_indexed`]: their rows are not to be used.
    pub(crate) fn problem_of(&self, i: usize) -> Option<&InputError> {
        self.problems.get(&(i as u32))
    }

    /// Builds a history from transactions in memory.
    pub fn from_transactions<'a>(rows: impl IntoIterator<Item = (&'a str, Transaction)>) -> History {
        let mut ids = Interner::default();
        let mut kept = Kept::default();
        for (id, tx) in rows {
            kept.push(ids.get(id), tx);
        }
        let n = kept.transactions.len() as u64;
        Self::assemble(ids.into_map(), kept, n, "")
    }

    /// A customer's transactions, sorted by day (empty for an unknown
    /// customer, and for every customer of a history read with
    /// `History::load_indexed`).
    pub fn transactions(&self, customer_id: &str) -> &[Transaction] {
        match self.index.get(customer_id) {
            Some(&i) => self.transactions_of(i as usize),
            None => &[],
        }
    }

    /// Customer `i`'s transactions, sorted by day, for a history read with
    /// `History::load_indexed` (empty past the end).
    pub fn transactions_of(&self, i: usize) -> &[Transaction] {
        match self.spans.get(i) {
            Some(&(from, to)) => &self.transactions[from..to],
            None => &[],
        }
    }

    /// The number of customers.
    pub fn customers(&self) -> usize {
        self.customers
    }

    /// The number of rows read, skipped customers included.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Every customer with their transactions, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Transaction])> {
        self.index.iter().filter_map(|(k, &i)| {
            let list = self.transactions_of(i as usize);
            (!list.is_empty()).then_some((&**k, list))
        })
    }
}

/// Where the required columns are, and how many columns there are.
struct Columns {
    id: usize,
    date: usize,
    amount: usize,
    fields: usize,
}

/// What one piece of a block holds: its customers in first-seen order, and
/// its kept rows keyed by an index into them.
struct Piece<'a> {
    ids: Vec<&'a str>,
    kept: Kept,
    rows: u64,
    /// The `\n`s in the piece.
    newlines: u64,
}

/// Why a piece could not be parsed.
enum Failure {
    /// The file needs a real CSV parser.
    NeedsCsv,
    /// A bad row, `line` lines after the piece's first.
    Row { line: u64, message: String },
}

/// Reads until `buf` holds `want` more bytes or the file ends; true at the end.
fn fill(file: &mut File, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    buf.reserve(want);
    // `read_to_end` fills spare capacity without zeroing it first.
    let got = file.by_ref().take(want as u64).read_to_end(buf)?;
    Ok(got < want)
}

/// The index by id of a history read with `ids`: an allocation per customer.
fn by_id(ids: &IdIndex) -> FxHashMap<Box<str>, u32> {
    ids.iter().map(|(id, i)| (Box::from(id), i)).collect()
}

/// Parses one piece. With `indexed`, rows of other customers are skipped
/// unread, and kept rows carry the customer's index from the map; without,
/// every row is kept, keyed by an index into the piece's own `ids`.
fn parse_piece<'a>(
    piece: &'a [u8],
    cols: &Columns,
    indexed: Option<&IdIndex>,
    per_customer: bool,
) -> Result<Piece<'a>, Failure> {
    if !super::plain(piece, 0, piece.len()) {
        return Err(Failure::NeedsCsv);
    }
    let mut local: FxHashMap<&'a str, u32> = FxHashMap::default();
    let mut out = Piece {
        ids: Vec::new(),
        kept: Kept {
            transactions: Vec::with_capacity(piece.len() / 32),
            runs: Vec::new(),
            problems: Vec::new(),
        },
        rows: 0,
        newlines: 0,
    };
    let last = cols.id.max(cols.date).max(cols.amount);
    // Checked once for the whole piece, the fields need no check of their own;
    // a piece with a bad byte checks field by field, for the message.
    let whole = std::str::from_utf8(piece).ok();
    let mut previous: (&str, Option<u32>) = ("", None);
    let mut cursor = indexed.map(IdIndex::cursor);
    // Only a customer's first bad row is reported: the others are not read.
    let mut with_problem: FxHashSet<u32> = FxHashSet::default();
    for (n, (offset, line)) in super::lines(piece).enumerate() {
        // Every line after the first follows a `\n`.
        out.newlines = n as u64;
        if line.is_empty() {
            continue;
        }
        // Fields are a few bytes long: a plain scan beats starting memchr per field.
        let mut fields: [(usize, usize); 3] = [(0, 0); 3];
        let mut start = 0;
        // The number of fields, if the line ends by the last one read; 0 if it
        // goes on past it, from `start`.
        let mut found = 0;
        for i in 0..=last {
            let end = line[start..]
                .iter()
                .position(|&c| c == b',')
                .map_or(line.len(), |k| start + k);
            if i == cols.id {
                fields[0] = (start, end);
            } else if i == cols.date {
                fields[1] = (start, end);
            } else if i == cols.amount {
                fields[2] = (start, end);
            }
            if end == line.len() {
                found = i + 1;
                break;
            }
            start = end + 1;
        }
        let text = |(from, to): (usize, usize), column: &str| match whole {
            Some(all) => Ok(super::trim(&all[offset + from..offset + to])),
            None => std::str::from_utf8(&line[from..to])
                .map(super::trim)
                .map_err(|_| format!("column `{column}` is not valid UTF-8")),
        };
        let bad = |message: String| Failure::Row {
            line: n as u64,
            message,
        };
        out.rows += 1;
        // Whose row it is, before it is skipped as another customer's: a
        // comma too few, or one too many before the id, leaves it anyone's.
        // The fields are counted here only when the scan above leaves that
        // open (a row that goes on past the last field read has at least
        // `last + 2`).
        // The number of fields of a row that goes on past the last one read.
        let count = || last + 2 + commas(piece, offset + start, offset + line.len());
        if found == 0 && (cols.id != 0 || cols.fields > last + 2) {
            found = count();
        }
        let split = || line.split(|&c| c == b',');
        if found != 0 && !super::to_read(cols.id, cols.fields, found, indexed.is_some(), split).map_err(bad)? {
            continue;
        }
        let id = text(fields[0], "customer_id");
        let customer = match &mut cursor {
            // Only the named customers' rows are read: a customer's rows
            // usually come together, so each run is looked up once. An id
            // that is not text names nobody; an empty one, anybody.
            Some(cursor) => {
                let Ok(id) = id else { continue };
                if id.is_empty() {
                    super::without_id(split()).map_err(bad)?;
                    continue;
                }
                if id != previous.0 {
                    previous = (id, cursor.get(id));
                }
                match previous.1 {
                    Some(i) => i,
                    None => continue,
                }
            }
            None => {
                let id = match id.map_err(bad)? {
                    "" => return Err(bad("column `customer_id` is empty".into())),
                    id => id,
                };
                let next = out.ids.len() as u32;
                *local.entry(id).or_insert_with(|| {
                    out.ids.push(id);
                    next
                })
            }
        };
        if !with_problem.is_empty() && with_problem.contains(&customer) {
            continue;
        }
        // A kept row's fields, if not counted above.
        if found == 0 {
            found = count();
        }
        let transaction = || -> Result<Transaction, String> {
            if found != cols.fields {
                return Err(super::wrong_field_count(cols.fields, found));
            }
            let day = parse_date(text(fields[1], "date")?, "date")?;
            let amount = parse_number(text(fields[2], "amount")?, "amount")?;
            Ok((day, amount))
        };
        match transaction() {
            Ok(tx) => out.kept.push(customer, tx),
            // A named customer's bad row is theirs alone (see `load_indexed`).
            Err(why) if per_customer => {
                with_problem.insert(customer);
                out.kept.problems.push((customer, n as u64, why));
            }
            Err(why) => return Err(bad(why)),
        }
    }
    Ok(out)
}

/// The commas in `bytes[from..to]`. What is left of a line after the
/// fields read is short (an order id): when it fits in eight bytes and
/// `bytes` goes on that far, the eight bytes are looked at at once, those
/// past `to` masked off.
fn commas(bytes: &[u8], from: usize, to: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    match bytes.get(from..).and_then(<[u8]>::first_chunk::<8>) {
        Some(word) if to - from <= 8 => {
            // A comma is a zero byte of `x`; each zero byte gets its high bit
            // set in `hits` (exactly: no addition carries into the next byte).
            let x = u64::from_le_bytes(*word) ^ (ONES * u64::from(b','));
            let hits = !(((x & (ONES * 0x7f)) + ONES * 0x7f) | x) & (ONES * 0x80);
            let kept = u64::MAX.checked_shr(64 - 8 * (to - from) as u32).unwrap_or(0);
            // The high bits, one per byte, summed into the top byte.
            (((hits & kept) >> 7).wrapping_mul(ONES) >> 56) as usize
        }
        _ => bytes[from..to].iter().filter(|&&c| c == b',').count(),
    }
}

/// A customer's history summarised as of a date (the README's "The policy").
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Features {
    /// Transactions with amount > 0.
    pub orders: u64,
    /// Sum of amounts, refunds included.
    pub total_spend: f64,
    /// Mean of the positive amounts; 0 if none.
    pub avg_order_value: f64,
    /// The first order's day, if any.
    pub first_order: Option<Day>,
    /// The last order's day, if any.
    pub last_order: Option<Day>,
    /// As-of minus first order, in days (0 if none).
    pub tenure_days: f64,
    /// As-of minus last order, in days (0 if none).
    pub recency_days: f64,
    /// Transactions with amount < 0.
    pub refunds: u64,
    /// Whether the customer has any history row on or before as-of.
    pub known: bool,
}

/// The transactions on or before `as_of` of a day-sorted list.
pub fn up_to(transactions: &[Transaction], as_of: Day) -> &[Transaction] {
    &transactions[..transactions.partition_point(|t| t.0 <= as_of)]
}

/// The features of a customer as of a day, from their day-sorted transactions.
pub fn features(transactions: &[Transaction], as_of: Day) -> Features {
    let past = up_to(transactions, as_of);
    let mut f = Features {
        known: !past.is_empty(),
        ..Features::default()
    };
    let mut positive = 0.0;
    for &(day, amount) in past {
        f.total_spend += amount;
        if amount > 0.0 {
            f.orders += 1;
            positive += amount;
            f.first_order.get_or_insert(day);
            f.last_order = Some(day);
        } else if amount < 0.0 {
            f.refunds += 1;
        }
    }
    if f.orders > 0 {
        f.avg_order_value = positive / f.orders as f64;
    }
    f.tenure_days = f.first_order.map_or(0.0, |d| f64::from(as_of - d));
    f.recency_days = f.last_order.map_or(0.0, |d| f64::from(as_of - d));
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse;
    use crate::input::twins;
    use proptest::prelude::*;

    fn d(s: &str) -> Day {
        parse(s).unwrap()
    }

    const SAMPLE: &str = "order_id,amount,customer_id,date\n\
        1,50.00,C1,2025-01-10\n\
        2,30.00,C1,2025-03-01\n\
        3,-30.00,C1,2025-03-04\n\
        4,70.00,C1,2025-06-01\n\
        5,20.00,C2,2025-02-02\n";

    #[test]
    fn features_as_of_a_date_ignore_the_future() {
        let h = History::from_reader(SAMPLE.as_bytes(), "h.csv", None).unwrap();
        assert_eq!(h.customers(), 2);
        let f = features(h.transactions("C1"), d("2025-03-10"));
        assert_eq!(f.orders, 2);
        assert_eq!(f.refunds, 1);
        assert_eq!(f.total_spend, 50.0);
        assert_eq!(f.avg_order_value, 40.0);
        assert_eq!(f.first_order, Some(d("2025-01-10")));
        assert_eq!(f.last_order, Some(d("2025-03-01")));
        assert_eq!(f.tenure_days, 59.0);
        assert_eq!(f.recency_days, 9.0);
        assert!(f.known);

        let all = features(h.transactions("C1"), d("2025-06-01"));
        assert_eq!(all.orders, 3);
        assert_eq!(all.avg_order_value, 50.0);
    }

    #[test]
    fn unknown_or_not_yet_a_customer() {
        let h = History::from_reader(SAMPLE.as_bytes(), "h.csv", None).unwrap();
        assert_eq!(features(h.transactions("C9"), d("2025-06-01")), Features::default());
        let early = features(h.transactions("C2"), d("2025-01-01"));
        assert!(!early.known);
        assert_eq!(early.orders, 0);
    }

    /// Reads `text` with the parallel reader, in tiny blocks and pieces so that rows straddle them.
    fn parallel(text: &str, only: Option<&FxHashSet<&str>>) -> Result<Option<History>, InputError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        std::fs::write(&path, text).unwrap();
        let indexed: Option<IdIndex> = only.map(|set| IdIndex::new(set.iter().copied()));
        // With `only`, as `load_only`: a named customer's bad row is an error.
        let read = History::read_parallel(File::open(&path).unwrap(), "h.csv", indexed.as_ref(), false, 40, 16)?;
        Ok(read.map(|history| match &indexed {
            Some(ids) => History {
                index: by_id(ids),
                ..history
            },
            None => history,
        }))
    }

    /// A history read for a batch: per named customer, their rows (none
    /// shown for a customer with a bad row: they are not to be used) or
    /// their first bad row's line and message; or the error of a row whose
    /// customer cannot be told.
    #[allow(clippy::type_complexity)]
    fn per_customer(
        read: Result<Option<History>, InputError>,
        n: usize,
    ) -> Result<Vec<(Vec<Transaction>, Option<(u64, String)>)>, (Option<u64>, String)> {
        let h = read.map_err(|e| (e.line, e.message))?.expect("read");
        Ok((0..n)
            .map(|i| match h.problem_of(i) {
                Some(e) => (Vec::new(), Some((e.line.unwrap(), e.message.clone()))),
                None => (h.transactions_of(i).to_vec(), None),
            })
            .collect())
    }

    fn same(a: &History, b: &History) {
        assert_eq!(a.rows(), b.rows());
        assert_eq!(a.customers(), b.customers());
        let mut x: Vec<_> = a.iter().collect();
        let mut y: Vec<_> = b.iter().collect();
        x.sort_by_key(|p| p.0);
        y.sort_by_key(|p| p.0);
        assert_eq!(x, y);
    }

    #[test]
    fn the_parallel_reader_reads_what_the_csv_crate_reads() {
        let crlf = SAMPLE.replace('\n', "\r\n");
        let blank = SAMPLE.replace("3,-30.00", "\n3,-30.00");
        for text in [SAMPLE, crlf.as_str(), blank.as_str()] {
            let slow = History::from_reader(text.as_bytes(), "h.csv", None).unwrap();
            let fast = parallel(text, None).unwrap().unwrap();
            same(&fast, &slow);
            let only: FxHashSet<&str> = ["C2", "C7"].into_iter().collect();
            let set: HashSet<String> = ["C2".to_string(), "C7".to_string()].into();
            let slow = History::from_reader(text.as_bytes(), "h.csv", Some(&set)).unwrap();
            let fast = parallel(text, Some(&only)).unwrap().unwrap();
            same(&fast, &slow);
            assert_eq!(fast.customers(), 1);
            assert_eq!(fast.transactions("C7"), &[]);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("h.csv");
            std::fs::write(&path, text).unwrap();
            let by_index = History::load_indexed(&path, &IdIndex::new(["C7", "C2"])).unwrap();
            assert_eq!(by_index.transactions_of(1), slow.transactions("C2"));
            assert_eq!(by_index.transactions_of(0), &[]);
            assert_eq!(by_index.transactions_of(2), &[]);
        }
        // A quoted field is left to the csv crate.
        assert!(
            parallel("customer_id,date,amount\n\"C1\",2025-01-01,5\n", None)
                .unwrap()
                .is_none()
        );
    }

    /// One row of [`the_parallel_reader_reads_what_the_csv_crate_reads_any_rows`].
    fn history_row() -> impl Strategy<Value = twins::Row> {
        twins::row(vec![
            twins::pick(&["C1", "C2", "", " C1", "C\u{e9}", "C1 "]),
            twins::pick(twins::DATES),
            twins::pick(twins::NUMBERS),
            twins::pick(&["O1", "", " "]),
        ])
    }

    /// A history read, or its error's line and message.
    #[allow(clippy::type_complexity)]
    fn outcome(
        read: Result<History, InputError>,
    ) -> Result<(u64, Vec<(String, Vec<Transaction>)>), (Option<u64>, String)> {
        read.map(|h| {
            let mut all: Vec<_> = h.iter().map(|(id, t)| (id.to_string(), t.to_vec())).collect();
            all.sort_by(|x, y| x.0.cmp(&y.0));
            (h.rows(), all)
        })
        .map_err(|e| (e.line, e.message))
    }

    proptest::proptest! {
        /// The same rows, plain (the parallel reader, in tiny blocks and
        /// pieces) and with some fields quoted (the csv crate), with random
        /// line ends, blank lines and wrong field counts, read the same, or
        /// fail on the same line for the same reason; with `only` too.
        #[test]
        fn the_parallel_reader_reads_what_the_csv_crate_reads_any_rows(
            rows in proptest::collection::vec(history_row(), 0..10),
            header_end in prop_oneof![Just("\n"), Just("\r\n")],
            final_end in any::<bool>(),
        ) {
            let [plain, quoted] = twins::texts(
                "customer_id,date,amount,order_id",
                header_end,
                &rows,
                final_end,
                ["C9,2025-01-01,1,O9", "\"C9\",2025-01-01,1,O9"],
            );
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("h.csv");
            std::fs::write(&path, &quoted).unwrap();
            let expected = outcome(History::from_reader(plain.as_bytes(), "h.csv", None));
            let fast = parallel(&plain, None).map(|h| h.expect("a plain file is read in parallel"));
            prop_assert_eq!(&outcome(fast), &expected, "parallel");
            prop_assert_eq!(&outcome(History::from_reader(quoted.as_bytes(), "h.csv", None)), &expected, "quoted");
            prop_assert_eq!(&outcome(History::load(&path, None)), &expected, "quoted, loaded");
            let only: FxHashSet<&str> = ["C1", "C9"].into_iter().collect();
            let set: HashSet<String> = only.iter().map(|s| s.to_string()).collect();
            let expected = outcome(History::from_reader(plain.as_bytes(), "h.csv", Some(&set)));
            let fast = parallel(&plain, Some(&only)).map(|h| h.expect("a plain file is read in parallel"));
            prop_assert_eq!(&outcome(fast), &expected, "parallel, only");
            prop_assert_eq!(&outcome(History::load(&path, Some(&set))), &expected, "quoted, only");
            // Read for a batch: each named customer's first bad row is theirs,
            // the same on both readers.
            let ids = IdIndex::new(["C1", "C9"]);
            let plain_path = dir.path().join("plain.csv");
            std::fs::write(&plain_path, &plain).unwrap();
            let fast = History::read_parallel(File::open(&plain_path).unwrap(), "h.csv", Some(&ids), true, 40, 16);
            let slow = History::read_csv(quoted.as_bytes(), "h.csv", Some(&ids), true).map(Some);
            prop_assert_eq!(per_customer(fast, 2), per_customer(slow, 2), "for a batch");
        }
    }

    #[test]
    fn a_file_with_lone_carriage_returns_reads_as_the_csv_crate_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        let expected = History::from_reader(SAMPLE.as_bytes(), "h.csv", None).unwrap();
        // Every line end a lone CR; only the header's; only the rows'.
        let cr = SAMPLE.replace('\n', "\r");
        let header_cr = SAMPLE.replacen('\n', "\r", 1);
        let rows_cr = SAMPLE.replace('\n', "\r").replacen('\r', "\n", 1);
        for text in [&cr, &header_cr, &rows_cr] {
            assert!(parallel(text, None).unwrap().is_none(), "{text:?}");
            std::fs::write(&path, text).unwrap();
            same(&History::load(&path, None).unwrap(), &expected);
            let only: HashSet<String> = ["C1".to_string()].into();
            let loaded = History::load(&path, Some(&only)).unwrap();
            assert_eq!(loaded.transactions("C1"), expected.transactions("C1"), "{text:?}");
        }
        // A bad row in such a file is reported, at its line.
        std::fs::write(&path, cr.replace("70.00", "seventy")).unwrap();
        let err = History::load(&path, None).unwrap_err();
        assert_eq!(err.line, Some(5));
        assert_eq!(err.message, "column `amount`: `seventy` is not a number");
    }

    #[test]
    fn a_customer_split_over_the_file_is_gathered_in_day_then_file_order() {
        // C1 in three runs, C2 in two; days out of order; same-day rows tell file order apart.
        let rows = [
            ("C1", "2025-03-01", "1"),
            ("C1", "2025-01-01", "2"),
            ("C2", "2025-02-01", "3"),
            ("C1", "2025-03-01", "4"),
            ("C3", "2025-01-05", "5"),
            ("C2", "2025-01-01", "6"),
            ("C1", "2025-01-01", "7"),
            ("C1", "2025-02-01", "8"),
        ];
        let mut text = String::from("customer_id,date,amount\n");
        for (id, date, amount) in rows {
            text.push_str(&format!("{id},{date},{amount}\n"));
        }
        let expected = |id: &str| -> Vec<Transaction> {
            let mut list: Vec<Transaction> = rows
                .iter()
                .filter(|r| r.0 == id)
                .map(|r| (d(r.1), r.2.parse().unwrap()))
                .collect();
            list.sort_by_key(|t| t.0);
            list
        };
        let slow = History::from_reader(text.as_bytes(), "h.csv", None).unwrap();
        let fast = parallel(&text, None).unwrap().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        std::fs::write(&path, &text).unwrap();
        let by_index = History::load_indexed(&path, &IdIndex::new(["C2", "C9", "C1"])).unwrap();
        for id in ["C1", "C2", "C3"] {
            assert_eq!(slow.transactions(id), expected(id), "{id}");
            assert_eq!(fast.transactions(id), expected(id), "{id}");
        }
        assert_eq!(by_index.transactions_of(0), expected("C2"));
        assert_eq!(by_index.transactions_of(1), &[]);
        assert_eq!(by_index.transactions_of(2), expected("C1"));
        assert_eq!(by_index.customers(), 2);
        assert_eq!(by_index.rows(), 8);
    }

    #[test]
    fn the_parallel_reader_names_the_first_bad_line() {
        let mut text = String::from("customer_id,date,amount\n");
        for i in 0..40 {
            text.push_str(&format!("C{i},2025-01-{:02},5\n", 1 + i % 28));
        }
        text.push_str("C1,2025-02-30,5\nC2,2025-01-01,x\n");
        let err = parallel(&text, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`h.csv`: line 42: column `date`: `2025-02-30` is not a date (expected YYYY-MM-DD)"
        );
        let slow = History::from_reader(text.as_bytes(), "h.csv", None).unwrap_err();
        assert_eq!(err.to_string(), slow.to_string());
        let empty = parallel("customer_id,date,amount\nC1,2025-01-01,\n", None).unwrap_err();
        assert_eq!(
            empty.to_string(),
            "`h.csv`: line 2: column `amount` is empty: a number is required"
        );
    }

    #[test]
    fn commas_are_counted_as_a_byte_loop_counts_them() {
        let text = b"O1,,x,\xff\x2c\xac,,,,,,,,,,,,,,,,a,b,c,d,e,f,g,h\n\r\x00-,";
        for from in 0..text.len() {
            for to in from..=text.len() {
                let slow = text[from..to].iter().filter(|&&c| c == b',').count();
                assert_eq!(commas(text, from, to), slow, "{from}..{to}");
                assert_eq!(commas(&text[..to], from, to), slow, "{from}..{to}, nothing past");
            }
        }
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_is_an_error_on_both_paths() {
        // An unquoted thousands separator would read the amount as 1; a missing
        // field would shift nothing but still says what is wrong.
        let head = "customer_id,date,amount,order_id\nC1,2025-01-01,5,O1\n";
        let only: HashSet<String> = ["C1".to_string()].into();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        for (row, found) in [
            ("C1,2025-01-02,1,234.50,O2", 5),
            ("C1,2025-01-02,5,O2,,", 6),
            ("C1,2025-01-02,5", 3),
            ("C1,2025-01-02", 2),
            ("C1", 1),
            ("C1,2025-01-02,5,O2\nC9", 1),
        ] {
            let expected = format!("expected 4 fields, found {found}");
            let line = if row.ends_with("C9") { 4 } else { 3 };
            let text = format!("{head}{row}\n");
            let quoted = format!("{text}C1,\"2025-01-03\",5,O3\n");
            for (text, via) in [(&text, "parallel"), (&quoted, "csv")] {
                let slow = History::from_reader(text.as_bytes(), "h.csv", None).unwrap_err();
                assert_eq!(
                    (slow.line, slow.message.as_str()),
                    (Some(line), expected.as_str()),
                    "{via} {row}"
                );
                std::fs::write(&path, text).unwrap();
                let err = History::load(&path, None).unwrap_err();
                assert_eq!(
                    (err.line, err.message.as_str()),
                    (Some(line), expected.as_str()),
                    "{via} {row}"
                );
                // A named customer's row is checked; C9's, read for nobody, is not.
                let named = History::load(&path, Some(&only));
                match named {
                    Err(err) => assert_eq!((err.line, err.message), (Some(line), expected.clone()), "{via} {row}"),
                    Ok(h) => assert!(row.ends_with("C9") && h.transactions("C1").len() >= 2, "{via} {row}"),
                }
            }
        }
        // Tiny blocks and pieces, the bad row past the first.
        let text = format!("{head}C1,2025-01-02,5,O2\nC1,2025-01-03,1,234.50,O3\n");
        let err = parallel(&text, None).unwrap_err();
        assert_eq!(err.to_string(), "`h.csv`: line 4: expected 4 fields, found 5");
    }

    /// With `customer_id` after another column, a comma too many or too
    /// few before it moves the id: the row could be anyone's (here C1's,
    /// read as `234.50` or as nobody), so it stops the reading, on both
    /// readers, even for a batch, which reads only its customers' rows.
    #[test]
    fn a_row_whose_id_may_have_moved_is_an_error_of_the_file() {
        let head = "amount,customer_id,date\n5,C1,2025-01-01\n";
        let ids = IdIndex::new(["C1", "C2"]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        for (row, found) in [
            ("1,234.50,C1,2025-01-02", 4),
            ("C1,2025-01-02", 2),
            ("5,C2,2025-01-02,x", 4),
        ] {
            let text = format!("{head}{row}\n");
            let quoted = format!("{text}5,\"C1\",2025-01-03\n");
            for (text, via) in [(&text, "parallel"), (&quoted, "csv")] {
                std::fs::write(&path, text).unwrap();
                let err = History::load_indexed(&path, &ids).unwrap_err();
                assert_eq!(
                    err.to_string(),
                    format!("`{}`: line 3: expected 3 fields, found {found}", path.display()),
                    "{via} {row}"
                );
            }
        }
        // With the id first, a comma too few may glue it to the next field
        // (`C12025-01-02` is nobody's): the row could be C1's.
        for row in ["C12025-01-02,5", "C9,2025-01-02"] {
            let text = format!("customer_id,date,amount\nC1,2025-01-01,5\n{row}\n");
            let quoted = format!("{text}\"C1\",2025-01-03,5\n");
            for (text, via) in [(&text, "parallel"), (&quoted, "csv")] {
                std::fs::write(&path, text).unwrap();
                let err = History::load_indexed(&path, &ids).unwrap_err();
                assert_eq!(
                    (err.line, err.message.as_str()),
                    (Some(3), "expected 3 fields, found 2"),
                    "{via} {row}"
                );
            }
        }
        // A comma too many after a first-column id leaves it where it is: the row is its customer's.
        let text = "customer_id,amount,date\nC1,5,2025-01-01\nC1,1,234.50,2025-01-02\nC2,5,2025-01-01\n";
        std::fs::write(&path, text).unwrap();
        let h = History::load_indexed(&path, &ids).unwrap();
        assert_eq!(h.problem_of(0).unwrap().message, "expected 3 fields, found 4");
        assert!(h.problem_of(1).is_none());
    }

    /// A row of blank fields (spaces, commas) names no customer: read for
    /// some customers, it is passed by on both readers, whatever its number
    /// of fields; read whole, it is an error, as before.
    #[test]
    fn a_blank_row_is_passed_by_when_reading_some_customers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        let ids = IdIndex::new(["C1"]);
        for blank in ["   ", ",,", " , ", "\t,,,,"] {
            let text = format!("customer_id,date,amount\nC1,2025-01-01,5\n{blank}\nC1,2025-01-02,6\n");
            let quoted = format!("{text}\"C1\",2025-01-03,7\n");
            for (text, via, rows) in [(&text, "parallel", 2), (&quoted, "csv", 3)] {
                std::fs::write(&path, text).unwrap();
                let h = History::load_indexed(&path, &ids).unwrap();
                assert_eq!(h.transactions_of(0).len(), rows, "{via} {blank:?}");
                assert!(h.problem_of(0).is_none(), "{via} {blank:?}");
                assert!(History::load(&path, None).is_err(), "{via} {blank:?}");
            }
        }
    }

    /// A customer's rows after their first bad one are not read: a file
    /// of bad rows keeps one message per customer, not one per row.
    #[test]
    fn only_a_customers_first_bad_row_is_kept() {
        let text = "customer_id,date,amount\nC1,x,5\nC1,y,5\nC2,2025-01-01,5\nC1,z,5\n";
        let ids = IdIndex::new(["C1", "C2"]);
        let cols = Columns {
            id: 0,
            date: 1,
            amount: 2,
            fields: 3,
        };
        let body = &text.as_bytes()[text.find('\n').unwrap() + 1..];
        let piece = parse_piece(body, &cols, Some(&ids), true).ok().unwrap();
        let problems: Vec<(u32, u64)> = piece.kept.problems.iter().map(|p| (p.0, p.1)).collect();
        assert_eq!(problems, [(0, 0)]);
        let csv = History::read_csv(text.as_bytes(), "h.csv", Some(&ids), true).unwrap();
        assert_eq!(
            csv.problem_of(0).unwrap().to_string(),
            "`h.csv`: line 2: column `date`: `x` is not a date (expected YYYY-MM-DD)"
        );
    }

    #[test]
    fn only_keeps_the_named_customers() {
        let only: HashSet<String> = ["C2".to_string()].into();
        let h = History::from_reader(SAMPLE.as_bytes(), "h.csv", Some(&only)).unwrap();
        assert_eq!(h.customers(), 1);
        assert_eq!(h.rows(), 5);
    }

    #[test]
    fn other_customers_rows_are_skipped_unread() {
        // C1's rows are bad in three ways, a bad UTF-8 id names nobody, a
        // row of blanks holds nothing; C2's rows are read. The quoted copy
        // goes through the csv reader.
        let plain =
            b"customer_id,date,amount\nC1,2025-02-30,5\nC1,2025-01-01,five\n , ,\n\xff,1,2\nC1,x,y,z\nC2,2025-01-02,7\n";
        let quoted = [plain.as_slice(), b"C1,\"x\",1\n"].concat();
        let only: HashSet<String> = ["C2".to_string()].into();
        let dir = tempfile::tempdir().unwrap();
        for text in [plain.as_slice(), quoted.as_slice()] {
            let path = dir.path().join("h.csv");
            std::fs::write(&path, text).unwrap();
            let h = History::load(&path, Some(&only)).unwrap();
            assert_eq!(h.transactions("C2"), &[(d("2025-01-02"), 7.0)]);
            assert!(History::load(&path, None).is_err());
        }
        // A row with data and no id could be C2's: an error, with its line,
        // in either reader.
        for text in [
            "customer_id,date,amount\nC2,2025-01-02,7\n,2025-01-03,5\n",
            "customer_id,date,amount\nC2,\"2025-01-02\",7\n ,2025-01-03,5\n",
        ] {
            let path = dir.path().join("noid.csv");
            std::fs::write(&path, text).unwrap();
            let err = History::load(&path, Some(&only)).unwrap_err().to_string();
            assert!(err.ends_with("line 3: column `customer_id` is empty"), "{err}");
        }
        // A named customer's bad row is an error, with its line.
        let bad = "customer_id,date,amount\nC9,x,1\nC2,2025-01-02,seven\n";
        let err = History::from_reader(bad.as_bytes(), "h.csv", Some(&only)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`h.csv`: line 3: column `amount`: `seven` is not a number"
        );
        let path = dir.path().join("bad.csv");
        std::fs::write(&path, bad).unwrap();
        let err = History::load(&path, Some(&only)).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("line 3: column `amount`: `seven` is not a number"),
            "{err}"
        );
    }

    #[test]
    fn bad_rows_name_file_line_and_reason() {
        let bad_date = "customer_id,date,amount\nC1,2025-01-01,5\nC1,2025-02-30,5\n";
        let err = History::from_reader(bad_date.as_bytes(), "h.csv", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`h.csv`: line 3: column `date`: `2025-02-30` is not a date (expected YYYY-MM-DD)"
        );
        let bad_amount = "customer_id,date,amount\nC1,2025-01-01,five\n";
        let err = History::from_reader(bad_amount.as_bytes(), "h.csv", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`h.csv`: line 2: column `amount`: `five` is not a number"
        );
        let missing = "customer_id,day,amount\n";
        let err = History::from_reader(missing.as_bytes(), "h.csv", None).unwrap_err();
        assert_eq!(err.to_string(), "`h.csv`: missing column `date`");
    }
}
