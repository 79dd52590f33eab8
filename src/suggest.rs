//! "Did you mean ...?" suggestions for misspelt names: fields, functions,
//! policy keys and gesture ids all go through [`did_you_mean`] so that every
//! message suggests in the same way.

/// The candidate closest to `word`, when it is close enough to be a likely
/// typo; `None` for a wild miss.
///
/// Closeness is the Damerau-Levenshtein distance (a swap of two neighbouring
/// letters counts once): at most 2 edits, and at most one edit per three
/// characters of `word`, so that short words do not match everything. A
/// candidate equal to `word` ignoring ASCII case always matches. Ties go to
/// the earliest candidate.
///
/// Failing that, a name cut short at a word of its own (`customer.tenure`
/// for `customer.tenure_days`, `full_recovery` for `full_recovery_at`)
/// suggests the one candidate it begins, when only one does; and failing
/// that, a name with a word abbreviated or spelt out
/// (`incident.coupon_percent` for `incident.coupon_pct`) suggests the one
/// candidate it abbreviates or spells out, when only one does.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&'a str, usize)> = None;
    let mut longer: Vec<&'a str> = Vec::new();
    let mut abbreviated: Vec<&'a str> = Vec::new();
    for candidate in candidates {
        if !word.is_empty() && candidate.strip_prefix(word).is_some_and(|rest| rest.starts_with('_')) {
            longer.push(candidate);
        }
        if same_but_abbreviated(word, candidate) {
            abbreviated.push(candidate);
        }
        if let Some(distance) = typo_distance(word, candidate)
            && best.is_none_or(|(_, d)| distance < d)
        {
            best = Some((candidate, distance));
        }
    }
    let only = |found: &[&'a str]| match found {
        [one] => Some(*one),
        _ => None,
    };
    best.map(|(candidate, _)| candidate)
        .or_else(|| only(&longer))
        .or_else(|| only(&abbreviated))
}

/// Whether two names have the same words (split at `.` and `_`) but for
/// some that one name abbreviates and the other spells out: `pct` and
/// `percent`, `amt` and `amount`. An abbreviation has at least two letters,
/// begins with the word's first letter and keeps the rest of its letters
/// in order. At least one word must be the same in both: a lone word
/// (`min`, `margin`) is too short a name to guess from.
fn same_but_abbreviated(a: &str, b: &str) -> bool {
    let words = |name: &'_ str| name.split(['.', '_']).map(str::to_ascii_lowercase).collect::<Vec<_>>();
    let (a, b) = (words(a), words(b));
    a != b
        && a.len() == b.len()
        && a.iter().zip(&b).any(|(x, y)| x == y)
        && a.iter()
            .zip(&b)
            .all(|(x, y)| x == y || abbreviates(x, y) || abbreviates(y, x))
}

fn abbreviates(short: &str, long: &str) -> bool {
    let mut rest = long.chars();
    short.len() >= 2
        && short.len() < long.len()
        && short.chars().all(|c| c.is_ascii_alphabetic())
        && short.chars().next() == long.chars().next()
        && short.chars().all(|c| rest.any(|l| l == c))
}

/// The edit distance from `word` to `candidate` when `word` is close enough
/// to be a likely typo of it (the closeness [`did_you_mean`] describes,
/// without its names cut short); `None` otherwise.
pub fn typo_distance(word: &str, candidate: &str) -> Option<usize> {
    let limit = (word.chars().count().max(3) / 3).min(2);
    let distance = if candidate.eq_ignore_ascii_case(word) {
        0
    } else {
        strsim::damerau_levenshtein(word, candidate)
    };
    // Replacing the whole of a one-letter word (`c` for `r`) is no typo.
    let shortest = word.chars().count().min(candidate.chars().count());
    let plausible = distance == 0 || distance < shortest;
    (plausible && distance <= limit).then_some(distance)
}

/// `" (did you mean `x`?)"` to add after a message about `word`, or
/// nothing when no candidate is close.
pub fn hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates)
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    const FIELDS: [&str; 5] = [
        "incident.kind",
        "incident.loss",
        "customer.tenure_days",
        "customer.orders",
        "customer.recency_days",
    ];

    #[test]
    fn a_one_letter_name_is_not_any_other_one_letter_name() {
        assert_eq!(did_you_mean("c", ["r", "alpha", "a", "b"]), None);
        assert_eq!(did_you_mean("R", ["r", "alpha"]), Some("r"));
        assert_eq!(did_you_mean("alpa", ["r", "alpha"]), Some("alpha"));
    }

    #[test]
    fn a_name_cut_short_at_a_word_suggests_the_one_it_begins() {
        assert_eq!(did_you_mean("customer.tenure", FIELDS), Some("customer.tenure_days"));
        assert_eq!(did_you_mean("customer.recency", FIELDS), Some("customer.recency_days"));
        // Not inside a word, and not when two names begin so.
        assert_eq!(did_you_mean("customer.ten", FIELDS), None);
        assert_eq!(did_you_mean("late", ["late_delivery", "late_fee"]), None);
        // A close typo still wins.
        assert_eq!(did_you_mean("customer.order", FIELDS), Some("customer.orders"));
    }

    /// `incident.coupon_percent` for a declared `incident.coupon_pct` is four
    /// edits away, and got no suggestion.
    #[test]
    fn a_word_abbreviated_or_spelt_out_suggests_the_other() {
        let declared = ["incident.coupon_pct", "incident.order_value", "customer.plan_price"];
        let fields = FIELDS.iter().copied().chain(declared);
        for (word, want) in [
            ("incident.coupon_percent", "incident.coupon_pct"),
            ("incident.order_val", "incident.order_value"),
            ("customer.plan_prc", "customer.plan_price"),
            ("cust.orders", "customer.orders"),
        ] {
            assert_eq!(did_you_mean(word, fields.clone()), Some(want), "{word}");
        }
        // One letter is no abbreviation, digits are no word, the first letter
        // must match, and the words must be the same in number.
        for word in [
            "customer.tenure_d",
            "incident.coupon_2",
            "incident.coupon_ercent",
            "incident.coupon_pct_off",
            "customer.rec",
        ] {
            assert_eq!(did_you_mean(word, fields.clone()), None, "{word}");
        }
        // A lone word is too short a name to guess from.
        assert_eq!(did_you_mean("min", ["margin", "midpoint"]), None);
        assert_eq!(did_you_mean("attributes", ["abs", "min"]), None);
        // Two candidates abbreviated alike: no guess.
        assert_eq!(did_you_mean("x.amt", ["x.amount", "x.admit"]), None);
    }

    #[test]
    fn a_transposition_is_one_edit() {
        assert_eq!(did_you_mean("incident.kidn", FIELDS), Some("incident.kind"));
    }

    #[test]
    fn a_wrong_letter_is_found() {
        assert_eq!(
            did_you_mean("customer.tenure_dayz", FIELDS),
            Some("customer.tenure_days")
        );
    }

    #[test]
    fn a_wild_miss_suggests_nothing() {
        assert_eq!(did_you_mean("incident.weather", FIELDS), None);
        assert_eq!(did_you_mean("zzz", ["min", "max", "abs"]), None);
    }

    #[test]
    fn fields_differing_in_many_letters_are_not_confused() {
        // `loss` and `kind` share the prefix but are four edits apart
        assert_eq!(did_you_mean("incident.kinx", ["incident.loss"]), None);
    }

    #[test]
    fn short_words_allow_only_one_edit() {
        assert_eq!(did_you_mean("mx", ["min", "max"]), Some("max"));
        assert_eq!(did_you_mean("ab", ["xy"]), None);
    }

    #[test]
    fn case_differences_always_match() {
        assert_eq!(
            did_you_mean("STARTSWITH", ["endsWith", "startsWith"]),
            Some("startsWith")
        );
    }

    #[test]
    fn the_closest_and_then_the_first_wins() {
        assert_eq!(did_you_mean("mox", ["min", "max"]), Some("max"));
        assert_eq!(did_you_mean("mxx", ["max", "mix"]), Some("max"));
    }

    #[test]
    fn no_candidates_no_suggestion() {
        assert_eq!(did_you_mean("anything", []), None);
    }
}
