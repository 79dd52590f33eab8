//! Customer attributes: `customer_id` plus any columns (tier, plan, price...).
//!
//! The file is read before the policy is applied, so values are kept as text
//! and typed when a policy binds them to the `customer.<column>` fields it
//! declares (the README's "The policy"); a value that does not fit its declared type is reported
//! with this file's name and line by the case that uses it.
//!
//! A batch reads a million customers, so a file without quotes is split on
//! every core straight from its bytes and kept as it is: a customer is the
//! place of its line and of each value in it, with no allocation per value or
//! per customer (a batch then copies the lines of its customers into the
//! order it will read them in). Any file the fast path is not sure
//! about (a quote, a lone carriage return, a bad row) is read by the csv
//! crate instead, so the errors are always the csv reader's; its values are
//! then kept back to back in one buffer.

use std::hash::BuildHasher;
use std::io::Read;
use std::path::Path;

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};

use super::ids::{IdIndex, NONE};
use super::{Header, InputError, csv_reader, customer_id, field};

/// One customer's attribute values, as written in the file (trimmed).
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The 1-based line of the row.
    pub line: u64,
    /// The text the row's values are in (from its start).
    text: &'a str,
    /// Where the id, then each value, are in `text`.
    spans: &'a [Span],
}

/// Where a value is in its row's text: start and end.
type Span = (u32, u32);

impl<'a> Record<'a> {
    /// The value of an attribute column, by its index in [`Customers::columns`].
    pub fn value(&self, column: usize) -> &'a str {
        let (from, to) = self.spans[column + 1];
        &self.text[from as usize..to as usize]
    }

    /// The customer id.
    pub fn id(&self) -> &'a str {
        let (from, to) = self.spans[0];
        &self.text[from as usize..to as usize]
    }

    /// The values, in the order of [`Customers::columns`].
    pub fn values(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.spans.len() - 1).map(|c| self.value(c))
    }
}

/// Where one customer's row is kept.
#[derive(Debug, Clone, Copy)]
struct Row {
    line: u64,
    /// Where its text starts in `Customers::text`.
    start: usize,
}

/// The customers file: attribute columns and one record per customer.
#[derive(Debug, Default)]
pub struct Customers {
    /// The file as the user named it.
    pub file: String,
    columns: Vec<String>,
    /// The file, or (read by the csv reader) every customer's id and values back to back.
    text: String,
    /// Per row, `columns.len() + 1` spans (the id's, then each value's), relative to the row's start.
    spans: Vec<Span>,
    rows: Vec<Row>,
    /// Indexes into `rows`, by customer id.
    index: HashTable<u32>,
    /// For `Customers::load_indexed`: the row of each id named, or [`NONE`].
    named: Vec<u32>,
    /// Read for named customers: the first bad row of each named customer
    /// who has one, by the customer's number. Such a customer's record is
    /// not to be used.
    problems: FxHashMap<u32, InputError>,
}

fn hash(id: &str) -> u64 {
    FxBuildHasher.hash_one(id.as_bytes())
}

impl Customers {
    /// Reads a customers file.
    pub fn load(path: &Path) -> Result<Customers, InputError> {
        Self::load_only(path, None, false)
    }

    /// Reads a customers file for the customers `ids` numbers; customer
    /// number `i` is then [`Customers::named`]`(i)`. The other customers'
    /// rows are skipped unread (a problem in them is not one for a batch that
    /// does not use them), and the file is not indexed by id
    /// ([`Customers::get`] may find nobody), as a batch needs no lookup by id.
    /// A bad row of a named customer is not an error here:
    /// [`Customers::problem_of`] gives it, and the batch rejects that
    /// customer's incidents.
    pub(crate) fn load_indexed(path: &Path, ids: &IdIndex) -> Result<Customers, InputError> {
        Self::load_only(path, Some(ids), true)
    }

    /// Reads a customers file for the customers `ids`, found by
    /// [`Customers::get`]. As in a batch, the other customers' rows are
    /// skipped unread: a problem in another customer's row does not stop the
    /// answer to these ones' cases. A bad row of one of them is an error.
    pub fn load_some<'a>(path: &Path, ids: impl IntoIterator<Item = &'a str>) -> Result<Customers, InputError> {
        let mut customers = Self::load_only(path, Some(&IdIndex::new(ids)), false)?;
        customers.index = HashTable::with_capacity(customers.rows.len());
        for at in 0..customers.rows.len() {
            customers.insert_at(at);
        }
        Ok(customers)
    }

    /// With `per_customer`, a named customer's bad row is theirs
    /// ([`Customers::problem_of`]), not an error.
    fn load_only(path: &Path, only: Option<&IdIndex>, per_customer: bool) -> Result<Customers, InputError> {
        let name = path.display().to_string();
        if path.as_os_str() == "-" {
            return Self::read_csv(super::open(path)?, &name, only, per_customer);
        }
        let text = std::fs::read(path).map_err(|e| InputError::file(&name, format!("cannot open: {e}")))?;
        match Self::from_plain(text, &name, only)? {
            Ok(customers) => Ok(customers),
            Err(text) => Self::read_csv(text.as_slice(), &name, only, per_customer),
        }
    }

    fn empty(file: &str, header: &Header, id_col: usize) -> Customers {
        let columns = (0..header.names().len())
            .filter(|&i| i != id_col)
            .map(|i| header.names()[i].clone())
            .collect();
        Customers {
            file: file.to_string(),
            columns,
            ..Customers::default()
        }
    }

    /// Reads customers from any reader; `file` names it in errors.
    pub fn from_reader<R: Read>(input: R, file: &str) -> Result<Customers, InputError> {
        Self::read_csv(input, file, None, false)
    }

    /// The csv crate's reader; with `only`, as `Customers::load_indexed`.
    fn read_csv<R: Read>(
        input: R,
        file: &str,
        only: Option<&IdIndex>,
        per_customer: bool,
    ) -> Result<Customers, InputError> {
        let mut reader = csv_reader(input);
        let header = Header::read(&mut reader, file)?;
        let id_col = header.require(&["customer_id"], file)?;
        let keep: Vec<usize> = (0..header.names().len()).filter(|&i| i != id_col).collect();
        let mut customers = Customers::empty(file, &header, id_col);
        if let Some(only) = only {
            customers.named = vec![NONE; only.len()];
        }
        super::for_each_row(&mut reader, file, |record, line| {
            if !super::to_read(id_col, header.names().len(), record.len(), only.is_some(), || {
                record.iter()
            })? {
                return Ok(());
            }
            let name = match only {
                Some(only) => match super::named_row(record, id_col, only)? {
                    Some(i) => Some(i as usize),
                    None => return Ok(()),
                },
                None => None,
            };
            let read = || -> Result<(&str, Vec<&str>), String> {
                super::field_count(header.names().len(), record.len())?;
                let id = customer_id(record, id_col)?;
                let values = keep
                    .iter()
                    .map(|&i| field(record, i, &header.names()[i]))
                    .collect::<Result<Vec<_>, _>>()?;
                let first = match name {
                    Some(i) => customers.named(i),
                    None => customers.get(id),
                };
                if let Some(first) = first {
                    return Err(format!("customer `{id}` appears twice (first on line {})", first.line));
                }
                Ok((id, values))
            };
            let (id, values) = match (read(), name) {
                (Ok(row), _) => row,
                // A named customer's bad row is theirs alone (see `load_indexed`).
                (Err(why), Some(i)) if per_customer => {
                    let problem = || InputError::row(file, line, why);
                    customers.problems.entry(i as u32).or_insert_with(problem);
                    return Ok(());
                }
                (Err(why), _) => return Err(why),
            };
            customers.push(line, id, values.into_iter());
            let at = customers.rows.len() - 1;
            match name {
                Some(i) => customers.named[i] = at as u32,
                None => customers.insert_at(at),
            }
            Ok(())
        })?;
        Ok(customers)
    }

    /// Appends a row (not yet indexed).
    fn push<'v>(&mut self, line: u64, id: &'v str, values: impl Iterator<Item = &'v str>) {
        let start = self.text.len();
        for v in std::iter::once(id).chain(values) {
            let from = (self.text.len() - start) as u32;
            self.text.push_str(v);
            self.spans.push((from, (self.text.len() - start) as u32));
        }
        self.rows.push(Row { line, start });
    }

    /// Indexes row `at`; its id must not be indexed yet.
    fn insert_at(&mut self, at: usize) {
        let h = hash(self.record(at).id());
        let (rows, spans, text) = (&self.rows, &self.spans, &self.text);
        let width = self.columns.len() + 1;
        self.index.insert_unique(h, at as u32, |&i| {
            let (row, (from, to)) = (rows[i as usize], spans[i as usize * width]);
            hash(&text[row.start + from as usize..row.start + to as usize])
        });
    }

    fn record(&self, at: usize) -> Record<'_> {
        let width = self.columns.len() + 1;
        let row = self.rows[at];
        Record {
            line: row.line,
            text: &self.text[row.start..],
            spans: &self.spans[at * width..(at + 1) * width],
        }
    }

    /// Reads a file without quotes or lone carriage returns straight from its
    /// bytes, on every core. `Ok(Err(text))` gives the file back when it is
    /// not such a file or a row has a problem: the csv reader then reads it
    /// and reports the problem.
    fn from_plain(text: Vec<u8>, file: &str, only: Option<&IdIndex>) -> Result<Result<Customers, Vec<u8>>, InputError> {
        let mut reader = csv_reader(text.as_slice());
        let header = Header::read(&mut reader, file)?;
        let id_col = header.require(&["customer_id"], file)?;
        let header_end = (reader.position().byte() as usize).min(text.len());
        drop(reader);
        // The header may end between its carriage return and line feed.
        if super::lone_cr(&text, 0, header_end) {
            return Ok(Err(text));
        }
        let text = match String::from_utf8(text) {
            Ok(text) => text,
            Err(e) => return Ok(Err(e.into_bytes())),
        };
        let mut customers = Customers::empty(file, &header, id_col);
        // Rows count their lines from the end of the header (which, in a CRLF
        // file, the csv reader places before the header's `\n`).
        let header_lines = memchr::memchr_iter(b'\n', &text.as_bytes()[..header_end]).count() as u64;
        let fields = header.names().len();
        let body = &text[header_end..];
        // A piece with a quote or a lone carriage return sends the file to the
        // csv reader (a piece ends with its line end, so a carriage return's
        // line feed is in the piece).
        let parts: Vec<Option<Piece>> = super::pieces(body.as_bytes(), 0, 1 << 19)
            .into_par_iter()
            .map(|(from, to)| {
                super::plain(body.as_bytes(), from, to)
                    .then(|| Piece::read(&body[from..to], header_end + from, fields, id_col, only))
                    .flatten()
            })
            .collect();
        let Some(parts) = parts.into_iter().collect::<Option<Vec<_>>>() else {
            return Ok(Err(text.into_bytes()));
        };
        let width = fields;
        let kept: usize = parts.iter().map(|p| p.rows.len()).sum();
        customers.rows.reserve(kept);
        customers.spans.reserve(kept * width);
        if let Some(only) = only {
            customers.named = vec![NONE; only.len()];
        }
        let mut base = header_lines;
        for part in &parts {
            customers.spans.extend_from_slice(&part.spans);
            for &(rel, start, name) in &part.rows {
                if let Some(slot) = customers.named.get_mut(name as usize) {
                    if *slot != NONE {
                        // A named customer twice: the csv reader says where.
                        drop(parts);
                        return Ok(Err(text.into_bytes()));
                    }
                    *slot = customers.rows.len() as u32;
                }
                customers.rows.push(Row {
                    line: base + rel,
                    start,
                });
            }
            base += part.newlines;
        }
        let duplicate = has_duplicate(&parts);
        drop(parts);
        if duplicate {
            return Ok(Err(text.into_bytes()));
        }
        debug_assert_eq!(customers.spans.len(), customers.rows.len() * width);
        customers.text = text;
        if only.is_some() {
            // A batch looks its customers up by number only.
            customers.lay_out_by_name();
        } else {
            customers.index = HashTable::with_capacity(customers.rows.len());
            for at in 0..customers.rows.len() {
                customers.insert_at(at);
            }
        }
        Ok(Ok(customers))
    }

    /// Keeps only the named customers' text, in the order of their numbers:
    /// a batch then reads them one after the other, not all over the file.
    fn lay_out_by_name(&mut self) {
        let width = self.columns.len() + 1;
        let mut named = std::mem::take(&mut self.named);
        let mut text = String::with_capacity(self.rows.len() * 48);
        let mut spans = Vec::with_capacity(self.spans.len());
        let mut rows = Vec::with_capacity(self.rows.len());
        for slot in named.iter_mut().filter(|s| **s != NONE) {
            let at = *slot as usize;
            let row = self.rows[at];
            let own = &self.spans[at * width..(at + 1) * width];
            let end = own.iter().map(|s| s.1).max().unwrap_or(0) as usize;
            *slot = rows.len() as u32;
            rows.push(Row {
                line: row.line,
                start: text.len(),
            });
            text.push_str(&self.text[row.start..row.start + end]);
            spans.extend_from_slice(own);
        }
        (self.text, self.spans, self.rows, self.named) = (text, spans, rows, named);
    }

    /// The attribute columns, `customer_id` excluded.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The index of an attribute column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// A customer's record (none in a file read by `Customers::load_indexed`).
    pub fn get(&self, customer_id: &str) -> Option<Record<'_>> {
        self.find(customer_id).map(|at| self.record(at))
    }

    /// The first bad row of customer number `i` of the ids given to
    /// [`Customers::load_indexed`]: their record is not to be used.
    pub(crate) fn problem_of(&self, i: usize) -> Option<&InputError> {
        self.problems.get(&(i as u32))
    }

    /// The record of customer number `i` of the ids given to `Customers::load_indexed`, if the file has it.
    pub fn named(&self, i: usize) -> Option<Record<'_>> {
        match self.named.get(i) {
            Some(&at) if at != NONE => Some(self.record(at as usize)),
            _ => None,
        }
    }

    fn find(&self, customer_id: &str) -> Option<usize> {
        let at = self
            .index
            .find(hash(customer_id), |&i| self.record(i as usize).id() == customer_id)?;
        Some(*at as usize)
    }

    /// The number of customers kept.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no customer was kept.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The rows of one piece of a plain file.
struct Piece<'t> {
    /// Without `only`, every row's id, with its hash, for the duplicate
    /// check (with `only`, a named customer found twice is found by its number).
    ids: Vec<(u64, &'t str)>,
    /// The kept rows' spans, `fields` per row, relative to each row's start.
    spans: Vec<Span>,
    /// Per kept row: its line, counted from the piece's start; where it
    /// starts in the file; its number among the ids named.
    rows: Vec<(u64, usize, u32)>,
    /// The `\n`s in the piece.
    newlines: u64,
}

impl<'t> Piece<'t> {
    /// Reads the rows of `text` (whole lines: it ends at a line end or at the
    /// end of the file), which starts at byte `offset` of the file. `None`
    /// when a row has a problem.
    fn read(text: &'t str, offset: usize, fields: usize, id_col: usize, only: Option<&IdIndex>) -> Option<Piece<'t>> {
        let mut piece = Piece {
            ids: Vec::new(),
            spans: Vec::with_capacity(text.len() / 40 * fields),
            rows: Vec::with_capacity(text.len() / 40),
            newlines: 0,
        };
        let mut row: Vec<Span> = Vec::with_capacity(fields);
        let mut cursor = only.map(IdIndex::cursor);
        for (n, (line_start, line)) in super::lines(text.as_bytes()).enumerate() {
            // Every line after the first follows a `\n`.
            piece.newlines = n as u64;
            if line.is_empty() {
                continue;
            }
            // Cut at ASCII bytes, so at characters.
            let content = &text[line_start..line_start + line.len()];
            // Every field, trimmed, in one pass: fields are a few bytes long.
            row.clear();
            let mut from = 0;
            for (i, &c) in content.as_bytes().iter().enumerate() {
                if c == b',' {
                    row.push(trimmed(content, from, i));
                    from = i + 1;
                }
            }
            row.push(trimmed(content, from, content.len()));
            // A row whose owner cannot be told: the csv reader says where.
            let split = || content.as_bytes().split(|&c| c == b',');
            match super::to_read(id_col, fields, row.len(), only.is_some(), split) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => return None,
            }
            let id = row
                .get(id_col)
                .map_or("", |&(from, to)| &content[from as usize..to as usize]);
            // With `only`, the other customers' rows are skipped unread.
            // An empty id with data beside it: the csv reader says where.
            if id.is_empty() && super::without_id(split()).is_err() {
                return None;
            }
            let name = match &mut cursor {
                Some(cursor) => match cursor.get(id) {
                    Some(i) => i,
                    None => continue,
                },
                None => NONE,
            };
            if row.len() != fields || id.is_empty() {
                return None;
            }
            if only.is_none() {
                piece.ids.push((hash(id), id));
            }
            piece.spans.push(row[id_col]);
            piece.spans.extend(
                row.iter()
                    .enumerate()
                    .filter(|&(i, _)| i != id_col)
                    .map(|(_, &span)| span),
            );
            piece.rows.push((n as u64 + 1, offset + line_start, name));
        }
        Some(piece)
    }
}

/// The span of `text[from..to]` trimmed, as `str::trim` trims.
fn trimmed(text: &str, from: usize, to: usize) -> Span {
    let (skip, len) = super::trimmed_at(&text[from..to]);
    let start = from + skip;
    (start as u32, (start + len) as u32)
}

/// Whether a customer id appears twice in the pieces; checked on every core, one share of the ids each.
fn has_duplicate(parts: &[Piece<'_>]) -> bool {
    let shares = rayon::current_num_threads().max(1) as u64;
    let total: usize = parts.iter().map(|p| p.ids.len()).sum();
    (0..shares).into_par_iter().any(|s| {
        let mut seen: HashTable<&str> = HashTable::with_capacity(total / shares as usize + 16);
        for &(h, id) in parts.iter().flat_map(|p| &p.ids) {
            if h % shares != s {
                continue;
            }
            match seen.entry(h, |&x| x == id, |x| hash(x)) {
                hashbrown::hash_table::Entry::Occupied(_) => return true,
                hashbrown::hash_table::Entry::Vacant(v) => {
                    v.insert(id);
                }
            }
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes_by_column() {
        let data = "tier,customer_id,plan_price\ngold,C1,19.99\nsilver,C2,\n";
        let c = Customers::from_reader(data.as_bytes(), "c.csv").unwrap();
        assert_eq!(c.columns(), ["tier", "plan_price"]);
        let r = c.get("C1").unwrap();
        assert_eq!(r.line, 2);
        assert_eq!(r.value(c.column("plan_price").unwrap()), "19.99");
        assert_eq!(c.get("C2").unwrap().value(1), "");
        assert!(c.get("C3").is_none());
    }

    #[test]
    fn values_are_the_attribute_values_in_column_order() {
        let data = "tier,customer_id,plan_price\ngold,C1,19.99\n";
        let c = Customers::from_reader(data.as_bytes(), "c.csv").unwrap();
        assert_eq!(c.get("C1").unwrap().values().collect::<Vec<_>>(), ["gold", "19.99"]);
    }

    #[test]
    fn duplicate_and_short_rows_are_errors() {
        let dup = "customer_id,tier\nC1,gold\nC1,silver\n";
        let err = Customers::from_reader(dup.as_bytes(), "c.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`c.csv`: line 3: customer `C1` appears twice (first on line 2)"
        );
        let short = "customer_id,tier,plan\nC1,gold\n";
        let err = Customers::from_reader(short.as_bytes(), "c.csv").unwrap_err();
        assert_eq!(err.to_string(), "`c.csv`: line 2: expected 3 fields, found 2");
    }

    /// Reads `text` from a file with a keep list, and with the csv reader.
    fn both(text: &str, only: Option<&[&str]>) -> (Result<Customers, InputError>, Result<Customers, InputError>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(&path, text).unwrap();
        let whole = Customers::from_reader(text.as_bytes(), &path.display().to_string());
        let fast = match only {
            Some(ids) => Customers::load_indexed(&path, &IdIndex::new(ids.iter().copied())),
            None => Customers::load(&path),
        };
        (fast, whole)
    }

    fn row(r: Record<'_>) -> (u64, &str, Vec<&str>) {
        (r.line, r.id(), r.values().collect())
    }

    #[test]
    fn the_fast_reader_gives_the_csv_readers_records_and_lines() {
        let mut text = String::from("customer_id,tier,plan_price\n");
        for i in 0..40_000 {
            text.push_str(&format!("C{i}, gold ,{i}.99\n"));
            if i % 7 == 0 {
                text.push('\n');
            }
        }
        let ids: Vec<String> = (0..40_000).map(|i| format!("C{i}")).collect();
        let named: Vec<&str> = ids.iter().step_by(3).map(String::as_str).collect();
        for text in [
            text.clone(),
            text.replace('\n', "\r\n"),
            format!("\n\r\n{}", text.trim_end()),
        ] {
            let (fast, whole) = both(&text, None);
            let (fast, whole) = (fast.unwrap(), whole.unwrap());
            assert_eq!(fast.len(), whole.len());
            for id in &ids {
                assert_eq!(row(fast.get(id).unwrap()), row(whole.get(id).unwrap()), "{id}");
            }
            let (fast, _) = both(&text, Some(&named));
            let fast = fast.unwrap();
            assert_eq!(fast.len(), named.len());
            for (i, id) in named.iter().enumerate() {
                assert_eq!(row(fast.named(i).unwrap()), row(whole.get(id).unwrap()), "{id}");
            }
            assert!(fast.named(named.len()).is_none());
            assert_eq!(fast.columns(), ["tier", "plan_price"]);
        }
    }

    /// What a customers file reads as, per id, or its error's line and message.
    #[allow(clippy::type_complexity)]
    fn records(
        read: Result<Customers, InputError>,
        ids: &[&str],
        named: bool,
    ) -> Result<Vec<Option<(u64, String, Vec<String>)>>, (Option<u64>, String)> {
        let own = |r: Record<'_>| (r.line, r.id().to_string(), r.values().map(String::from).collect());
        read.map(|c| {
            (0..ids.len())
                .map(|i| if named { c.named(i) } else { c.get(ids[i]) }.map(own))
                .collect()
        })
        .map_err(|e| (e.line, e.message))
    }

    proptest::proptest! {
        /// Random small files, read by the fast reader (plain) and by the csv
        /// crate (the same rows, some fields quoted): the same records at the
        /// same lines, or the same error, with and without a list of customers.
        #[test]
        fn the_fast_reader_reads_what_the_csv_crate_reads_any_rows(
            rows in proptest::collection::vec(
                (
                    proptest::collection::vec(
                        proptest::sample::select(&["C1", "C2", " C3 ", "", "C\u{e9}", "gold", " ", "1e3"][..]),
                        0..5,
                    ),
                    proptest::collection::vec(proptest::bool::ANY, 5),
                    proptest::sample::select(&["\n", "\r\n"][..]),
                ),
                0..8,
            ),
            final_end in proptest::bool::ANY,
        ) {
            let mut plain = String::from("tier,customer_id,plan\n");
            let mut quoted = plain.clone();
            for (k, (fields, quote, end)) in rows.iter().enumerate() {
                let end = if k + 1 == rows.len() && !final_end { "" } else { end };
                plain.push_str(&fields.join(","));
                plain.push_str(end);
                // `""` is a row of one empty field; an empty line is no row.
                let q: Vec<String> = fields.iter().zip(quote).map(|(f, &q)| if q && fields != &[""] { format!("\"{f}\"") } else { f.to_string() }).collect();
                quoted.push_str(&q.join(","));
                quoted.push_str(end);
            }
            let tail = if final_end || rows.is_empty() { "" } else { "\n" };
            plain.push_str(&format!("{tail}x,C9,y\n"));
            quoted.push_str(&format!("{tail}x,\"C9\",y\n"));
            let ids = ["C1", "C2", "C3", "C\u{e9}", "C9", "C7"];
            let (fast, whole) = both(&plain, None);
            let expected = records(whole, &ids, false);
            proptest::prop_assert_eq!(&records(fast, &ids, false), &expected, "plain");
            let (fast, whole) = both(&quoted, None);
            proptest::prop_assert_eq!(&records(fast, &ids, false), &expected, "quoted");
            proptest::prop_assert_eq!(&records(whole, &ids, false), &expected, "quoted, csv");
            // With a list, the csv crate's reader with the same list is the reference.
            let named = ["C2", "C9", "C1"];
            let index = IdIndex::new(named);
            for text in [&plain, &quoted] {
                let (fast, _) = both(text, Some(&named));
                let expected = records(Customers::read_csv(plain.as_bytes(), "c.csv", Some(&index), true), &named, true);
                proptest::prop_assert_eq!(records(fast, &named, true), expected);
            }
        }
    }

    #[test]
    fn a_named_customers_problem_is_reported_as_the_csv_reader_does() {
        for text in [
            "tier,customer_id\r\ngold,C1\r\n\r\ngold, C1 \r\n",
            "customer_id,tier\nC1,gold,extra\n",
            "customer_id,tier\nC1,gold\nC2,\"x\"\nC1,silver\n",
        ] {
            // Read for a batch, the problem is C1's alone; read for a few
            // customers (`recommend`), it is an error.
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("c.csv");
            std::fs::write(&path, text).unwrap();
            let whole = Customers::from_reader(text.as_bytes(), &path.display().to_string());
            let whole = whole.unwrap_err().to_string();
            let batch = Customers::load_indexed(&path, &IdIndex::new(["C1"])).unwrap();
            assert_eq!(batch.problem_of(0).unwrap().to_string(), whole, "{text}");
            let some = Customers::load_some(&path, ["C1"]).unwrap_err();
            assert_eq!(some.to_string(), whole, "{text}");
        }
        let quoted = "customer_id,tier\nC1,\"gold, old\"\n";
        let (fast, _) = both(quoted, Some(&["C9", "C1"]));
        let fast = fast.unwrap();
        assert_eq!(fast.named(1).unwrap().value(0), "gold, old");
        assert!(fast.named(0).is_none());
    }

    /// A row of blank fields names no customer: read for some customers,
    /// it is passed by on both readers, whatever its number of fields.
    #[test]
    fn a_blank_row_is_passed_by_when_reading_some_customers() {
        for blank in ["   ", ",,", " , "] {
            let text = format!("customer_id,tier\nC2,silver\n{blank}\nC1,gold\n");
            let quoted = format!("{text}\"C3\",x\n");
            for text in [&text, &quoted] {
                let (fast, _) = both(text, Some(&["C1"]));
                assert_eq!(fast.unwrap().named(0).unwrap().value(0), "gold", "{text:?}");
            }
        }
    }

    /// With `customer_id` after another column, a row with a comma too
    /// many or too few could be anyone's: an error of the file, on both
    /// readers, even when the customers read are others.
    #[test]
    fn a_row_whose_id_may_have_moved_is_an_error_of_the_file() {
        for (text, found) in [
            ("tier,customer_id\ngold,C1\nsilver,old,C2\n", 3),
            ("tier,customer_id\ngold,C1\nC2\n", 1),
            ("tier,customer_id\ngold,C1\n\"silver\",old,C2\n", 3),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("c.csv");
            std::fs::write(&path, text).unwrap();
            let err = Customers::load_indexed(&path, &IdIndex::new(["C1", "C9"])).unwrap_err();
            assert_eq!(err.line, Some(3), "{text}");
            assert_eq!(err.message, format!("expected 2 fields, found {found}"), "{text}");
        }
    }

    #[test]
    fn a_customer_twice_in_a_plain_file_is_an_error_on_any_number_of_threads() {
        // No quote: the fast reader reads it, and must find the duplicate itself.
        let text = "customer_id,tier\nC1,gold\nC2,silver\nC1,bronze\n";
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (fast, whole) = pool.install(|| both(text, None));
            let err = fast.expect_err("a duplicate must be refused").to_string();
            assert_eq!(err, whole.unwrap_err().to_string(), "{threads} threads");
            assert!(
                err.ends_with("line 4: customer `C1` appears twice (first on line 2)"),
                "{err}"
            );
        }
    }

    #[test]
    fn other_customers_rows_are_skipped_unread() {
        for text in [
            "customer_id,tier\nC1,gold\nC2,gold\nC2,silver\n",
            "customer_id,tier\nC1,gold\nC2,gold,old\n",
            "customer_id,tier\nC2,\"a, b\",c\nC1,gold\n",
        ] {
            let (fast, whole) = both(text, Some(&["C1"]));
            assert!(whole.is_err(), "{text}");
            let fast = fast.unwrap();
            assert_eq!(fast.len(), 1);
            assert_eq!(fast.named(0).unwrap().value(0), "gold", "{text}");
        }
        // A row with data and no id could be C1's: an error in both readers.
        // A row of blanks holds nothing, and is passed by.
        for text in [
            "customer_id,tier\nC1,gold\n ,x\n",
            "customer_id,tier\nC1,\"gold\"\n,x\n",
        ] {
            let (fast, _) = both(text, Some(&["C1"]));
            let err = fast.unwrap_err().to_string();
            assert!(err.ends_with("line 3: column `customer_id` is empty"), "{err}");
        }
        let (fast, _) = both("customer_id,tier\nC1,gold\n , \n", Some(&["C1"]));
        assert_eq!(fast.unwrap().len(), 1);
    }
}
