//! Customer ids numbered once and looked up by value.
//!
//! A batch names its customers in the incidents file; the history and the
//! customers file are then read for just those customers, each kept row
//! tagged with its customer's number. The numbering is done once, while the
//! incidents are grouped, and the same [`IdIndex`] serves both loads: a
//! million-id table costs as much to build as to use.
//!
//! Ids of up to 15 bytes (the usual) are packed with their length into a
//! 16-byte key, compared by value with no pointer to follow; longer ones are
//! kept as strings. The short ids are kept sorted: the incidents' customers
//! are numbered by a sort of their ids, and a history or customers file that
//! lists customers in id order (as exports do) is matched by a [`Cursor`]
//! walking them in sequence. A hash table of the short ids answers lookups
//! out of order; it is built the first time one is needed.

use std::borrow::Cow;
use std::sync::OnceLock;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// No number (and, where numbers index rows, no row).
pub(crate) const NONE: u32 = u32::MAX;

/// A map from customer id to a number.
#[derive(Debug)]
pub(crate) struct IdIndex {
    /// The ids of up to 15 bytes in byte order (see [`ordered`]), with
    /// their numbers: what a [`Cursor`] walks.
    sorted: Vec<((u64, u64), u32)>,
    /// The same ids by their packed key (see [`key`]), built on first use.
    /// Keyed by the key's halves: 8-byte alignment makes an entry 24 bytes
    /// instead of a `u128`'s 32, so more of the table fits in cache.
    short: OnceLock<FxHashMap<(u64, u64), u32>>,
    /// The longer ids.
    long: FxHashMap<Box<str>, u32>,
    len: usize,
}

impl IdIndex {
    /// Numbers ids in order (an id given twice keeps its first number).
    pub(crate) fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> IdIndex {
        let ids = ids.into_iter();
        // Sized up front: growing a table of a million keys rehashes them all several times.
        let mut short: FxHashMap<(u64, u64), u32> =
            FxHashMap::with_capacity_and_hasher(ids.size_hint().0, Default::default());
        let mut long: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut len = 0u32;
        for id in ids {
            let number = match key(id) {
                Some(k) => *short.entry(k).or_insert(len),
                None => number_long(&mut long, id, len),
            };
            if number == len {
                len += 1;
            }
        }
        let mut sorted: Vec<((u64, u64), u32)> = short.iter().map(|(&k, &n)| (ordered(k), n)).collect();
        sorted.par_sort_unstable_by_key(|e| e.0);
        IdIndex {
            sorted,
            short: OnceLock::from(short),
            long,
            len: len as usize,
        }
    }

    /// Numbers the ids of `n` rows and groups the rows by number: `row(i)`
    /// is row `i`'s id and rank, `None` for a row without an id, and each
    /// group lists its rows by rank, then in row order. The ids of up to 15
    /// bytes are numbered in byte order (a sort of the rows by id, on every
    /// core), the longer ones after them in the order they first appear. So
    /// a batch visits its customers in id order: the order in which a
    /// history or customers file sorted by customer holds them.
    pub(crate) fn number<'a, F>(n: usize, row: F) -> (IdIndex, Groups)
    where
        F: Fn(usize) -> Option<(&'a str, i32)> + Sync,
    {
        // The rank fills the padding after the key: 24 bytes a row either way.
        // A row without a short id gets a key no id has (a key's last byte is
        // its id's length, at most 15), sorted last and then cut off: the rows
        // are collected in place, which a filter cannot do.
        const NO_KEY: (u64, u64) = (u64::MAX, u64::MAX);
        let mut keyed: Vec<((u64, u64), i32, u32)> = Vec::with_capacity(n);
        (0..n)
            .into_par_iter()
            .map(|i| match row(i).and_then(|(id, rank)| Some((key(id)?, rank))) {
                Some((k, rank)) => (ordered(k), rank, i as u32),
                None => (NO_KEY, 0, i as u32),
            })
            .collect_into_vec(&mut keyed);
        keyed.par_sort_unstable();
        keyed.truncate(keyed.partition_point(|e| e.0 != NO_KEY));
        // Sorted by (id, rank, row), the rows are grouped: a group ends where the id changes.
        let mut sorted: Vec<((u64, u64), u32)> = Vec::new();
        let mut bounds = vec![0];
        for (at, &(k, _, _)) in keyed.iter().enumerate() {
            if sorted.last().is_none_or(|&(last, _)| last != k) {
                if at > 0 {
                    bounds.push(at);
                }
                sorted.push((k, sorted.len() as u32));
            }
        }
        let mut order: Vec<u32> = keyed.par_iter().map(|&(_, _, i)| i).collect();
        if !order.is_empty() {
            bounds.push(order.len());
        }
        drop(keyed);
        // The long ids, numbered by first row, then their rows sorted the same way.
        let mut long: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let long_rows: Vec<u32> = (0..n)
            .into_par_iter()
            .filter(|&i| row(i).is_some_and(|(id, _)| key(id).is_none()))
            .map(|i| i as u32)
            .collect();
        let mut long_rows: Vec<(u32, i32, u32)> = long_rows
            .into_iter()
            .filter_map(|i| {
                let (id, rank) = row(i as usize)?;
                let next = (sorted.len() + long.len()) as u32;
                Some((number_long(&mut long, id, next), rank, i))
            })
            .collect();
        long_rows.sort_unstable();
        for (at, &(g, _, i)) in long_rows.iter().enumerate() {
            if at > 0 && long_rows[at - 1].0 != g {
                bounds.push(order.len());
            }
            order.push(i);
        }
        if !long_rows.is_empty() {
            bounds.push(order.len());
        }
        let len = sorted.len() + long.len();
        let index = IdIndex {
            sorted,
            short: OnceLock::new(),
            long,
            len,
        };
        (index, Groups { order, bounds })
    }

    /// The number of an id.
    pub(crate) fn get(&self, id: &str) -> Option<u32> {
        match key(id) {
            Some(k) => self.short().get(&k).copied(),
            None => self.long.get(id).copied(),
        }
    }

    /// The short ids by key, built from the sorted ones on first use.
    fn short(&self) -> &FxHashMap<(u64, u64), u32> {
        self.short.get_or_init(|| {
            let mut table = FxHashMap::with_capacity_and_hasher(self.sorted.len(), Default::default());
            table.extend(self.sorted.iter().map(|&(k, n)| (ordered(k), n)));
            table
        })
    }

    /// A lookup that remembers where the last id was: see [`Cursor`].
    pub(crate) fn cursor(&self) -> Cursor<'_> {
        Cursor {
            index: self,
            at: 0,
            last: None,
            lookups: 0,
            jumps: 0,
        }
    }

    /// The number of distinct ids.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The ids and their numbers, short ids in byte order, then the long ones in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Cow<'_, str>, u32)> + '_ {
        let short = self.sorted.iter().map(|&(k, n)| (Cow::Owned(unpack(ordered(k))), n));
        let long = self.long.iter().map(|(id, &n)| (Cow::Borrowed(&**id), n));
        short.chain(long)
    }
}

/// The number of a long id, `next` if it is new (looked up first, so that
/// an id already numbered is not copied into a key).
fn number_long(long: &mut FxHashMap<Box<str>, u32>, id: &str, next: u32) -> u32 {
    match long.get(id) {
        Some(&number) => number,
        None => *long.entry(Box::from(id)).or_insert(next),
    }
}

/// Rows grouped by their id's number: group `g` is
/// `order[bounds[g]..bounds[g + 1]]`, its rows' indexes by rank, then in
/// row order.
#[derive(Debug)]
pub(crate) struct Groups {
    /// Indexes of the rows with an id, group after group.
    pub(crate) order: Vec<u32>,
    /// Where each group starts in `order`; one more entry than there are groups.
    pub(crate) bounds: Vec<usize>,
}

/// [`IdIndex::get`] for ids that mostly come in order, as a history or
/// customers file sorted by customer lists them: the answer is then at or a
/// few places after the last one in the sorted ids, read in sequence, where
/// a hash table lookup is a cache miss or two into a table of a million ids.
/// A file in another order is answered by the hash table after its first
/// few dozen lookups show it.
pub(crate) struct Cursor<'a> {
    index: &'a IdIndex,
    /// Where the last id is or would be in `index.sorted`: every id before is smaller.
    at: usize,
    last: Option<(u64, u64)>,
    lookups: u32,
    /// Lookups that had to search far: back, or more than [`NEAR`] ids ahead.
    jumps: u32,
}

/// How far ahead a lookup in order looks before it counts as a jump.
const NEAR: usize = 64;

impl Cursor<'_> {
    /// The number of an id, as [`IdIndex::get`].
    pub(crate) fn get(&mut self, id: &str) -> Option<u32> {
        let Some(k) = key(id) else {
            return self.index.get(id);
        };
        // Mostly out of order: the hash table, for the rest of the file.
        if self.jumps > 32 && self.jumps * 8 > self.lookups {
            return self.index.get(id);
        }
        self.lookups += 1;
        let k = ordered(k);
        let sorted = &self.index.sorted;
        match self.last {
            Some(last) if k >= last => {
                // Gallop ahead: every id before `at` is smaller than `k`.
                let mut bound = 1;
                while self.at + bound <= sorted.len() && sorted[self.at + bound - 1].0 < k {
                    bound *= 2;
                }
                let from = self.at + bound / 2;
                let to = (self.at + bound).min(sorted.len());
                self.at = from + sorted[from..to].partition_point(|e| e.0 < k);
                if bound > NEAR {
                    self.jumps += 1;
                }
            }
            _ => {
                if self.last.is_some() {
                    self.jumps += 1;
                }
                self.at = sorted.partition_point(|e| e.0 < k);
            }
        }
        self.last = Some(k);
        sorted.get(self.at).filter(|e| e.0 == k).map(|e| e.1)
    }
}

/// A packed id (see [`key`]) as two words that compare as the id's bytes
/// do, then its length: ids sorted as text stay in order. Its own inverse.
fn ordered((low, high): (u64, u64)) -> (u64, u64) {
    (low.swap_bytes(), high.swap_bytes())
}

/// An id of up to 15 bytes packed with its length, as two words: a key that
/// equals another exactly when the ids do.
fn key(id: &str) -> Option<(u64, u64)> {
    let b = id.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let mut key = [0u8; 16];
    key[..b.len()].copy_from_slice(b);
    key[15] = b.len() as u8;
    let key = u128::from_le_bytes(key);
    Some((key as u64, (key >> 64) as u64))
}

/// The id of a key.
fn unpack((low, high): (u64, u64)) -> String {
    let bytes = (u128::from(low) | (u128::from(high) << 64)).to_le_bytes();
    // A key is only ever made from a `&str`, so its bytes are one.
    String::from_utf8_lossy(&bytes[..usize::from(bytes[15])]).into_owned()
}

/// Ids (customers, gestures) to dense numbers, in first-seen order.
#[derive(Default)]
pub(crate) struct Interner {
    map: FxHashMap<Box<str>, u32>,
}

impl Interner {
    /// The id's number, given it now if it is new.
    pub(crate) fn get(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.map.get(id) {
            return i;
        }
        let i = self.map.len() as u32;
        self.map.insert(id.into(), i);
        i
    }

    /// The ids and their numbers.
    pub(crate) fn into_map(self) -> FxHashMap<Box<str>, u32> {
        self.map
    }

    /// The ids, each at its number.
    pub(crate) fn into_names(self) -> Vec<String> {
        let mut names = vec![String::new(); self.map.len()];
        for (id, i) in self.map {
            names[i as usize] = id.into();
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_ids_are_told_apart() {
        let long = "C-0123456789abcdef";
        let ids = ["C1", "C10", "", "C1\0", long, "C1"];
        let index = IdIndex::new(ids);
        assert_eq!(index.len(), 5, "the second `C1` is not a new id");
        assert_eq!(index.get("C1"), Some(0));
        assert_eq!(index.get("C10"), Some(1));
        assert_eq!(index.get(""), Some(2));
        assert_eq!(index.get("C1\0"), Some(3));
        assert_eq!(index.get(long), Some(4));
        assert_eq!(index.get("C2"), None);
        assert_eq!(index.get(&long[..15]), None);
        assert_eq!(key("C1"), key("C1"));
        assert_ne!(key("C1"), key("C1\0"));
        assert_eq!(key(long), None);
        let mut back: Vec<(String, u32)> = index.iter().map(|(id, n)| (id.into_owned(), n)).collect();
        back.sort_by_key(|&(_, n)| n);
        let expected = [("C1", 0), ("C10", 1), ("", 2), ("C1\0", 3), (long, 4)].map(|(id, n)| (id.to_string(), n));
        assert_eq!(back, expected);
    }

    #[test]
    fn a_cursor_answers_as_the_table_in_any_order() {
        // Ids in the index and not, short and long, of several lengths.
        let named: Vec<String> = (0..3000u32)
            .filter(|i| i % 3 != 0)
            .map(|i| match i % 50 {
                0 => format!("customer-with-a-long-id-{i:06}"),
                1 => format!("C{i}"),
                _ => format!("C{i:07}"),
            })
            .collect();
        let index = IdIndex::new(named.iter().map(String::as_str));
        let mut asked: Vec<String> = (0..3000u32)
            .flat_map(|i| {
                [
                    format!("C{i:07}"),
                    format!("C{i}"),
                    format!("customer-with-a-long-id-{i:06}"),
                ]
            })
            .chain(["".to_string(), "C".to_string(), "\u{e9}t\u{e9}".to_string()])
            .collect();
        let check = |asked: &[String], what: &str| {
            let mut cursor = index.cursor();
            for id in asked {
                assert_eq!(cursor.get(id), index.get(id), "{what}: `{id}`");
            }
        };
        asked.sort();
        check(&asked, "sorted");
        // Each id several times in a row, as a history's runs.
        let runs: Vec<String> = asked
            .iter()
            .flat_map(|id| [id.clone(), id.clone(), id.clone()])
            .collect();
        check(&runs, "runs");
        asked.reverse();
        check(&asked, "reversed");
        let mut seed = 11u64;
        for i in (1..asked.len()).rev() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            asked.swap(i, (seed >> 33) as usize % (i + 1));
        }
        check(&asked, "shuffled");
        assert!(named.iter().all(|id| index.get(id).is_some()));
    }

    #[test]
    fn ordered_keys_sort_as_the_ids() {
        let mut ids = ["C10", "C9", "C1", "", "B99999999999999", "C1\0", "C", "Cz", "C0000001"];
        let mut by_key = ids;
        by_key.sort_by_key(|id| ordered(key(id).unwrap()));
        ids.sort();
        assert_eq!(by_key, ids);
    }

    #[test]
    fn rows_are_numbered_by_id_then_long_ids_by_first_row() {
        // Long and short ids, repeats, and rows without an id.
        let ids: Vec<Option<String>> = (0..5000u32)
            .map(|i| match i % 7 {
                0 => None,
                1 => Some(format!("customer-with-a-long-id-{}", (i * 31) % 401)),
                _ => Some(format!("C{}", (i * 17) % 997)),
            })
            .collect();
        // Ranks that disagree with row order, as dates out of line order do.
        let rank = |i: usize| ((i * 7919) % 13) as i32 - 6;
        let id_of = |i: usize| ids[i].as_deref().map(|id| (id, rank(i)));
        let numbered = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| IdIndex::number(ids.len(), id_of))
        };
        let (index, groups) = numbered(3);
        // Each group is its number's rows by rank, then in row order.
        assert_eq!(groups.bounds.len(), index.len() + 1);
        for w in groups.bounds.windows(2) {
            assert!(w[0] < w[1], "no empty group");
            let ranked = groups.order[w[0]..w[1]].iter().map(|&i| (rank(i as usize), i));
            assert!(ranked.is_sorted_by(|a, b| a < b), "rows by rank, then row");
        }
        let mut rows = vec![NONE; ids.len()];
        for (g, w) in groups.bounds.windows(2).enumerate() {
            for &i in &groups.order[w[0]..w[1]] {
                rows[i as usize] = g as u32;
            }
        }
        // The expected numbers: short ids sorted as text, long ones after by first row.
        let mut short: Vec<&str> = ids
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|id| id.len() <= 15)
            .collect();
        short.sort_unstable();
        short.dedup();
        let mut long: Vec<&str> = Vec::new();
        for id in ids.iter().flatten().filter(|id| id.len() > 15) {
            if !long.contains(&id.as_str()) {
                long.push(id);
            }
        }
        let expected: Vec<&str> = short.iter().chain(&long).copied().collect();
        assert_eq!(index.len(), expected.len());
        for (n, id) in expected.iter().enumerate() {
            assert_eq!(index.get(id), Some(n as u32), "`{id}`");
        }
        for (i, id) in ids.iter().enumerate() {
            match id {
                None => assert_eq!(rows[i], NONE),
                Some(id) => assert_eq!(Some(rows[i]), index.get(id), "row {i}"),
            }
        }
        assert_eq!(index.get("C998"), None);
        let (_, one_thread) = numbered(1);
        assert_eq!(groups.order, one_thread.order, "the same groups on any number of cores");
        assert_eq!(groups.bounds, one_thread.bounds);
        let mut back: Vec<(String, u32)> = index.iter().map(|(id, n)| (id.into_owned(), n)).collect();
        back.sort_by_key(|&(_, n)| n);
        assert_eq!(back.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), expected);
    }
}
