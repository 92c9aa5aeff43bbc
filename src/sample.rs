//! What report.html shows of the changes a run made: for each fix and each strip rule a few
//! examples, and a few of the documents strip's guard kept whole, chosen the same way whatever
//! the thread count (the examples whose hash of document id and text is lowest, so they spread
//! over the corpus instead of crowding at its start).

use std::collections::BTreeMap;

use xxhash_rust::xxh3::xxh3_64;

use crate::stage::{Shown, StageName};

/// Examples kept per fix and per rule.
pub const PER_NAME: usize = 5;
/// Documents the guard kept whole that are shown.
pub const GUARDED: usize = 20;

/// An example and the document it is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The document's id.
    pub id: String,
    /// The change.
    pub shown: Shown,
}

/// A document the guard kept whole, and some of what it would have removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guarded {
    /// The document's id.
    pub id: String,
    /// What strip would have removed.
    pub removals: Vec<Shown>,
}

/// The examples of a run.
#[derive(Debug, Default)]
pub struct Samples {
    repairs: BTreeMap<&'static str, Vec<(u64, Example)>>,
    removals: BTreeMap<&'static str, Vec<(u64, Example)>>,
    guarded: Vec<(u64, Guarded)>,
}

/// Keeps the `max` entries of lowest key; ties keep the one seen first.
fn keep_lowest<T>(list: &mut Vec<(u64, T)>, key: u64, item: T, max: usize) {
    if list.len() == max && list.last().is_some_and(|(k, _)| *k <= key) {
        return;
    }
    let at = list.partition_point(|(k, _)| *k <= key);
    list.insert(at, (key, item));
    list.truncate(max);
}

impl Samples {
    /// What `stage` did to document `id`, as its notes show it.
    pub fn add(&mut self, stage: StageName, id: &str, shown: Vec<Shown>) {
        if shown.is_empty() {
            return;
        }
        let hash = |s: &Shown| xxh3_64(format!("{id}\u{0}{}\u{0}{}", s.name, s.removed).as_bytes());
        if shown.iter().any(|s| s.kept_whole) {
            let key = xxh3_64(id.as_bytes());
            let guarded = Guarded {
                id: id.to_string(),
                removals: shown,
            };
            keep_lowest(&mut self.guarded, key, guarded, GUARDED);
            return;
        }
        let by_name = match stage {
            StageName::Repair => &mut self.repairs,
            StageName::Strip => &mut self.removals,
            StageName::Dedup => return,
        };
        for one in shown {
            let key = hash(&one);
            let example = Example {
                id: id.to_string(),
                shown: one,
            };
            keep_lowest(
                by_name.entry(example.shown.name).or_default(),
                key,
                example,
                PER_NAME,
            );
        }
    }

    /// Examples of each fix, by fix.
    pub fn repairs(&self) -> impl Iterator<Item = (&'static str, Vec<&Example>)> + '_ {
        self.repairs
            .iter()
            .map(|(name, list)| (*name, list.iter().map(|(_, e)| e).collect()))
    }

    /// Examples of each strip rule, by rule.
    pub fn removals(&self) -> impl Iterator<Item = (&'static str, Vec<&Example>)> + '_ {
        self.removals
            .iter()
            .map(|(name, list)| (*name, list.iter().map(|(_, e)| e).collect()))
    }

    /// Documents the guard kept whole (a sample of them).
    pub fn guarded(&self) -> impl Iterator<Item = &Guarded> + '_ {
        self.guarded.iter().map(|(_, g)| g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(name: &'static str, removed: &str) -> Shown {
        Shown {
            name,
            removed: removed.to_string(),
            ..Shown::default()
        }
    }

    #[test]
    fn a_few_examples_per_name_whatever_the_order() {
        let mut forward = Samples::default();
        let mut backward = Samples::default();
        let ids: Vec<String> = (0..50).map(|i| format!("doc-{i}")).collect();
        for id in &ids {
            forward.add(StageName::Strip, id, vec![shown("share-buttons", "Share")]);
        }
        for id in ids.iter().rev() {
            backward.add(StageName::Strip, id, vec![shown("share-buttons", "Share")]);
        }
        let names = |s: &Samples| -> Vec<String> {
            s.removals()
                .flat_map(|(_, list)| list.into_iter().map(|e| e.id.clone()))
                .collect()
        };
        assert_eq!(names(&forward).len(), PER_NAME);
        assert_eq!(names(&forward), names(&backward));
        // Not simply the first documents.
        assert_ne!(names(&forward), ids[..PER_NAME].to_vec());
        let mut guarded = shown("advertisement", "Advertisement");
        guarded.kept_whole = true;
        forward.add(StageName::Strip, "menu-page", vec![guarded]);
        assert_eq!(forward.guarded().count(), 1);
        assert_eq!(
            forward.removals().count(),
            1,
            "a guarded document is not a removal"
        );
    }
}
