//! Clustering: the verified duplicate edges turned into clusters, each with the member the keep
//! policy prefers kept, and a [`Decision`] for every member.

use rustc_hash::FxHashMap as HashMap;

use super::documents::Docs;
use super::outcome::{Cluster, Decision, Decisions, MatchKind, Member};
use super::verify::Edge;
use super::{align, round, DedupConfig, KeepPolicy};

/// Clusters: groups of exact copies (by `rep`) in the order the keep policy prefers their best
/// member; a group not yet taken keeps, and takes the groups it covers (verified duplicates
/// whose words it holds) that are not yet taken. So a document is dropped only for a kept one
/// that covers it, never through a third one. A group that another group covers but does not
/// cover back (a short text inside a long one) waits for it, whatever the keep policy says: the
/// policy chooses only among documents that cover each other. Then the clusters' members by
/// number ([`Clustering::name`] makes their records and decisions once the ids are back), and
/// the cluster of each document.
pub(super) fn cluster(
    docs: &Docs,
    rep: &[u32],
    duplicates: &[Edge],
    config: &DedupConfig,
) -> (Clustering, Vec<u32>) {
    let priority = priority_order(docs, config.keep);
    // The best member of each group, by priority.
    let mut best: Vec<u32> = vec![u32::MAX; docs.len()];
    for &i in &priority {
        let group = &mut best[rep[i as usize] as usize];
        if *group == u32::MAX {
            *group = i;
        }
    }
    /// A verified duplicate of a group: the other group, their similarity, how the other is
    /// covered by this one, and this one by the other.
    struct Near {
        other: u32,
        similarity: f64,
        other_in_this: align::Coverage,
        this_in_other: align::Coverage,
    }
    let mut neighbours: HashMap<u32, Vec<Near>> = HashMap::default();
    for e in duplicates {
        neighbours.entry(e.a).or_default().push(Near {
            other: e.b,
            similarity: e.similarity,
            other_in_this: e.b_in_a,
            this_in_other: e.a_in_b,
        });
        neighbours.entry(e.b).or_default().push(Near {
            other: e.a,
            similarity: e.similarity,
            other_in_this: e.a_in_b,
            this_in_other: e.b_in_a,
        });
    }
    let covers = |c: &align::Coverage| c.covers(config.min_coverage);
    // Each group's owner: itself for a group that keeps (`keeps`, a flag a group: nearly every
    // group keeps), else in `owner`, (the group it belongs to, similarity, coverage), for the
    // groups another one took. A map of every group, and a list of members for every keeper
    // (below), took hundreds of megabytes at 10 GB for the few that are in clusters.
    let mut keeps = vec![false; docs.len()];
    let mut owner: HashMap<u32, (u32, f64, f64)> = HashMap::default();
    let owned = |keeps: &[bool], owner: &HashMap<u32, (u32, f64, f64)>, group: u32| {
        keeps[group as usize] || owner.contains_key(&group)
    };
    // First pass: a group that an untaken group covers one way waits for it. Second pass: the
    // groups still untaken (their coverer was taken by a third) in plain priority order.
    for waiting in [true, false] {
        for &i in &priority {
            let group = rep[i as usize];
            if best[group as usize] != i || owned(&keeps, &owner, group) {
                continue;
            }
            let near = neighbours.get(&group).map(Vec::as_slice).unwrap_or(&[]);
            if waiting
                && near.iter().any(|n| {
                    !owned(&keeps, &owner, n.other)
                        && covers(&n.this_in_other)
                        && !covers(&n.other_in_this)
                })
            {
                continue;
            }
            keeps[group as usize] = true;
            for n in near {
                if covers(&n.other_in_this) && !owned(&keeps, &owner, n.other) {
                    owner.insert(n.other, (group, n.similarity, n.other_in_this.share));
                }
            }
        }
    }
    let owner_of = |group: u32| {
        if keeps[group as usize] {
            Some((group, 1.0, 1.0))
        } else {
            owner.get(&group).copied()
        }
    };

    // Members: every document of a cluster (a keeper with more than itself), exact copies
    // following their group.
    let mut members = vec![0u32; docs.len()];
    for &group in rep {
        if let Some((keeper_group, ..)) = owner_of(group) {
            members[best[keeper_group as usize] as usize] += 1;
        }
    }
    let mut members_of: HashMap<u32, Vec<(u32, f64, MatchKind, f64)>> = HashMap::default();
    for i in 0..docs.len() as u32 {
        let group = rep[i as usize];
        let Some((keeper_group, similarity, coverage)) = owner_of(group) else {
            continue;
        };
        let keeper = best[keeper_group as usize];
        if members[keeper as usize] < 2 {
            continue;
        }
        let kind = if group == keeper_group && i != keeper {
            MatchKind::Exact
        } else {
            MatchKind::Near
        };
        let similarity = if group == keeper_group {
            1.0
        } else {
            similarity
        };
        members_of
            .entry(keeper)
            .or_default()
            .push((i, similarity, kind, coverage));
    }
    drop(members);
    let mut keepers: Vec<u32> = members_of.keys().copied().collect();
    keepers.sort_unstable();
    let mut clustering = Clustering::default();
    let mut cluster_of = vec![u32::MAX; docs.len()];
    for (number, keeper) in keepers.iter().enumerate() {
        let mut members = members_of.remove(keeper).unwrap_or_default();
        members.sort_by_key(|&(i, ..)| (i != *keeper, i));
        // The kept member of a cluster of exact copies is one of them.
        if members[1..].iter().all(|m| m.2 == MatchKind::Exact) {
            members[0].2 = MatchKind::Exact;
        }
        for &(i, ..) in &members {
            cluster_of[i as usize] = number as u32 + 1;
        }
        clustering.clusters.push(members);
    }
    (clustering, cluster_of)
}

/// The clusters by document number, in cluster order: each one's members (document,
/// similarity, kind and coverage), the kept one first. About 24 bytes a member, where its
/// [`Cluster`] and [`Decision`] hold its id and the kept one's (60 MB at 10 GB, through the
/// passage links' stock count).
#[derive(Debug, Default)]
pub(super) struct Clustering {
    clusters: Vec<Vec<(u32, f64, MatchKind, f64)>>,
}

impl Clustering {
    /// The documents that duplicate a kept one.
    pub(super) fn duplicates(&self) -> impl Iterator<Item = u32> + '_ {
        self.clusters
            .iter()
            .flat_map(|members| members.iter().skip(1).map(|m| m.0))
    }

    /// The cluster records and every member's decision, named by `docs` (whose ids are held),
    /// into `decisions`, with their counts.
    pub(super) fn name(self, docs: &Docs, decisions: &mut Decisions) {
        for (number, members) in self.clusters.into_iter().enumerate() {
            let keeper = members[0].0;
            let cluster = number as u32 + 1;
            let kept_id = docs.id(keeper).to_string();
            for &(i, similarity, kind, coverage) in &members {
                let duplicate_of = (i != keeper).then(|| kept_id.clone());
                if duplicate_of.is_some() {
                    match kind {
                        MatchKind::Exact => decisions.summary.exact_duplicates += 1,
                        MatchKind::Near => decisions.summary.near_duplicates += 1,
                    }
                    decisions
                        .summary
                        .duplicate_coverage
                        .add(crate::report::LowCoverage {
                            id: docs.id(i).to_string(),
                            kept: kept_id.clone(),
                            cluster,
                            coverage: round(coverage),
                            similarity: round(similarity),
                        });
                }
                decisions.by_doc.insert(
                    i,
                    Decision {
                        cluster,
                        duplicate_of,
                        similarity: round(similarity),
                        coverage: round(coverage),
                        kind,
                        length: docs[i as usize].length,
                    },
                );
            }
            decisions.clusters.push(Cluster {
                cluster,
                kept: kept_id,
                members: members
                    .iter()
                    .map(|&(i, similarity, kind, coverage)| Member {
                        id: docs.id(i).to_string(),
                        similarity: round(similarity),
                        coverage: round(coverage),
                        kind,
                    })
                    .collect(),
            });
        }
        decisions.summary.clusters = decisions.clusters.len() as u64;
    }
}

/// Document indices in the order the keep policy prefers them.
pub(super) fn priority_order(docs: &Docs, keep: KeepPolicy) -> Vec<u32> {
    let mut order: Vec<u32> = (0..docs.len() as u32).collect();
    match keep {
        KeepPolicy::First => {}
        KeepPolicy::Longest => {
            order.sort_by_key(|&i| (std::cmp::Reverse(docs[i as usize].length), i))
        }
        KeepPolicy::Earliest => order.sort_by(|&a, &b| {
            let (da, db) = (docs.date(a), docs.date(b));
            match (da, db) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then(a.cmp(&b))
        }),
    }
    order
}
