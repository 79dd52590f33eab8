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
//! kept as strings. The table is split by hash into shares so that several
//! cores can fill it. The short ids are also kept sorted, for the files that
//! list customers in id order: a [`Cursor`] reads their numbers in sequence
//! instead of probing the table.

use std::borrow::Cow;
use std::hash::BuildHasher;

use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};

/// No number.
pub(crate) const NONE: u32 = u32::MAX;

/// A map from customer id to a number.
#[derive(Debug)]
pub(crate) struct IdIndex {
    /// An id lives in share `hash(id) % shares.len()`.
    shares: Vec<Share>,
    /// The ids of up to 15 bytes in byte order (see [`ordered`]), with
    /// their numbers: what a [`Cursor`] walks.
    sorted: Vec<((u64, u64), u32)>,
    len: usize,
}

#[derive(Debug, Default)]
struct Share {
    /// Keyed by the packed id's halves: 8-byte alignment makes an entry 24
    /// bytes instead of a `u128`'s 32, so more of the table fits in cache.
    short: FxHashMap<(u64, u64), u32>,
    long: FxHashMap<Box<str>, u32>,
}

impl Share {
    /// The id's number, giving it `next` if it has none yet.
    fn number(&mut self, id: &str, next: u32) -> u32 {
        let entry = match key(id) {
            Some(k) => self.short.entry(k).or_insert(next),
            None => match self.long.get(id) {
                Some(&n) => return n,
                None => self.long.entry(Box::from(id)).or_insert(next),
            },
        };
        *entry
    }

    fn get(&self, id: &str) -> Option<u32> {
        match key(id) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(id).copied(),
        }
    }
}

impl IdIndex {
    /// Numbers ids in order (an id given twice keeps its first number).
    pub(crate) fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> IdIndex {
        let ids = ids.into_iter();
        // Sized up front: growing a table of a million keys rehashes them all several times.
        let mut share = Share {
            short: FxHashMap::with_capacity_and_hasher(ids.size_hint().0, Default::default()),
            long: FxHashMap::default(),
        };
        let mut len = 0u32;
        for id in ids {
            if share.number(id, len) == len {
                len += 1;
            }
        }
        IdIndex::with_sorted(vec![share], len as usize)
    }

    /// The index of `shares`, with its ids sorted for [`Cursor`]s.
    fn with_sorted(shares: Vec<Share>, len: usize) -> IdIndex {
        let mut sorted: Vec<((u64, u64), u32)> = shares
            .iter()
            .flat_map(|s| s.short.iter().map(|(&k, &n)| (ordered(k), n)))
            .collect();
        sorted.par_sort_unstable_by_key(|e| e.0);
        IdIndex { shares, sorted, len }
    }

    /// Numbers the ids of `n` rows (`id_of(i)`, `None` for a row without
    /// one) in the order they first appear, on every core: per row, its id's
    /// number or [`NONE`], and the index of the numbers.
    ///
    /// Each core numbers the ids of its share on its own; the shares' numbers
    /// are then merged by first row, which gives the same numbers as one pass
    /// over the rows would.
    pub(crate) fn number<'a, F>(n: usize, id_of: F) -> (IdIndex, Vec<u32>)
    where
        F: Fn(usize) -> Option<&'a str> + Sync,
    {
        let count = rayon::current_num_threads().clamp(1, 8);
        // Per share: its table of local numbers, each row's local number
        // (rows of other shares: NONE), and each local number's first row.
        let mut numbered: Vec<(Share, Vec<u32>, Vec<u32>)> = (0..count)
            .into_par_iter()
            .map(|s| {
                let mut share = Share::default();
                let mut local = vec![NONE; n];
                let mut firsts = Vec::new();
                for (i, slot) in local.iter_mut().enumerate() {
                    let Some(id) = id_of(i) else { continue };
                    if share_of(id, count) != s {
                        continue;
                    }
                    let next = firsts.len() as u32;
                    *slot = share.number(id, next);
                    if *slot == next {
                        firsts.push(i as u32);
                    }
                }
                (share, local, firsts)
            })
            .collect();
        // The global numbers, by first row: a merge of the shares' increasing first rows.
        let mut global: Vec<Vec<u32>> = numbered.iter().map(|(_, _, f)| vec![0; f.len()]).collect();
        let mut next = vec![0usize; count];
        let len: usize = numbered.iter().map(|(_, _, f)| f.len()).sum();
        for g in 0..len {
            let s = (0..count)
                .filter(|&s| next[s] < numbered[s].2.len())
                .min_by_key(|&s| numbered[s].2[next[s]])
                .unwrap_or(0);
            global[s][next[s]] = g as u32;
            next[s] += 1;
        }
        numbered.par_iter_mut().zip(&global).for_each(|((share, _, _), g)| {
            share.short.values_mut().for_each(|v| *v = g[*v as usize]);
            share.long.values_mut().for_each(|v| *v = g[*v as usize]);
        });
        let rows = (0..n)
            .into_par_iter()
            .map(|i| {
                numbered
                    .iter()
                    .zip(&global)
                    .find_map(|((_, local, _), g)| (local[i] != NONE).then(|| g[local[i] as usize]))
                    .unwrap_or(NONE)
            })
            .collect();
        let shares = numbered.into_iter().map(|(share, _, _)| share).collect();
        (IdIndex::with_sorted(shares, len), rows)
    }

    /// The number of an id.
    pub(crate) fn get(&self, id: &str) -> Option<u32> {
        match self.shares.as_slice() {
            [one] => one.get(id),
            shares => shares[share_of(id, shares.len())].get(id),
        }
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

    /// The ids and their numbers, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Cow<'_, str>, u32)> + '_ {
        self.shares.iter().flat_map(|s| {
            let short = s.short.iter().map(|(&k, &n)| (Cow::Owned(unpack(k)), n));
            let long = s.long.iter().map(|(id, &n)| (Cow::Borrowed(&**id), n));
            short.chain(long)
        })
    }
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
/// do, then its length: ids sorted as text stay in order.
fn ordered((low, high): (u64, u64)) -> (u64, u64) {
    (low.swap_bytes(), high.swap_bytes())
}

fn share_of(id: &str, shares: usize) -> usize {
    (FxBuildHasher.hash_one(id.as_bytes()) % shares as u64) as usize
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
    fn numbering_in_shares_is_numbering_in_one_pass() {
        // Long and short ids, repeats, and rows without an id.
        let ids: Vec<Option<String>> = (0..5000u32)
            .map(|i| match i % 7 {
                0 => None,
                1 => Some(format!("customer-with-a-long-id-{}", (i * 31) % 401)),
                _ => Some(format!("C{}", (i * 17) % 997)),
            })
            .collect();
        let id_of = |i: usize| ids[i].as_deref();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let (index, rows) = pool.install(|| IdIndex::number(ids.len(), id_of));
        let one = IdIndex::new(ids.iter().flatten().map(String::as_str));
        assert_eq!(index.len(), one.len());
        for (i, id) in ids.iter().enumerate() {
            match id {
                None => assert_eq!(rows[i], NONE),
                Some(id) => {
                    assert_eq!(Some(rows[i]), one.get(id), "row {i}");
                    assert_eq!(index.get(id), one.get(id), "row {i}");
                }
            }
        }
        assert_eq!(index.get("C998"), None);
    }
}
