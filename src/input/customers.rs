//! Customer attributes: `customer_id` plus any columns (tier, plan, price...).
//!
//! The file is read before the policy is applied, so values are kept as text
//! and typed when a policy binds them to the `customer.<column>` fields it
//! declares (SPEC §3); a value that does not fit its declared type is reported
//! with this file's name and line by the case that uses it.
//!
//! A batch reads a million customers, so the values are kept in one buffer
//! with offsets (no allocation per value or per customer), and a file without
//! quotes is split on every core straight from its bytes. Any file the fast
//! path is not sure about (a quote, a lone carriage return, a bad row) is read
//! by the csv crate instead, so the errors are always the csv reader's.

use std::hash::BuildHasher;
use std::io::Read;
use std::path::Path;

use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::FxBuildHasher;

use super::ids::IdIndex;
use super::{Header, InputError, csv_reader, customer_id, field};

/// One customer's attribute values, as written in the file (trimmed).
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The 1-based line of the row.
    pub line: u64,
    /// The customer id, then the values, back to back.
    text: &'a str,
    /// Where the id and each value end in `text`.
    ends: &'a [u32],
}

impl<'a> Record<'a> {
    /// The value of an attribute column, by its index in [`Customers::columns`].
    pub fn value(&self, column: usize) -> &'a str {
        let start = self.ends[column] as usize;
        &self.text[start..self.ends[column + 1] as usize]
    }

    /// The customer id.
    pub fn id(&self) -> &'a str {
        &self.text[..self.ends[0] as usize]
    }

    /// The values, in the order of [`Customers::columns`].
    pub fn values(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.ends.len() - 1).map(|c| self.value(c))
    }
}

/// Where one customer's row is kept.
#[derive(Debug, Clone, Copy)]
struct Row {
    line: u64,
    /// Where its id starts in `Customers::text`.
    start: usize,
}

/// The customers file: attribute columns and one record per customer.
#[derive(Debug, Default)]
pub struct Customers {
    /// The file as the user named it.
    pub file: String,
    columns: Vec<String>,
    /// Every kept customer's id and values, back to back.
    text: String,
    /// Per row, `columns.len() + 1` ends (the id's, then each value's), relative to the row's start.
    ends: Vec<u32>,
    rows: Vec<Row>,
    /// Indexes into `rows`, by customer id.
    index: HashTable<u32>,
    /// For [`Customers::load_indexed`]: the row of each id named, or [`NONE`].
    named: Vec<u32>,
}

/// No row.
const NONE: u32 = u32::MAX;

fn hash(id: &str) -> u64 {
    FxBuildHasher.hash_one(id.as_bytes())
}

impl Customers {
    /// Reads a customers file.
    pub fn load(path: &Path) -> Result<Customers, InputError> {
        Self::load_only(path, None)
    }

    /// Reads a customers file for the customers `ids` numbers (the others
    /// are dropped, except from a file the csv reader reads); customer number
    /// `i` is then [`Customers::named`]`(i)`. Such a file is not indexed by id
    /// ([`Customers::get`] may find nobody), as a batch needs no lookup by id.
    /// Every row is still checked, so a file is accepted or rejected exactly
    /// as [`Customers::load`] would.
    pub(crate) fn load_indexed(path: &Path, ids: &IdIndex) -> Result<Customers, InputError> {
        let mut customers = Self::load_only(path, Some(ids))?;
        if customers.named.len() != ids.len() {
            // Read by the csv reader, which keeps every customer.
            customers.named = vec![NONE; ids.len()];
            for at in 0..customers.rows.len() {
                if let Some(i) = ids.get(customers.record(at).id()) {
                    customers.named[i as usize] = at as u32;
                }
            }
        }
        Ok(customers)
    }

    fn load_only(path: &Path, only: Option<&IdIndex>) -> Result<Customers, InputError> {
        let name = path.display().to_string();
        if path.as_os_str() == "-" {
            return Self::from_reader(super::open(path)?, &name);
        }
        let text = std::fs::read(path).map_err(|e| InputError::file(&name, format!("cannot open: {e}")))?;
        match Self::from_plain(&text, &name, only)? {
            Some(customers) => Ok(customers),
            None => Self::from_reader(text.as_slice(), &name),
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
        let mut reader = csv_reader(input);
        let header = Header::read(&mut reader, file)?;
        let id_col = header.require(&["customer_id"], file)?;
        let keep: Vec<usize> = (0..header.names().len()).filter(|&i| i != id_col).collect();
        let mut customers = Customers::empty(file, &header, id_col);
        super::for_each_row(&mut reader, file, |record, line| {
            if record.len() != header.names().len() {
                return Err(format!(
                    "expected {} fields, found {}",
                    header.names().len(),
                    record.len()
                ));
            }
            let id = customer_id(record, id_col)?;
            let values = keep
                .iter()
                .map(|&i| field(record, i, &header.names()[i]))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(first) = customers.get(id) {
                return Err(format!("customer `{id}` appears twice (first on line {})", first.line));
            }
            customers.push(line, id, values.into_iter());
            customers.insert_at(customers.rows.len() - 1);
            Ok(())
        })?;
        Ok(customers)
    }

    /// Appends a row (not yet indexed).
    fn push<'v>(&mut self, line: u64, id: &str, values: impl Iterator<Item = &'v str>) {
        let start = self.text.len();
        self.text.push_str(id);
        self.ends.push(id.len() as u32);
        for v in values {
            self.text.push_str(v);
            self.ends.push((self.text.len() - start) as u32);
        }
        self.rows.push(Row { line, start });
    }

    /// Indexes row `at`; its id must not be indexed yet.
    fn insert_at(&mut self, at: usize) {
        let id = self.record(at).id();
        let h = hash(id);
        let (rows, ends, text) = (&self.rows, &self.ends, &self.text);
        let width = self.columns.len() + 1;
        self.index.insert_unique(h, at as u32, |&i| {
            let (row, first) = (rows[i as usize], i as usize * width);
            hash(&text[row.start..row.start + ends[first] as usize])
        });
    }

    fn record(&self, at: usize) -> Record<'_> {
        let width = self.columns.len() + 1;
        let row = self.rows[at];
        let ends = &self.ends[at * width..(at + 1) * width];
        Record {
            line: row.line,
            text: &self.text[row.start..row.start + ends[width - 1] as usize],
            ends,
        }
    }

    /// Reads a file without quotes or lone carriage returns straight from its
    /// bytes, on every core. `Ok(None)` when the file is not such a file or a
    /// row has a problem: the csv reader then reads it and reports the problem.
    fn from_plain(text: &[u8], file: &str, only: Option<&IdIndex>) -> Result<Option<Customers>, InputError> {
        let mut reader = csv_reader(text);
        let header = Header::read(&mut reader, file)?;
        let id_col = header.require(&["customer_id"], file)?;
        let fix = super::line_offset(&reader);
        let header_end = (reader.position().byte() as usize).min(text.len());
        drop(reader);
        let body = &text[header_end..];
        let lone_cr = memchr::memchr_iter(b'\r', text).any(|at| text.get(at + 1) != Some(&b'\n'));
        if lone_cr || memchr::memchr(b'"', body).is_some() {
            return Ok(None);
        }
        let mut customers = Customers::empty(file, &header, id_col);
        // The csv reader numbers a row 1 + the line ends it has consumed by the
        // end of the previous row, which stops after a `\n` but before the `\n`
        // of a `\r\n`; blank lines are skipped but counted.
        let head = &text[..header_end];
        let header_lines = memchr::memchr_iter(b'\n', head).count() as u64;
        let mut consumed = header_lines - u64::from(head.ends_with(b"\r\n"));
        let fields = header.names().len();
        let parts: Vec<Option<Piece>> = pieces(body, 1 << 19)
            .into_par_iter()
            .map(|(from, to)| Piece::read(std::str::from_utf8(&body[from..to]).ok()?, fields, id_col, only))
            .collect();
        let Some(parts) = parts.into_iter().collect::<Option<Vec<_>>>() else {
            return Ok(None);
        };
        if has_duplicate(&parts) {
            return Ok(None);
        }
        let width = fields;
        customers.rows.reserve(parts.iter().map(|p| p.rows.len()).sum());
        customers.index = HashTable::with_capacity(customers.rows.capacity());
        if let Some(only) = only {
            customers.named = vec![NONE; only.len()];
        }
        let mut base = header_lines;
        for part in &parts {
            let offset = customers.text.len();
            customers.text.push_str(&part.text);
            customers.ends.extend_from_slice(&part.ends);
            for &(rel, carried, start, name) in &part.rows {
                let reported = if carried { consumed + 1 } else { base + rel };
                if let Some(slot) = customers.named.get_mut(name as usize) {
                    *slot = customers.rows.len() as u32;
                }
                customers.rows.push(Row {
                    line: reported + fix,
                    start: offset + start,
                });
            }
            if let Some(last) = part.consumed {
                consumed = base + last;
            }
            base += part.newlines;
        }
        debug_assert_eq!(customers.ends.len(), customers.rows.len() * width);
        if only.is_some() {
            // A batch looks its customers up by number only.
            customers.lay_out_by_name();
        } else {
            for at in 0..customers.rows.len() {
                customers.insert_at(at);
            }
        }
        Ok(Some(customers))
    }

    /// Puts the rows in the order of the ids named: a batch then reads them
    /// one after the other, not all over memory.
    fn lay_out_by_name(&mut self) {
        let mut named = std::mem::take(&mut self.named);
        let mut text = String::with_capacity(self.text.len());
        let mut ends = Vec::with_capacity(self.ends.len());
        let mut rows = Vec::with_capacity(self.rows.len());
        for slot in named.iter_mut().filter(|s| **s != NONE) {
            let record = self.record(*slot as usize);
            *slot = rows.len() as u32;
            rows.push(Row {
                line: record.line,
                start: text.len(),
            });
            text.push_str(record.text);
            ends.extend_from_slice(record.ends);
        }
        (self.text, self.ends, self.rows, self.named) = (text, ends, rows, named);
    }

    /// The attribute columns, `customer_id` excluded.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The index of an attribute column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// A customer's record (none in a file read by [`Customers::load_indexed`]).
    pub fn get(&self, customer_id: &str) -> Option<Record<'_>> {
        self.find(customer_id).map(|at| self.record(at))
    }

    /// The record of customer number `i` of the ids given to [`Customers::load_indexed`], if the file has it.
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
    /// Every row's id, with its hash, for the duplicate check.
    ids: Vec<(u64, &'t str)>,
    /// The kept rows' ids and values, back to back.
    text: String,
    ends: Vec<u32>,
    /// Per kept row: the number the csv reader gives it, relative to the
    /// lines before the piece; whether it is instead 1 + the line ends
    /// consumed before the piece (the piece's first row); where it starts in
    /// `text`; its index among the ids named.
    rows: Vec<(u64, bool, usize, u32)>,
    /// The line ends consumed by the end of the piece's last row, relative to the lines before the piece.
    consumed: Option<u64>,
    /// The `\n`s in the piece.
    newlines: u64,
}

impl<'t> Piece<'t> {
    /// Reads the rows of `bytes` (whole lines: it ends at a line end or at the end of the file). `None` when a row has a problem.
    fn read(bytes: &'t str, fields: usize, id_col: usize, only: Option<&IdIndex>) -> Option<Piece<'t>> {
        let mut piece = Piece {
            ids: Vec::with_capacity(bytes.len() / 32),
            text: String::new(),
            ends: Vec::new(),
            rows: Vec::new(),
            consumed: None,
            newlines: 0,
        };
        let mut line = 0u64;
        let mut start = 0;
        while start < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes.as_bytes()[start..]).map_or(bytes.len(), |i| start + i);
            let raw = &bytes[start..end];
            if end < bytes.len() {
                piece.newlines += 1;
            }
            start = end + 1;
            line += 1;
            let content = raw.strip_suffix('\r').unwrap_or(raw);
            if content.is_empty() {
                continue;
            }
            let reported = piece.consumed.map(|c| c + 1);
            piece.consumed = Some(line - u64::from(raw.len() > content.len()));
            if memchr::memchr_iter(b',', content.as_bytes()).count() + 1 != fields {
                return None;
            }
            let id = content.split(',').nth(id_col).unwrap_or_default().trim();
            if id.is_empty() {
                return None;
            }
            let h = hash(id);
            piece.ids.push((h, id));
            let name = match only {
                Some(only) => match only.get(id) {
                    Some(i) => i,
                    None => continue,
                },
                None => NONE,
            };
            let at = piece.text.len();
            piece.text.push_str(id);
            piece.ends.push(id.len() as u32);
            for (i, value) in content.split(',').enumerate() {
                if i != id_col {
                    piece.text.push_str(value.trim());
                    piece.ends.push((piece.text.len() - at) as u32);
                }
            }
            piece.rows.push((reported.unwrap_or(0), reported.is_none(), at, name));
        }
        Some(piece)
    }
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

/// Cuts `bytes` into pieces of about `size` bytes, each ending just after a `\n` (the last at the end).
fn pieces(bytes: &[u8], size: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while from < bytes.len() {
        let to = match bytes.get(from + size..).and_then(|rest| memchr::memchr(b'\n', rest)) {
            Some(i) => from + size + i + 1,
            None => bytes.len(),
        };
        out.push((from, to));
        from = to;
    }
    out
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

    #[test]
    fn a_problem_anywhere_is_reported_as_the_csv_reader_does() {
        for text in [
            "customer_id,tier\nC1,gold\nC2,gold\nC2,silver\n",
            "customer_id,tier\nC1,gold\nC2\n",
            "customer_id,tier\nC1,gold\n ,x\n",
            "tier,customer_id\r\ngold,C1\r\n\r\ngold, C1 \r\n",
        ] {
            let (fast, whole) = both(text, Some(&["C1"]));
            assert_eq!(fast.unwrap_err().to_string(), whole.unwrap_err().to_string(), "{text}");
        }
        let quoted = "customer_id,tier\nC1,\"gold, old\"\n";
        let (fast, _) = both(quoted, Some(&["C9", "C1"]));
        let fast = fast.unwrap();
        assert_eq!(fast.named(1).unwrap().value(0), "gold, old");
        assert!(fast.named(0).is_none());
    }
}
