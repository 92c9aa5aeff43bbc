//! How much of one document another covers: the words of the first aligned, in order, to the
//! second.
//!
//! A document may be dropped as a duplicate only when the kept one covers it: most of its words
//! in the same order, and every number it states. Passage similarity finds the pairs worth
//! checking; this checks them exactly. The alignment is Ratcliff and Obershelp's (what Python's
//! `difflib.SequenceMatcher` computes, without its junk heuristic): the longest common run of
//! words, then the same on either side of it, recursively. Runs of a single word do not count:
//! one shared word is not shared text.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::passage::{Tokens, FIGURE, NAME};

/// How a document `a` is covered by a document `b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    /// The share of `a`'s words in runs of two or more aligned to `b` (the smaller of the shares
    /// as written and before strip's statistics, when they removed lines).
    pub share: f64,
    /// Whether every number of `a` is somewhere in `b`, and every word of `a` that states a figure
    /// is aligned to `b` (as written, and before strip's statistics): "Pay April 30" is not
    /// covered by "Pay April 16" that states a 30 elsewhere.
    pub numbers: bool,
}

impl Coverage {
    /// Whether `b` covers `a` enough to stand for it: `share` at least `min_share` and no number
    /// of `a` missing from `b`.
    pub fn covers(&self, min_share: f64) -> bool {
        self.numbers && self.share >= min_share
    }
}

/// Work allowed for one alignment, in steps of the inner loop: a pathological pair (thousands of
/// repeats of one word in both) stops there and counts as not covered, so the pair is kept.
const BUDGET: u64 = 200_000_000;

/// How much of `a` `b` covers; `None` when the alignment ran past its budget (the caller keeps
/// both documents).
pub fn coverage(a: &Tokens, b: &Tokens) -> Option<Coverage> {
    let (mut share, figures) = covered_share(&a.words, &b.words)?;
    let mut numbers = figures && numbers_in(a, b);
    if a.unstripped.is_some() || b.unstripped.is_some() {
        let (a, b) = (
            a.unstripped.as_deref().unwrap_or(a),
            b.unstripped.as_deref().unwrap_or(b),
        );
        let (before, figures) = covered_share(&a.words, &b.words)?;
        numbers &= figures && numbers_in(a, b);
        share = share.min(before);
    }
    Some(Coverage { share, numbers })
}

/// Whether every number of `a` is in `b`, as many times ("7.1 cts vs 7.1 cts prior" is not in
/// "eight cts vs 7.1 cts prior"), and the names `a` writes inside a sentence are words of `b`,
/// but for fewer than one in [`NAMES_MISSING_PER`] of its words ("Sound Advice Inc" is not in
/// a notice about "NMR Centers Inc").
fn numbers_in(a: &Tokens, b: &Tokens) -> bool {
    let mut stated: HashMap<u32, u32> = HashMap::default();
    for &n in b.numbers.iter().filter(|&&n| n & NAME == 0) {
        *stated.entry(n).or_default() += 1;
    }
    let mut named: Option<HashSet<u32>> = None;
    let mut unnamed = 0;
    let numbers = a.numbers.iter().all(|n| {
        if n & NAME != 0 {
            // A name: somewhere in `b`, however written there.
            let named = named.get_or_insert_with(|| b.words.iter().map(|&w| w | NAME).collect());
            unnamed += usize::from(!named.contains(n));
            return true;
        }
        match stated.get_mut(n) {
            Some(count) if *count > 0 => {
                *count -= 1;
                true
            }
            _ => false,
        }
    });
    numbers && unnamed * NAMES_MISSING_PER < a.words.len().max(1)
}

/// `a` is not covered when one name in this many of its words is missing from `b`: in a notice
/// of a few dozen words, the one name that differs is its subject ("Citgo" for "Phillips");
/// in a long story, a name or two that a copy's edits brought in is not.
const NAMES_MISSING_PER: usize = 100;

/// The share of `a`'s words aligned to `b` in runs of two or more, and whether every word of
/// `a` that states a figure ([`crate::dedup::passage::FIGURE`]) is among them.
fn covered_share(a: &[u32], b: &[u32]) -> Option<(f64, bool)> {
    if a.is_empty() {
        return Some((1.0, true));
    }
    let positions = Positions::of(b);
    let (words, figures) = aligned(a, b, &positions)?;
    Some((words as f64 / a.len() as f64, figures))
}

/// The words of `a` in aligned runs of two or more, plus those in runs of at least [`MOVED`]
/// words found elsewhere in `b` (a paragraph moved: the same text in another order); and
/// whether every figure word of `a` is in one of those runs, or next to the same word in `b`.
fn aligned(a: &[u32], b: &[u32], positions: &Positions) -> Option<(usize, bool)> {
    let mut finder = Finder::new(a, positions);
    let mut blocks = Vec::new();
    finder.blocks((0, a.len(), 0, b.len()), 2, false, &mut blocks)?;
    let in_order: usize = blocks.iter().map(|&(_, _, k)| k).sum();
    // What is left of `a`, between the blocks, may be in `b` in another place.
    blocks.sort_unstable();
    let mut gaps = Vec::new();
    let mut at = 0;
    for &(i, _, k) in &blocks {
        if i > at {
            gaps.push((at, i));
        }
        at = i + k;
    }
    if at < a.len() {
        gaps.push((at, a.len()));
    }
    let mut moved = Vec::new();
    for (from, to) in gaps {
        if to - from >= MOVED {
            finder.blocks((from, to, 0, b.len()), MOVED, true, &mut moved)?;
        }
    }
    let words = in_order + moved.iter().map(|&(_, _, k)| k).sum::<usize>();
    // Figure words outside every run (blocks and moved runs, sorted by their start in `a`) must
    // still stand next to one of their neighbours in `b`: in a paragraph that moved, the figure
    // that ends its line has a new next word; another pay date has neither neighbour. (A
    // dividend whose figure `b` states only as the prior one is caught by counting numbers.)
    blocks.extend(moved);
    blocks.sort_unstable();
    let mut pairs: Option<HashSet<(u32, u32)>> = None;
    let mut next = 0;
    for (i, &word) in a.iter().enumerate() {
        while next < blocks.len() && blocks[next].0 + blocks[next].2 <= i {
            next += 1;
        }
        if word & FIGURE == 0 || blocks.get(next).is_some_and(|&(start, _, _)| start <= i) {
            continue;
        }
        let pairs = pairs.get_or_insert_with(|| {
            b.windows(2)
                .filter(|w| (w[0] | w[1]) & FIGURE != 0)
                .map(|w| (w[0], w[1]))
                .collect()
        });
        let before = i > 0 && pairs.contains(&(a[i - 1], word));
        let after = a
            .get(i + 1)
            .is_some_and(|&next| pairs.contains(&(word, next)));
        if !before && !after {
            return Some((words, false));
        }
    }
    Some((words, true))
}

/// The text two token sequences share: from the first to the last word of their common runs
/// of at least `min` words, in order, as (first, end) word indices in `a` and in `b`; `None`
/// when they share no such run (or the alignment ran past its budget).
pub fn shared_span(a: &[u32], b: &[u32], min: usize) -> Option<((usize, usize), (usize, usize))> {
    let positions = Positions::of(b);
    let mut finder = Finder::new(a, &positions);
    let mut blocks = Vec::new();
    finder.blocks((0, a.len(), 0, b.len()), min, false, &mut blocks)?;
    let first = blocks.iter().min_by_key(|&&(i, ..)| i)?;
    let last = blocks.iter().max_by_key(|&&(i, ..)| i)?;
    Some(((first.0, last.0 + last.2), (first.1, last.1 + last.2)))
}

/// Runs of fewer words than this found out of order do not count: two documents share many
/// short phrases in any order; a moved paragraph is a long run.
const MOVED: usize = 12;

/// Where each token of a sequence occurs, in one array: a token's positions, ascending, are
/// one slice of it. Built without a list per token (a hash map of lists took an allocation a
/// distinct word, for every pair aligned).
struct Positions {
    /// Token → (start, count) in `at`.
    slots: HashMap<u32, (u32, u32)>,
    at: Vec<u32>,
}

impl Positions {
    fn of(b: &[u32]) -> Positions {
        let mut slots: HashMap<u32, (u32, u32)> =
            HashMap::with_capacity_and_hasher(b.len(), Default::default());
        for &token in b {
            slots.entry(token).or_insert((0, 0)).1 += 1;
        }
        // Each token's slice starts where the ones before it (in any order) end; its count
        // is set again as its positions are filled in.
        let mut start = 0;
        for slot in slots.values_mut() {
            let count = slot.1;
            *slot = (start, 0);
            start += count;
        }
        let mut at = vec![0u32; b.len()];
        for (j, &token) in b.iter().enumerate() {
            if let Some(slot) = slots.get_mut(&token) {
                at[(slot.0 + slot.1) as usize] = j as u32;
                slot.1 += 1;
            }
        }
        Positions { slots, at }
    }

    /// The slot of `token`: where its positions are in `at`.
    fn slot(&self, token: u32) -> Option<(u32, u32)> {
        self.slots.get(&token).copied()
    }
}

/// Finds longest common runs; keeps its buffers between calls.
struct Finder<'a> {
    /// The slot of each word of `a` in `positions` (a count of 0 where `b` lacks it), looked
    /// up once for every range the recursion searches.
    slots: Vec<(u32, u32)>,
    /// `b`'s positions, a slot's slice each ([`Positions::at`]).
    at: &'a [u32],
    /// Runs ending at the previous word of `a`: (position in b, length), by position.
    lengths: Vec<(u32, u32)>,
    next: Vec<(u32, u32)>,
    steps: u64,
}

impl<'a> Finder<'a> {
    fn new(a: &'a [u32], positions: &'a Positions) -> Finder<'a> {
        Finder {
            slots: a
                .iter()
                .map(|&token| positions.slot(token).unwrap_or((0, 0)))
                .collect(),
            at: &positions.at,
            lengths: Vec::new(),
            next: Vec::new(),
            steps: 0,
        }
    }

    /// The blocks (start in a, start in b, length) of the longest-run recursion over `range` (a from, a to,
    /// b from, b to), runs shorter than `min` ending it. `anywhere`: each side of a block is
    /// matched against the whole of b's range again, not only the same side of it.
    fn blocks(
        &mut self,
        range: (usize, usize, usize, usize),
        min: usize,
        anywhere: bool,
        out: &mut Vec<(usize, usize, usize)>,
    ) -> Option<()> {
        let mut ranges = vec![range];
        while let Some((alo, ahi, blo, bhi)) = ranges.pop() {
            let (i, j, k) = self.longest(alo, ahi, blo, bhi)?;
            // A longest run shorter than `min` means none is left in the range.
            if k < min {
                continue;
            }
            out.push((i, j, k));
            let (left, right) = if anywhere {
                ((blo, bhi), (blo, bhi))
            } else {
                ((blo, j), (j + k, bhi))
            };
            if alo < i && left.0 < left.1 {
                ranges.push((alo, i, left.0, left.1));
            }
            if i + k < ahi && right.0 < right.1 {
                ranges.push((i + k, ahi, right.0, right.1));
            }
        }
        Some(())
    }

    /// The longest run common to `a[alo..ahi]` and `b[blo..bhi]` as (start in a, start in b,
    /// length), the earliest in `a` (then in `b`) among the longest; `None` past the budget.
    fn longest(
        &mut self,
        alo: usize,
        ahi: usize,
        blo: usize,
        bhi: usize,
    ) -> Option<(usize, usize, usize)> {
        let (mut best_i, mut best_j, mut best) = (alo, blo, 0usize);
        self.lengths.clear();
        for i in alo..ahi {
            self.next.clear();
            let (start, count) = self.slots[i];
            if count > 0 {
                let js = &self.at[start as usize..(start + count) as usize];
                let from = js.partition_point(|&j| (j as usize) < blo);
                // The previous word's runs are sorted by position: walk them alongside.
                let mut previous = 0;
                for &j in &js[from..] {
                    if j as usize >= bhi {
                        break;
                    }
                    self.steps += 1;
                    while previous < self.lengths.len() && self.lengths[previous].0 + 1 < j {
                        previous += 1;
                    }
                    let k = match self.lengths.get(previous) {
                        Some(&(pj, pk)) if pj + 1 == j => pk + 1,
                        _ => 1,
                    };
                    self.next.push((j, k));
                    if k as usize > best {
                        best_i = i + 1 - k as usize;
                        best_j = j as usize + 1 - k as usize;
                        best = k as usize;
                    }
                }
            }
            if self.steps > BUDGET {
                return None;
            }
            std::mem::swap(&mut self.lengths, &mut self.next);
        }
        Some((best_i, best_j, best))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::passage;

    fn tokens(text: &str) -> Tokens {
        passage::tokens(text, false)
    }

    fn cover(a: &str, b: &str) -> Coverage {
        coverage(&tokens(a), &tokens(b)).unwrap()
    }

    #[test]
    fn a_copy_with_an_edit_is_mostly_covered_and_a_short_notice_covers_little() {
        let original = "The company said net profit rose in the first quarter as sales of its new \
            phones grew faster than analysts had expected";
        let edited = original.replace("rose", "climbed");
        let c = cover(&edited, original);
        assert!(c.share > 0.85 && c.share < 1.0 && c.numbers, "{c:?}");
        assert_eq!(cover(original, original).share, 1.0);
        let notice = "The company said net profit rose";
        assert_eq!(cover(notice, original).share, 1.0);
        assert!(cover(original, notice).share < 0.3);
    }

    #[test]
    fn numbers_must_all_be_in_the_covering_document() {
        let a = "Shr 37 cts vs 32 cts Net 1,234,000 vs 987,000 Revs 10.5 mln vs 9.8 mln";
        let b = "Shr 38 cts vs 32 cts Net 1,234,000 vs 987,000 Revs 10.5 mln vs 9.8 mln";
        let c = cover(a, b);
        assert!(!c.numbers && c.share > 0.8, "{c:?}");
        assert!(!c.covers(0.8));
        let (ta, tb) = (passage::tokens(a, true), passage::tokens(b, true));
        // Six numbers, and the names "Net" and "Revs" (capitals inside the line).
        assert_eq!(ta.numbers.iter().filter(|&&n| n & NAME == 0).count(), 6);
        assert!(coverage(&ta, &tb).unwrap().covers(0.8));
    }

    /// A number the covering document states elsewhere does not cover it: a notice with another
    /// pay date is another notice, even when its dividend happens to equal that date.
    #[test]
    fn every_figure_must_be_aligned_not_only_stated_somewhere() {
        let a = "Qtly div 30 cts vs 30 cts prior\nPay April 30\nRecord April 3";
        let b = "Qtly div 30 cts vs 30 cts prior\nPay April 16\nRecord April Three";
        let c = cover(a, b);
        assert!(c.share >= 0.8 && !c.numbers, "{c:?}");
        // A figure the other states only in another place (the prior dividend) is not aligned.
        let c = cover(
            "Monthly dividend 6.2 cts vs 6.2 cts prior. Pay May 29. Record May 14. \
             Acme Municipal Income Trust.",
            "Monthly dividend seven cts vs 6.2 cts prior. Pay May 29. Record May 14. \
             Acme Insured Income Trust.",
        );
        assert!(c.share >= 0.8 && !c.numbers, "{c:?}");
        // The same notice with the figure written out, or with a thousands separator, is covered.
        let c = cover(
            "Pay April 16, record April 3, on 2,000 shares",
            "Pay April 16, record April three, on 2000 shares",
        );
        assert!(c.covers(0.8), "{c:?}");
    }

    /// A date states a figure with its month: notices that differ by the month of a date, by a
    /// day written as "One", or by "one billion" against "500 mln", are other notices.
    #[test]
    fn a_month_a_day_or_one_of_a_scale_written_out_is_a_figure() {
        let c = cover(
            "Qtly div 11 cts vs 11 cts prior\nPay May 15\nRecord May One",
            "Qtly div 11 cts vs 11 cts prior\nPay June 15\nRecord May 15",
        );
        assert!(c.share >= 0.8 && !c.covers(0.8), "{c:?}");
        let c = cover(
            "Qtly div 30 cts vs 30 cts prior\nPay April 30\nRecord April 3",
            "Qtly div 30 cts vs 30 cts prior\nPay March 30\nRecord April 3",
        );
        assert!(c.share >= 0.8 && !c.covers(0.8), "{c:?}");
        // "One" before a scale is a figure too.
        let c = cover(
            "Mobil Corp filed with the Securities and Exchange Commission for a shelf offering \
             of up to one billion dlrs of debt securities on terms to be determined",
            "Mobil Corp filed with the Securities and Exchange Commission for a shelf offering \
             of up to 500 mln dlrs of debt securities on terms to be determined",
        );
        assert!(c.share >= 0.8 && !c.covers(0.8), "{c:?}");
        // A notice about another company is another notice, however alike their words.
        let c = cover(
            "Sound Advice Inc said its common stock will begin trading on the American Stock \
             Exchange tomorrow under the symbol SUND",
            "NMR Centers Inc said its common stock will begin trading on the American Stock \
             Exchange tomorrow under the symbol NMRC",
        );
        assert!(!c.numbers, "{c:?}");
        // A name opening the sentence counts when the word after it is written with a capital.
        let c = cover(
            "Citgo Petroleum Corp said it cut the contract prices it will pay for crude oil by \
             50 cts a barrel, effective today",
            "Phillips Petroleum Corp said it cut the contract prices it will pay for crude oil \
             by 50 cts a barrel, effective today",
        );
        assert!(!c.numbers, "{c:?}");
        // A name is covered wherever the other text writes it, capital or not.
        let c = cover(
            "Shares of the company rose after Citgo cut its posted prices by 50 cts",
            "Citgo cut its posted prices by 50 cts and shares of the company rose",
        );
        assert!(c.numbers, "{c:?}");
        // The same dates are covered, and "one" and "may" elsewhere are ordinary words.
        let c = cover(
            "Qtly div 11 cts vs 11 cts prior\nPay May 15\nRecord May One",
            "Qtly div 11 cts vs 11 cts prior\nPay May 15\nRecord May 1",
        );
        assert!(c.covers(0.8), "{c:?}");
        let c = cover(
            "Officials said one bidder may withdraw before the auction closes next week",
            "Officials said a bidder may withdraw before the auction closes next week",
        );
        assert!(c.covers(0.8), "{c:?}");
    }

    /// How often a figure is paid and whether it is a profit or a loss are stated like the
    /// figure: a quarterly notice is not a monthly one with the same figures, and a correction
    /// to "profit" is not covered by the story that says "loss".
    #[test]
    fn a_period_or_a_profit_against_a_loss_is_a_figure() {
        let c = cover(
            "Qtly div 15 cts vs 15 cts prior\nPay April 30\nRecord April 15",
            "Mthly div 15 cts vs 15 cts prior\nPay April 30\nRecord April 15",
        );
        assert!(c.share >= 0.8 && !c.covers(0.8), "{c:?}");
        let c = cover(
            "Oper shr profit six cts vs loss 43 cts\nOper net profit 336,000 vs loss 2,176,000",
            "Oper shr loss six cts vs loss 43 cts\nOper net loss 336,000 vs loss 2,176,000",
        );
        assert!(c.share >= 0.6 && !c.covers(0.6), "{c:?}");
        // The same words in both are covered.
        let c = cover(
            "Qtly div 15 cts vs 15 cts prior\nPay April 30\nRecord April 15",
            "Qtly div 15 cts vs 15 cts prior\nPay April 30\nRecord April 15\nReuter",
        );
        assert!(c.covers(0.8), "{c:?}");
    }

    #[test]
    fn order_counts_and_single_words_do_not() {
        // The same words shuffled share no run of two.
        let a = "alpha beta gamma delta epsilon zeta";
        let b = "zeta epsilon delta gamma beta alpha";
        assert_eq!(cover(a, b).share, 0.0);
        // Two halves swapped: the longer half aligns in order; the other, on the wrong side of
        // it, counts as moved only if it is a long run.
        let a = "one two three four five six seven eight nine ten";
        let b = "seven eight nine ten one two three four five six";
        assert_eq!(cover(a, b).share, 0.6);
        let paragraph = |w: &str| {
            format!("{w} is a paragraph of more than twelve words, which is long enough.")
        };
        let a = [paragraph("alpha"), paragraph("beta"), paragraph("gamma")].join("\n");
        let b = [paragraph("gamma"), paragraph("alpha"), paragraph("beta")].join("\n");
        assert_eq!(cover(&a, &b).share, 1.0);
    }

    /// The plain longest-common-run recursion, for comparison.
    fn reference(a: &[u32], b: &[u32]) -> usize {
        fn go(a: &[u32], b: &[u32]) -> usize {
            let (mut bi, mut bj, mut bk) = (0, 0, 0);
            for i in 0..a.len() {
                for j in 0..b.len() {
                    let mut k = 0;
                    while i + k < a.len() && j + k < b.len() && a[i + k] == b[j + k] {
                        k += 1;
                    }
                    if k > bk {
                        (bi, bj, bk) = (i, j, k);
                    }
                }
            }
            if bk < 2 {
                return 0;
            }
            bk + go(&a[..bi], &b[..bj]) + go(&a[bi + bk..], &b[bj + bk..])
        }
        go(a, b)
    }

    proptest::proptest! {
        #[test]
        fn alignment_is_the_longest_run_recursion(
            a in proptest::collection::vec(0u32..4, 0..40),
            b in proptest::collection::vec(0u32..4, 0..40),
        ) {
            let positions = Positions::of(&b);
            for (j, &t) in b.iter().enumerate() {
                let (start, count) = positions.slot(t).unwrap();
                let at = &positions.at[start as usize..(start + count) as usize];
                let ascending = at.windows(2).all(|w| w[0] < w[1]);
                proptest::prop_assert!(ascending && at.contains(&(j as u32)));
            }
            let mut finder = Finder::new(&a, &positions);
            let mut blocks = Vec::new();
            finder.blocks((0, a.len(), 0, b.len()), 2, false, &mut blocks).unwrap();
            proptest::prop_assert_eq!(blocks.iter().map(|b| b.2).sum::<usize>(), reference(&a, &b));
        }
    }
}
