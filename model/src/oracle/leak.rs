//! The leak check at quiescence (kmemleak's question, answered with ref_tracker's data): every
//! live object must be reachable from a user-visible root; what is not is leaked, and the report
//! names the chain of holders, closing it into the cycle when there is one.

use std::collections::{BTreeSet, VecDeque};

use super::{Holder, ObjId, Oracle};

impl Oracle {
    /// Report every live object that no root reaches. Call once, at quiescence, from thread 0.
    pub fn check_leaks(&self) {
        let (leaked, texts) = {
            let st = self.st();
            let meta = &st.objects.meta;
            let live: Vec<usize> = (0..meta.len())
                .filter(|&i| meta[i].free.is_none())
                .collect();
            let mut reached = vec![false; meta.len()];
            let mut queue: VecDeque<usize> = live
                .iter()
                .copied()
                .filter(|&i| {
                    meta[i]
                        .holders
                        .iter()
                        .any(|(h, _)| matches!(h, Holder::Root(..)))
                })
                .collect();
            for &i in &queue {
                reached[i] = true;
            }
            // Edges run holder -> held; walk them forward from the roots.
            while let Some(h) = queue.pop_front() {
                for &i in &live {
                    let held_by_h = meta[i]
                        .holders
                        .iter()
                        .any(|(x, _)| matches!(x, Holder::Obj(o, _) if o.0 as usize == h));
                    if held_by_h && !reached[i] {
                        reached[i] = true;
                        queue.push_back(i);
                    }
                }
            }
            let leaked: Vec<usize> = live.into_iter().filter(|&i| !reached[i]).collect();
            let texts: Vec<(usize, String, Vec<String>)> = leaked
                .iter()
                .map(|&i| {
                    let m = &meta[i];
                    let holders = m
                        .holders
                        .iter()
                        .map(|(h, _)| Self::holder_text(&st, h))
                        .collect();
                    (i, format!("{}#{}", m.kind, m.seq), holders)
                })
                .collect();
            (leaked, texts)
        };
        self.check_leaked_references();
        if leaked.is_empty() {
            return;
        }
        let cycle = self.holder_cycle(&leaked);
        let first = cycle.first().copied().unwrap_or(ObjId(leaked[0] as u32));
        let mut details = Vec::new();
        if !cycle.is_empty() {
            let names: Vec<String> = cycle.iter().map(|o| self.obj_name(*o)).collect();
            details.push(format!(
                "reference cycle: {} <- {} (each is held by the next; nothing outside holds any)",
                names.join(" <- "),
                names[0]
            ));
        }
        for (_, name, holders) in &texts {
            let by = if holders.is_empty() {
                "nothing".to_string()
            } else {
                holders.join(", ")
            };
            details.push(format!("unreferenced object {name}: held by {by}"));
        }
        let title = format!(
            "kmemleak: {} unreferenced object{} at quiescence{}",
            texts.len(),
            if texts.len() == 1 { "" } else { "s" },
            if cycle.is_empty() {
                ""
            } else {
                " (reference cycle)"
            }
        );
        self.report(
            &super::check::KMEMLEAK,
            0,
            title,
            Some(self.obj_name(first)),
            details,
        );
    }

    /// A cycle among `leaked` following holder edges, as held -> holder -> ..., if any.
    fn holder_cycle(&self, leaked: &[usize]) -> Vec<ObjId> {
        let st = self.st();
        let set: BTreeSet<usize> = leaked.iter().copied().collect();
        for &start in leaked {
            let mut path = vec![start];
            let mut at = start;
            loop {
                let next = st.objects.meta[at]
                    .holders
                    .iter()
                    .find_map(|(h, _)| match h {
                        Holder::Obj(o, _) if set.contains(&(o.0 as usize)) => Some(o.0 as usize),
                        _ => None,
                    });
                let Some(n) = next else { break };
                if let Some(pos) = path.iter().position(|&p| p == n) {
                    // The cycle is path[pos..]; report it from its held end: held -> holder.
                    return path[pos..].iter().map(|&i| ObjId(i as u32)).collect();
                }
                path.push(n);
                at = n;
            }
        }
        Vec::new()
    }

    /// ref_tracker's "leaked reference." at quiescence: a live object still counted by a holder
    /// that can never put it, a freed object or a finished task. Reachability alone does not see
    /// these when the object also has a root (a data file is held open by its filesystem), so a
    /// pin record freed without its `fput`, or a lookup never put, would stay invisible.
    fn check_leaked_references(&self) {
        let (texts, first) = {
            let st = self.st();
            let meta = &st.objects.meta;
            let mut texts = Vec::new();
            let mut first = None;
            for (i, m) in meta.iter().enumerate().filter(|(_, m)| m.free.is_none()) {
                for (h, n) in &m.holders {
                    let why = match h {
                        Holder::Obj(o, _) => match &meta[o.0 as usize].free {
                            Some(f) => format!("freed by task {}", Self::site_text(&st, f)),
                            None => continue,
                        },
                        Holder::Task(..) => "its task finished".to_string(),
                        Holder::Root(_) => continue,
                    };
                    first.get_or_insert(ObjId(i as u32));
                    let times = if *n > 1 {
                        format!(" (x{n})")
                    } else {
                        String::new()
                    };
                    texts.push(format!(
                        "{}#{} is held by {}{times}: {why}",
                        m.kind,
                        m.seq,
                        Self::holder_text(&st, h)
                    ));
                }
            }
            (texts, first)
        };
        let Some(first) = first else { return };
        let title = format!(
            "ref_tracker: {} leaked reference{} at quiescence",
            texts.len(),
            if texts.len() == 1 { "" } else { "s" }
        );
        self.report(
            &super::check::REF_LEAKED,
            0,
            title,
            Some(self.obj_name(first)),
            texts,
        );
    }
}
