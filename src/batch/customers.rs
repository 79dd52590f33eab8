//! The customers file for a batch: only the customers the incidents name, read
//! on every core.
//!
//! [`Customers::load`] reads a whole file on one core and keeps every row; for
//! a million customers that is most of a batch's time and a third of a
//! gigabyte. Here the file is cut into shards by a hash of the customer id;
//! each shard is a copy of the file in which the rows of other shards and of
//! customers no incident names are blanked out (their line ends kept, so line
//! numbers stay those of the file), and is read by [`Customers::from_reader`]
//! on its own thread. A customer's record is looked up in its shard.
//!
//! Every row is still checked (field count, UTF-8, a customer id, no
//! duplicate); a file with any problem, or with a quoted field, is read whole
//! by [`Customers::load`] instead, so errors are exactly those it reports.

use std::hash::BuildHasher;
use std::path::Path;

use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashSet};

use crate::input::customers::{Customers, Record};
use crate::input::{self, Header, InputError};

/// The customers file in shards by customer id.
#[derive(Debug, Default)]
pub struct Shards {
    shards: Vec<Customers>,
}

impl Shards {
    /// Reads `path`, keeping the customers in `only`.
    pub fn load(path: &Path, only: &FxHashSet<&str>) -> Result<Shards, InputError> {
        let whole = || Customers::load(path).map(|c| Shards { shards: vec![c] });
        if path.as_os_str() == "-" {
            return whole();
        }
        let name = path.display().to_string();
        let text = std::fs::read(path).map_err(|e| InputError::file(&name, format!("cannot open: {e}")))?;
        let mut reader = input::csv_reader(text.as_slice());
        let header = Header::read(&mut reader, &name)?;
        let id_col = header.require(&["customer_id"], &name)?;
        let fields = header.names().len();
        let header_end = reader.position().byte() as usize;
        drop(reader);
        let lone_cr = memchr::memchr_iter(b'\r', &text).any(|at| text.get(at + 1) != Some(&b'\n'));
        if lone_cr || memchr::memchr(b'"', &text).is_some() {
            return whole();
        }
        let count = rayon::current_num_threads().max(1);
        let built: Vec<Option<Vec<u8>>> = (0..count)
            .into_par_iter()
            .map(|s| shard_text(&text, header_end, id_col, fields, only, s, count))
            .collect();
        let Some(texts) = built.into_iter().collect::<Option<Vec<_>>>() else {
            return whole();
        };
        drop(text);
        let loaded: Vec<Result<Customers, InputError>> = texts
            .into_par_iter()
            .map(|t| Customers::from_reader(t.as_slice(), &name))
            .collect();
        match loaded.into_iter().collect::<Result<Vec<_>, _>>() {
            Ok(shards) => Ok(Shards { shards }),
            Err(_) => whole(),
        }
    }

    /// A customers file read whole, as one shard (none without a file).
    pub fn whole(customers: Option<Customers>) -> Shards {
        Shards {
            shards: customers.into_iter().collect(),
        }
    }

    /// One shard, for what all shards share: the columns and the file name.
    pub fn any(&self) -> Option<&Customers> {
        self.shards.first()
    }

    /// A customer's record.
    pub fn get(&self, customer_id: &str) -> Option<&Record> {
        match self.shards.len() {
            0 => None,
            1 => self.shards[0].get(customer_id),
            n => self.shards[shard_of(customer_id, n)].get(customer_id),
        }
    }
}

fn shard_of(customer_id: &str, count: usize) -> usize {
    (FxBuildHasher.hash_one(customer_id.as_bytes()) % count as u64) as usize
}

/// The text of shard `s`: the header, then the rows of kept customers of
/// this shard, with blank lines between them so that the csv crate numbers
/// each row as it would in the whole file. `None` when a row of the shard has
/// a problem.
///
/// The csv crate numbers a row `1 +` the line ends it has consumed by the end
/// of the previous row, which stops after a `\n` but before the `\n` of a
/// `\r\n`. Every line of the shard ends with `\r\n`, so the blank lines
/// before a row are counted for the row after it; their number is worked out
/// from the line the csv crate would give each row in the whole file.
#[allow(clippy::too_many_arguments)]
fn shard_text(
    text: &[u8],
    header_end: usize,
    id_col: usize,
    fields: usize,
    only: &FxHashSet<&str>,
    s: usize,
    count: usize,
) -> Option<Vec<u8>> {
    let header = &text[..header_end];
    let header = header.strip_suffix(b"\n").unwrap_or(header);
    let header = header.strip_suffix(b"\r").unwrap_or(header);
    // The kept rows, with the line the csv crate gives each in the whole file.
    let mut kept: Vec<(&[u8], u64)> = Vec::new();
    let mut seen: FxHashSet<&str> =
        FxHashSet::with_capacity_and_hasher((text.len() - header_end) / 32 / count, FxBuildHasher);
    let mut line = memchr::memchr_iter(b'\n', &text[..header_end]).count() as u64;
    // Line ends consumed by the end of the previous record (the header at first).
    let mut consumed = line - u64::from(text[..header_end].ends_with(b"\r\n"));
    for raw in lines(&text[header_end..]) {
        line += 1;
        let content = raw.strip_suffix(b"\r").unwrap_or(raw);
        if content.is_empty() {
            continue;
        }
        let reported = consumed + 1;
        consumed = line - u64::from(raw.len() > content.len());
        let id = content.split(|&b| b == b',').nth(id_col).unwrap_or_default();
        let id = std::str::from_utf8(id).ok()?.trim();
        if shard_of(id, count) != s {
            continue;
        }
        let valid = std::str::from_utf8(content).is_ok()
            && memchr::memchr_iter(b',', content).count() + 1 == fields
            && !id.is_empty()
            && seen.insert(id);
        if !valid {
            return None;
        }
        if only.contains(id) {
            kept.push((content, reported));
        }
    }
    let mut out = Vec::with_capacity(header.len() + kept.iter().map(|(c, _)| c.len() + 2).sum::<usize>() + (1 << 16));
    let mut before = 1; // the header is numbered 1 + the blank lines before it
    let mut rows = kept.iter().peekable();
    let first = rows.peek().map_or(1, |(_, l)| *l);
    out.resize(first.saturating_sub(before) as usize, b'\n');
    out.extend_from_slice(header);
    out.extend_from_slice(b"\r\n");
    before = first;
    while let Some((content, _)) = rows.next() {
        // This row's `\r\n` and the blank lines before it count for the next row.
        let next = rows.peek().map_or(before + 1, |(_, l)| *l);
        let blank = next.checked_sub(before + 1)?;
        out.resize(out.len() + blank as usize, b'\n');
        out.extend_from_slice(content);
        out.extend_from_slice(b"\r\n");
        before = next;
    }
    Some(out)
}

/// The lines of `text` split at `\n`, as `split` gives them, found with memchr.
fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', text)
        .chain(std::iter::once(text.len()))
        .map(move |end| {
            let line = &text[start..end];
            start = end + 1;
            line
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, only: &[&str]) -> (Result<Shards, InputError>, Result<Customers, InputError>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(&path, text).unwrap();
        let only: FxHashSet<&str> = only.iter().copied().collect();
        let whole = Customers::from_reader(text.as_bytes(), &path.display().to_string());
        (Shards::load(&path, &only), whole)
    }

    #[test]
    fn shards_keep_the_named_customers_at_their_lines() {
        let mut text = String::from("customer_id,tier,plan_price\n");
        for i in 0..50 {
            text.push_str(&format!("C{i},gold,{i}.99\n"));
            if i % 7 == 0 {
                text.push('\n');
            }
        }
        for text in [text.clone(), text.replace('\n', "\r\n")] {
            let (shards, whole) = load(&text, &["C0", "C1", "C3", "C17", "C49", "C99"]);
            let (shards, whole) = (shards.unwrap(), whole.unwrap());
            for id in ["C0", "C1", "C3", "C17", "C49"] {
                let (a, b) = (shards.get(id).unwrap(), whole.get(id).unwrap());
                assert_eq!((a.line, &a.values), (b.line, &b.values), "{id}");
            }
            assert!(shards.get("C4").is_none(), "not named by an incident");
            assert!(shards.get("C99").is_none());
            assert_eq!(shards.any().unwrap().columns(), ["tier", "plan_price"]);
        }
    }

    #[test]
    fn a_problem_anywhere_is_reported_as_the_whole_file_reader_does() {
        let dup = "customer_id,tier\nC1,gold\nC2,gold\nC2,silver\n";
        let (shards, whole) = load(dup, &["C1"]);
        let msg = |e: InputError| e.to_string().rsplit_once(": line").map(|(_, m)| m.to_string());
        assert_eq!(msg(shards.unwrap_err()), msg(whole.unwrap_err()));
        let short = "customer_id,tier\nC1,gold\nC2\n";
        let (shards, whole) = load(short, &["C1"]);
        assert_eq!(msg(shards.unwrap_err()), msg(whole.unwrap_err()));
        let quoted = "customer_id,tier\nC1,\"gold, old\"\n";
        let (shards, _) = load(quoted, &["C1"]);
        assert_eq!(&*shards.unwrap().get("C1").unwrap().values[0], "gold, old");
    }
}
