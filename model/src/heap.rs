//! The model heap: typed handles with generations into per-type slabs whose slots are reused, as
//! SLUB reuses them (the most recently freed slot first).
//!
//! Each allocation has an engine-visible lifecycle, one word per scenario thread
//! ([`PerThread`]), created live by the allocating thread. A checked dereference is a
//! read-modify-write of the dereferencing thread's own word, and free is a compare-exchange of
//! every thread's word: RMWs, not plain loads, because loom can miss the race between a plain load
//! and a later store (tokio-rs/loom#166, #392); as RMWs the free and each access are dependent and
//! every engine orders them both ways, while two threads' dereferences of one object touch
//! different words and are not ordered against each other (the kernel does not order two reads of
//! one object: only its free is ordered against them). A dereference through a stale handle is a
//! use-after-free finding that
//! names the object now occupying the slot (slab reuse aliasing); the memory the access then
//! reads is the freed object's own, which stays readable until the end of the execution, as freed
//! slab memory does until reused. (Following the alias into the new object would touch engine
//! primitives created by a thread with no happens-before edge to this one, which loom rightly
//! refuses.)

use std::marker::PhantomData;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::exec_cell::{ExecCell, ExecGuard};
use crate::oracle::ObjId;
use crate::sync::{current_engine, current_oracle, with_current, PerThread, Step};

/// Slots per slab: a scenario allocates a handful of objects of each type.
pub const SLOTS_PER_SLAB_MAX: usize = 64;

/// Slots reserved at a slab's first allocation (most scenarios stay within it: no regrowth).
const SLOTS_PER_SLAB_INITIAL: usize = 8;

/// Freed slot numbers a slab keeps inline (a scenario frees a few objects of each type): a free
/// allocates nothing.
const FREED_PER_SLAB_INLINE: usize = 4;

/// A pointer to an object of type `T` in the model heap. Copying it is free; it may dangle.
pub struct Handle<T> {
    slot: u32,
    obj: ObjId,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Handle<T> {}
impl<T> PartialEq for Handle<T> {
    fn eq(&self, other: &Self) -> bool {
        self.slot == other.slot && self.obj == other.obj
    }
}
impl<T> Eq for Handle<T> {}
impl<T> std::fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Handle(slot {}, obj {:?})", self.slot, self.obj)
    }
}

impl<T> Handle<T> {
    /// The allocation this handle was made for.
    pub fn obj(self) -> ObjId {
        self.obj
    }

    /// Encode for an engine atomic (a published pointer field); 0 is NULL.
    pub fn encode(self) -> i64 {
        ((self.slot as i64) << 32) | (self.obj.0 as i64 + 1)
    }

    /// Decode what [`encode`](Self::encode) wrote.
    pub fn decode(v: i64) -> Option<Handle<T>> {
        if v == 0 {
            return None;
        }
        let slot = (v >> 32) as u32;
        let obj = ObjId(((v & 0xffff_ffff) - 1) as u32);
        Some(Handle {
            slot,
            obj,
            _t: PhantomData,
        })
    }
}

/// One allocation: its lifecycle word and the object, in one heap block (one `Arc`, so an
/// allocation and a checked dereference cost one reference count, not two).
struct Alloc<T> {
    word: PerThread,
    value: T,
}

/// A reference to an object of the model heap, as a dereference returns it: the memory stays
/// readable after a free (see the module comment), so holding one is always safe for the model.
pub struct Obj<T>(Arc<Alloc<T>>);

impl<T> std::ops::Deref for Obj<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.value
    }
}

impl<T> Clone for Obj<T> {
    fn clone(&self) -> Self {
        Obj(Arc::clone(&self.0))
    }
}

struct Slot<T> {
    alloc: Arc<Alloc<T>>,
    occupant: ObjId,
}

/// One slab (`kmem_cache`) of objects of type `T`.
pub struct Heap<T> {
    kind: &'static str,
    /// A mutex under std threads, a borrow flag under loom and shuttle ([`crate::exec_cell`]).
    slots: ExecCell<Slab<T>>,
}

struct Slab<T> {
    slots: Vec<Slot<T>>,
    /// Freed slots, most recently freed last (SLUB hands those out first).
    free: SmallVec<[u32; FREED_PER_SLAB_INLINE]>,
    /// The memory of objects whose slot was reused, by allocation. A stale handle keeps reaching
    /// its own object's (freed) memory, not the new occupant: touching the new object's engine
    /// primitives from a thread with no happens-before edge to their creation is a causality
    /// violation to loom. The use-after-free itself, and the aliasing, are reported by the checked
    /// dereference. Nothing here is dropped before the slab, at the end of the execution.
    graveyard: std::collections::BTreeMap<ObjId, Arc<Alloc<T>>>,
}

fn live(obj: ObjId) -> i64 {
    obj.0 as i64 + 1
}

fn dead(obj: ObjId) -> i64 {
    -(obj.0 as i64 + 1)
}

impl<T> Heap<T> {
    /// An empty slab for objects named `kind` in reports (`file`, `ufile`, `umem`).
    pub fn new(kind: &'static str) -> Heap<T> {
        Heap {
            kind,
            slots: ExecCell::new(
                Slab {
                    slots: Vec::new(),
                    free: SmallVec::new(),
                    graveyard: std::collections::BTreeMap::new(),
                },
                current_engine(),
            ),
        }
    }

    #[inline]
    fn slab(&self) -> ExecGuard<'_, Slab<T>> {
        self.slots.lock()
    }

    /// `kmalloc` + init. Not a scheduling point: the allocation is private to the allocating
    /// thread until it publishes the object through an engine-visible access. `init` builds the
    /// object knowing its identity (its krefs name it in the ref tracker).
    pub fn alloc(&self, step: Step, init: impl FnOnce(ObjId) -> T) -> Handle<T> {
        let obj = with_current(|_, oracle| oracle.obj_alloc(self.kind, step));
        let value = init(obj);
        // Each allocation has its own lifecycle word, created by the allocating thread: a word
        // shared by successive occupants would be reached by threads whose only link to its
        // creator is the slab's std-side free list, which loom calls a causality violation.
        let alloc = Arc::new(Alloc {
            word: PerThread::new(self.kind, live(obj)),
            value,
        });
        let mut slab = self.slab();
        let slot = match slab.free.pop() {
            Some(s) => {
                let entry = &mut slab.slots[s as usize];
                let old = std::mem::replace(&mut entry.alloc, alloc);
                let previous = std::mem::replace(&mut entry.occupant, obj);
                slab.graveyard.insert(previous, old);
                s
            }
            None => {
                assert!(
                    slab.slots.len() < SLOTS_PER_SLAB_MAX,
                    "slab {} full",
                    self.kind
                );
                if slab.slots.capacity() == 0 {
                    slab.slots.reserve_exact(SLOTS_PER_SLAB_INITIAL);
                }
                slab.slots.push(Slot {
                    alloc,
                    occupant: obj,
                });
                slab.slots.len() as u32 - 1
            }
        };
        drop(slab);
        Handle {
            slot,
            obj,
            _t: PhantomData,
        }
    }

    /// A checked dereference: one step, an RMW of the running thread's lifecycle word. A freed
    /// or reused target is a use-after-free finding; the freed object's memory is returned
    /// anyway, as it was when freed.
    pub fn deref(&self, step: Step, h: Handle<T>, access: &str) -> Obj<T> {
        let (alloc, occupant) = self.slot(h);
        let seen = alloc.word.check(step);
        if seen != live(h.obj) {
            let (_, oracle) = current_oracle();
            let now = (occupant != h.obj).then_some(occupant);
            oracle.report_uaf(h.obj, now, access, false);
        }
        Obj(alloc)
    }

    /// The object, without a check and without a step: for code that holds a reference the
    /// kernel's rules already guarantee (the caller's own counted reference). A wrong guarantee
    /// shows up at the next checked access.
    pub fn get(&self, h: Handle<T>) -> Obj<T> {
        Obj(self.slot(h).0)
    }

    /// `kfree`: a compare-exchange of every thread's lifecycle word, each a `step`; the object is
    /// freed at the first. Freeing a freed or reused slot is a double-free finding.
    pub fn free(&self, step: Step, h: Handle<T>) {
        let (alloc, _) = self.slot(h);
        let seen = alloc.word.change(step, live(h.obj), dead(h.obj), |tid| {
            if tid == 0 {
                with_current(|_, oracle| oracle.obj_freed(h.obj));
                self.slab().free.push(h.slot);
            }
        });
        if seen != live(h.obj) {
            let (_, oracle) = current_oracle();
            oracle.report_uaf(h.obj, None, "Free", true);
        }
    }

    /// Whether the object is still allocated (oracle view, not a step).
    pub fn is_live(&self, h: Handle<T>) -> bool {
        let (_, oracle) = current_oracle();
        oracle.obj_live(h.obj)
    }

    /// `kind#seq` of the allocation behind `h`.
    pub fn name(&self, h: Handle<T>) -> String {
        let (_, oracle) = current_oracle();
        oracle.obj_name(h.obj)
    }

    /// Every live object, for quiescence walks.
    pub fn live_handles(&self) -> Vec<Handle<T>> {
        let (_, oracle) = current_oracle();
        self.slab()
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| oracle.obj_live(s.occupant))
            .map(|(i, s)| Handle {
                slot: i as u32,
                obj: s.occupant,
                _t: PhantomData,
            })
            .collect()
    }

    fn slot(&self, h: Handle<T>) -> (Arc<Alloc<T>>, ObjId) {
        let slab = self.slab();
        let s = &slab.slots[h.slot as usize];
        if s.occupant == h.obj {
            return (Arc::clone(&s.alloc), s.occupant);
        }
        let old = slab
            .graveyard
            .get(&h.obj)
            .expect("a handle's allocation is in its slot or in the graveyard");
        (Arc::clone(old), s.occupant)
    }
}
