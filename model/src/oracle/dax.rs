//! FS-DAX block safety: the invariant the 2019 series exists for. A file's blocks on a DAX
//! filesystem are the memory a device writes into when a long-term pin has mapped them for DMA; a
//! truncate that frees such a block hands the device a block the filesystem may give to another
//! file (data corruption, or a leak of another file's data).
//!
//! The oracle follows two independent pieces of state, each recorded right after the step that
//! changes it: the blocks an object has mapped for DMA (from the page pin to the unpin: the pfns
//! its pin looked up in the file's block map), and the blocks the filesystem freed (the block map
//! cleared by truncate). A free of a mapped block, or a mapping of a freed one, is the finding.
//! It names no kernel type: mappings belong to object ids, blocks to a file's name.

use super::{ObjId, Oracle};
use crate::Name;

crate::declare_check!(
    /// A truncate frees blocks an object still has mapped for DMA.
    pub static DAX_FREE_MAPPED = ("dax.free_while_mapped", super::FindingKind::DaxCorruption,
        "a truncate frees file blocks a long-term pin still maps for DMA");
);
crate::declare_check!(
    /// A pin maps blocks for DMA that the filesystem has already freed.
    pub static DAX_MAP_FREED = ("dax.map_of_freed_blocks", super::FindingKind::DaxCorruption,
        "a long-term pin maps file blocks the filesystem has freed");
);

/// Blocks `[first, first + count)` of a data file.
#[derive(Clone, Debug)]
pub(super) struct Blocks {
    file: Name,
    first: i64,
    count: i64,
}

impl Blocks {
    fn overlaps(&self, o: &Blocks) -> bool {
        self.file == o.file && self.first < o.first + o.count && o.first < self.first + self.count
    }

    fn text(&self) -> String {
        format!(
            "blocks {}-{} of {}",
            self.first,
            self.first + self.count - 1,
            self.file
        )
    }
}

/// What the oracle knows of DAX blocks in one execution.
#[derive(Default)]
pub(super) struct Dax {
    /// Live DMA mappings: the object that holds each.
    mapped: Vec<(ObjId, Blocks)>,
    /// Blocks freed by the filesystem.
    freed: Vec<Blocks>,
}

impl Dax {
    pub(super) fn recycle(&mut self) {
        self.mapped.clear();
        self.freed.clear();
    }
}

impl Oracle {
    /// The step just taken mapped `count` blocks of `file` from `first` for DMA on behalf of `pin`
    /// (its long-term page pin).
    pub fn dax_map(&self, pin: ObjId, file: &Name, first: i64, count: i64) {
        let b = Blocks {
            file: Name::clone(file),
            first,
            count,
        };
        let freed = {
            let mut st = self.st();
            st.dax.mapped.push((pin, b.clone()));
            st.dax.freed.iter().find(|f| f.overlaps(&b)).cloned()
        };
        if let Some(f) = freed {
            let who = self.obj_name(pin);
            self.report(
                &DAX_MAP_FREED,
                self.current_tid(),
                format!(
                    "BUG: {who} maps {} for DMA after truncate freed them",
                    b.text()
                ),
                Some(who.clone()),
                vec![format!(
                    "{} were freed by truncate before {who} pinned and mapped them",
                    f.text()
                )],
            );
        }
    }

    /// The step just taken unpinned the pages of `pin`: its DMA mapping is gone.
    pub fn dax_unmap(&self, pin: ObjId) {
        self.st().dax.mapped.retain(|(o, _)| *o != pin);
    }

    /// The step just taken freed `count` blocks of `file` from `first` (truncate).
    pub fn dax_free(&self, file: &Name, first: i64, count: i64) {
        let b = Blocks {
            file: Name::clone(file),
            first,
            count,
        };
        let mapped: Vec<(ObjId, Blocks)> = {
            let mut st = self.st();
            st.dax.freed.push(b.clone());
            st.dax
                .mapped
                .iter()
                .filter(|(_, m)| m.overlaps(&b))
                .cloned()
                .collect()
        };
        for (pin, m) in mapped {
            let who = self.obj_name(pin);
            self.report(
                &DAX_FREE_MAPPED,
                self.current_tid(),
                format!(
                    "BUG: truncate freed {} while {who} can still DMA into them",
                    m.text()
                ),
                Some(who.clone()),
                vec![
                    format!(
                        "{who} pinned {} long-term and has not unpinned them",
                        m.text()
                    ),
                    "the filesystem may hand these blocks to another file: the device would \
                     write into it"
                        .into(),
                ],
            );
        }
    }
}
