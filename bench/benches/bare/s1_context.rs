//! Bare S1 model of context@k53, generated: do not edit; `cargo run -p pincheck-bench --bin
//! bare-models` writes it again (the bench package's test fails while it differs from what that
//! writes).
//!
//! The engine objects and accesses of pincheck's S1 execution under PCT seed 0 (one iteration),
//! from the model's access record, with no oracle, no facade and no model heap: 149 engine objects
//! created by the setup in pincheck's order, 91 accesses (unplug 58, close 33) in each thread's
//! program order, a comment naming each one's step; the setup makes none (pincheck's facade makes
//! none while a thread runs alone). Thread 1 runs on the execution's main engine thread after the
//! setup spawns the others, as pincheck's `sync::run_threads` runs it, and nothing is joined in the
//! engine. Every RMW is a `fetch_add(0)`, a trylock's guard an `Option` (see `pincheck_bench::bare`
//! for what a bare access cannot say). Instantiated for loom and for shuttle by `bare/mod.rs`.

/// The S1 race on context@k53, one function per thread.
macro_rules! s1_context {
    () => {
        pub mod context {
            use super::{thread, AtomicI64, Mutex, RwLock};
            use std::sync::atomic::Ordering::{AcqRel, Acquire};
            use std::sync::Arc;

            /// Engine objects pincheck's execution creates (all by the setup).
            #[allow(dead_code)] // read through one instantiation only
            pub const OBJECTS: usize = 149;

            /// pincheck's log of the execution, thread and step, in the order the steps completed.
            #[allow(dead_code)] // read through one instantiation only
            pub const STEPS: &[(&str, &str)] = &[
                ("setup", "ib_uverbs_open.cdev"),
                ("setup", "ib_uverbs_open.refcount"),
                ("setup", "ib_uverbs_open.srcu_read_lock"),
                ("setup", "ib_uverbs_open.srcu_read_lock"),
                ("setup", "ib_uverbs_open.ib_dev"),
                ("setup", "ib_uverbs_open.lists_mutex"),
                ("setup", "unlock"),
                ("setup", "up_read"),
                ("setup", "up_read"),
                ("setup", "pin_context.publish"),
                ("setup", "install_handler.kref_get"),
                ("setup", "install_handler.publish"),
                ("setup", "alloc_fd.file_lock"),
                ("setup", "unlock"),
                ("setup", "fd_install.rcu_assign_pointer"),
                ("setup", "fget.fcheck_files"),
                ("setup", "fget.get_file_rcu"),
                ("setup", "ib_uverbs_write.srcu_read_lock"),
                ("setup", "ib_uverbs_write.srcu_read_lock"),
                ("setup", "ib_uverbs_write.ib_dev"),
                ("setup", "ib_uverbs_get_context.ucontext_lock"),
                ("setup", "ib_uverbs_get_context.ucontext"),
                ("setup", "ib_uverbs_get_context.publish"),
                ("setup", "unlock"),
                ("setup", "up_read"),
                ("setup", "up_read"),
                ("setup", "fdput"),
                ("setup", "alloc_fd.file_lock"),
                ("setup", "unlock"),
                ("setup", "fd_install.rcu_assign_pointer"),
                ("setup", "fget.fcheck_files"),
                ("setup", "fget.get_file_rcu"),
                ("setup", "generic_add_lease.flc_lock"),
                ("setup", "unlock"),
                ("setup", "fdput"),
                ("setup", "fget.fcheck_files"),
                ("setup", "fget.get_file_rcu"),
                ("setup", "ib_uverbs_write.srcu_read_lock"),
                ("setup", "ib_uverbs_write.srcu_read_lock"),
                ("setup", "ib_uverbs_write.ib_dev"),
                ("setup", "alloc_begin.down_read_trylock"),
                ("setup", "alloc_begin.down_read_trylock"),
                ("setup", "alloc_begin.ucontext"),
                ("setup", "alloc_begin.xa_alloc"),
                ("setup", "ib_umem_get.mmgrab"),
                ("setup", "pin_user_pages.i_mmap_sem"),
                ("setup", "pin_user_pages.i_mmap_sem"),
                ("setup", "pin_user_pages.block_map"),
                ("setup", "mapping_inode_has_layout.flc_lock"),
                ("setup", "mapping_inode_has_layout.fl_pid"),
                ("setup", "gup_callback.context"),
                ("setup", "gup_callback.record"),
                ("setup", "gup_callback.get_file"),
                ("setup", "gup_callback.lock"),
                ("setup", "unlock"),
                ("setup", "unlock"),
                ("setup", "ib_umem_get.pin_user_pages"),
                ("setup", "up_read"),
                ("setup", "up_read"),
                ("setup", "ib_umem_get.pinned"),
                ("setup", "ib_uverbs_reg_mr.uobj_object"),
                ("setup", "alloc_commit.xa_store"),
                ("setup", "alloc_commit.uobjects_lock"),
                ("setup", "alloc_commit.kref_get"),
                ("setup", "unlock"),
                ("setup", "alloc_commit.usecnt"),
                ("setup", "up_read"),
                ("setup", "up_read"),
                ("setup", "up_read"),
                ("setup", "up_read"),
                ("setup", "fdput"),
                ("setup", "spawn"),
                ("setup", "spawn"),
                ("unplug", "remove_one.cdev_device_del"),
                ("unplug", "disassociate_api_pre.ib_dev"),
                ("unplug", "remove_one.synchronize_srcu"),
                ("unplug", "remove_one.synchronize_srcu"),
                ("unplug", "up_write"),
                ("unplug", "up_write"),
                ("unplug", "free_hw_resources.lists_mutex"),
                ("unplug", "free_hw_resources.kref_get"),
                ("unplug", "unlock"),
                ("unplug", "destroy_ufile_hw.ufile"),
                ("unplug", "destroy_ufile_hw.lock_ucontext"),
                ("unplug", "destroy_ufile_hw.down_write"),
                ("unplug", "destroy_ufile_hw.down_write"),
                ("unplug", "destroy_ufile_hw.ucontext"),
                ("unplug", "destroy_ufile_hw.closing"),
                ("unplug", "__uverbs_cleanup_ufile.uobjects_lock"),
                ("unplug", "unlock"),
                ("unplug", "__uverbs_cleanup_ufile.usecnt_write"),
                ("unplug", "uverbs_destroy_uobject"),
                ("unplug", "uverbs_destroy_uobject"),
                ("unplug", "uverbs_destroy_uobject.object"),
                ("unplug", "ib_dereg_mr_user"),
                ("unplug", "dereg_mr.destroy_mkey"),
                ("unplug", "ib_umem_release"),
                ("unplug", "ib_umem_release.hw_key"),
                ("unplug", "gup_unpin.context"),
                ("unplug", "gup_unpin.record"),
                ("unplug", "gup_unpin.lock"),
                ("unplug", "unlock"),
                ("unplug", "gup_unpin.fput_data"),
                ("unplug", "ib_umem_release.unpin_user_pages"),
                ("unplug", "ib_umem_release.page_pins"),
                ("unplug", "ib_umem_release.mmdrop"),
                ("unplug", "ib_umem_release.mmdrop"),
                ("unplug", "ib_umem_release.kfree"),
                ("unplug", "ib_umem_release.kfree"),
                ("unplug", "ib_dereg_mr_user.kfree"),
                ("unplug", "ib_dereg_mr_user.kfree"),
                ("unplug", "uverbs_destroy_uobject.object_null"),
                ("unplug", "__uverbs_cleanup_ufile.usecnt"),
                ("unplug", "uverbs_destroy_uobject.uobjects_lock"),
                ("unplug", "unlock"),
                ("unplug", "uverbs_uobject_put"),
                ("unplug", "__uverbs_cleanup_ufile.uobjects_lock"),
                ("unplug", "unlock"),
                ("unplug", "user_mmap_disassociate.umap_lock"),
                ("unplug", "unlock"),
                ("unplug", "ufile_destroy_ucontext.clear"),
                ("unplug", "dealloc_ucontext.driver_entry"),
                ("unplug", "ufile_destroy_ucontext.kfree"),
                ("unplug", "ufile_destroy_ucontext.kfree"),
                ("unplug", "up_write"),
                ("unplug", "up_write"),
                ("unplug", "unlock"),
                ("unplug", "free_hw_resources.kref_put"),
                ("unplug", "free_hw_resources.lists_mutex"),
                ("unplug", "unlock"),
                ("unplug", "remove_one.refcount"),
                ("close", "close_fd.file_lock"),
                ("close", "close_fd.rcu_assign_pointer"),
                ("close", "close_fd.rcu_assign_pointer"),
                ("close", "unlock"),
                ("close", "filp_close.fput"),
                ("close", "__fput"),
                ("close", "destroy_ufile_hw.ufile"),
                ("close", "destroy_ufile_hw.trylock_ucontext"),
                ("close", "destroy_ufile_hw.down_write"),
                ("close", "destroy_ufile_hw.down_write"),
                ("close", "destroy_ufile_hw.ucontext"),
                ("close", "up_write"),
                ("close", "up_write"),
                ("close", "unlock"),
                ("close", "ib_uverbs_close.lists_mutex"),
                ("close", "unlock"),
                ("close", "ib_uverbs_close.kref_put"),
                ("close", "ib_uverbs_release_file"),
                ("close", "release_ufile_idr_uobject.xa_for_each"),
                ("close", "release_ufile_idr_uobject.xa_erase"),
                ("close", "release_ufile_idr_uobject.object"),
                ("close", "uverbs_uobject_put"),
                ("close", "uverbs_uobject_free.kfree_rcu"),
                ("close", "kfree_rcu.uobject"),
                ("close", "ufile_release.pin_context"),
                ("close", "pin_context.kref_put"),
                ("close", "ib_uverbs_release_file.refcount"),
                ("close", "ib_uverbs_comp_dev.complete"),
                ("close", "ib_uverbs_release_file.kfree"),
                ("close", "__fput.pin_handler"),
                ("close", "__fput.uninstall_handler"),
                ("close", "pin_context.kref_put"),
                ("close", "pin_context.kfree"),
                ("close", "__fput.file_free"),
                ("close", "file_free_rcu"),
                ("setup", "join"),
                ("setup", "unix_release.queue"),
                ("setup", "unlock"),
            ];

            /// The objects the threads access (the others stay local to the execution).
            struct World {
                r2: RwLock<()>,
                r3: RwLock<()>,
                m4: Mutex<()>,
                a5: AtomicI64,
                a6: AtomicI64,
                a7: AtomicI64,
                a8: AtomicI64,
                a9: AtomicI64,
                a17: AtomicI64,
                m23: Mutex<()>,
                a24: AtomicI64,
                a25: AtomicI64,
                a57: AtomicI64,
                a60: AtomicI64,
                a101: AtomicI64,
                r102: RwLock<()>,
                r103: RwLock<()>,
                m104: Mutex<()>,
                a105: AtomicI64,
                m106: Mutex<()>,
                a107: AtomicI64,
                a115: AtomicI64,
                m116: Mutex<()>,
                a117: AtomicI64,
                a118: AtomicI64,
                a119: AtomicI64,
                a120: AtomicI64,
                a121: AtomicI64,
                a122: AtomicI64,
                a123: AtomicI64,
                a124: AtomicI64,
                m125: Mutex<()>,
                a126: AtomicI64,
                a128: AtomicI64,
                a130: AtomicI64,
                a131: AtomicI64,
                a132: AtomicI64,
                a133: AtomicI64,
                a138: AtomicI64,
                a139: AtomicI64,
                a140: AtomicI64,
                a141: AtomicI64,
                a143: AtomicI64,
                a144: AtomicI64,
                a145: AtomicI64,
                a146: AtomicI64,
                a147: AtomicI64,
                a148: AtomicI64,
            }

            fn unplug(w: &World) {
                w.a6.fetch_add(0, AcqRel); // remove_one.cdev_device_del
                w.a5.fetch_add(0, AcqRel); // disassociate_api_pre.ib_dev
                let g0 = w.r2.write().unwrap(); // remove_one.synchronize_srcu
                let g1 = w.r3.write().unwrap(); // remove_one.synchronize_srcu
                drop(g1); // up_write
                drop(g0); // up_write
                let g2 = w.m4.lock().unwrap(); // free_hw_resources.lists_mutex
                w.a101.fetch_add(0, AcqRel); // free_hw_resources.kref_get
                drop(g2); // unlock
                w.a118.fetch_add(0, AcqRel); // destroy_ufile_hw.ufile
                let g3 = w.m104.lock().unwrap(); // destroy_ufile_hw.lock_ucontext
                let g4 = w.r102.write().unwrap(); // destroy_ufile_hw.down_write
                let g5 = w.r103.write().unwrap(); // destroy_ufile_hw.down_write
                let _ = w.a105.load(Acquire); // destroy_ufile_hw.ucontext
                w.a128.fetch_add(0, AcqRel); // destroy_ufile_hw.closing
                let g6 = w.m106.lock().unwrap(); // __uverbs_cleanup_ufile.uobjects_lock
                drop(g6); // unlock
                w.a139.fetch_add(0, AcqRel); // __uverbs_cleanup_ufile.usecnt_write
                w.a141.fetch_add(0, AcqRel); // uverbs_destroy_uobject
                w.a139.fetch_add(0, AcqRel); // uverbs_destroy_uobject
                let _ = w.a140.load(Acquire); // uverbs_destroy_uobject.object
                w.a147.fetch_add(0, AcqRel); // ib_dereg_mr_user
                w.a146.fetch_add(0, AcqRel); // dereg_mr.destroy_mkey
                w.a144.fetch_add(0, AcqRel); // ib_umem_release
                let _ = w.a146.load(Acquire); // ib_umem_release.hw_key
                let _ = w.a117.load(Acquire); // gup_unpin.context
                w.a126.fetch_add(0, AcqRel); // gup_unpin.record
                let g7 = w.m125.lock().unwrap(); // gup_unpin.lock
                drop(g7); // unlock
                w.a133.fetch_add(0, AcqRel); // gup_unpin.fput_data
                w.a143.fetch_add(0, AcqRel); // ib_umem_release.unpin_user_pages
                w.a17.fetch_add(0, AcqRel); // ib_umem_release.page_pins
                w.a60.fetch_add(0, AcqRel); // ib_umem_release.mmdrop
                w.a57.fetch_add(0, AcqRel); // ib_umem_release.mmdrop
                w.a144.fetch_add(0, AcqRel); // ib_umem_release.kfree
                w.a145.fetch_add(0, AcqRel); // ib_umem_release.kfree
                w.a147.fetch_add(0, AcqRel); // ib_dereg_mr_user.kfree
                w.a148.fetch_add(0, AcqRel); // ib_dereg_mr_user.kfree
                w.a140.fetch_add(0, AcqRel); // uverbs_destroy_uobject.object_null
                w.a139.fetch_add(0, AcqRel); // __uverbs_cleanup_ufile.usecnt
                let g8 = w.m106.lock().unwrap(); // uverbs_destroy_uobject.uobjects_lock
                drop(g8); // unlock
                w.a138.fetch_add(0, AcqRel); // uverbs_uobject_put
                let g9 = w.m106.lock().unwrap(); // __uverbs_cleanup_ufile.uobjects_lock
                drop(g9); // unlock
                let g10 = w.m116.lock().unwrap(); // user_mmap_disassociate.umap_lock
                drop(g10); // unlock
                w.a105.fetch_add(0, AcqRel); // ufile_destroy_ucontext.clear
                w.a130.fetch_add(0, AcqRel); // dealloc_ucontext.driver_entry
                w.a131.fetch_add(0, AcqRel); // ufile_destroy_ucontext.kfree
                w.a132.fetch_add(0, AcqRel); // ufile_destroy_ucontext.kfree
                drop(g5); // up_write
                drop(g4); // up_write
                drop(g3); // unlock
                w.a101.fetch_add(0, AcqRel); // free_hw_resources.kref_put
                let g11 = w.m4.lock().unwrap(); // free_hw_resources.lists_mutex
                drop(g11); // unlock
                w.a7.fetch_add(0, AcqRel); // remove_one.refcount
            }

            fn close(w: &World) {
                let g0 = w.m23.lock().unwrap(); // close_fd.file_lock
                w.a25.fetch_add(0, AcqRel); // close_fd.rcu_assign_pointer
                w.a24.fetch_add(0, AcqRel); // close_fd.rcu_assign_pointer
                drop(g0); // unlock
                w.a120.fetch_add(0, AcqRel); // filp_close.fput
                w.a123.fetch_add(0, AcqRel); // __fput
                w.a119.fetch_add(0, AcqRel); // destroy_ufile_hw.ufile
                let g1 = w.m104.try_lock().ok(); // destroy_ufile_hw.trylock_ucontext
                let g2 = w.r102.write().unwrap(); // destroy_ufile_hw.down_write
                let _ = w.a105.load(Acquire); // destroy_ufile_hw.ucontext
                drop(g2); // up_write
                drop(g1); // unlock
                let g3 = w.m4.lock().unwrap(); // ib_uverbs_close.lists_mutex
                drop(g3); // unlock
                w.a101.fetch_add(0, AcqRel); // ib_uverbs_close.kref_put
                w.a119.fetch_add(0, AcqRel); // ib_uverbs_release_file
                let _ = w.a115.load(Acquire); // release_ufile_idr_uobject.xa_for_each
                w.a107.fetch_add(0, AcqRel); // release_ufile_idr_uobject.xa_erase
                let _ = w.a140.load(Acquire); // release_ufile_idr_uobject.object
                w.a138.fetch_add(0, AcqRel); // uverbs_uobject_put
                w.a9.fetch_add(0, AcqRel); // uverbs_uobject_free.kfree_rcu
                w.a141.fetch_add(0, AcqRel); // kfree_rcu.uobject
                w.a117.fetch_add(0, AcqRel); // ufile_release.pin_context
                w.a124.fetch_add(0, AcqRel); // pin_context.kref_put
                w.a7.fetch_add(0, AcqRel); // ib_uverbs_release_file.refcount
                w.a8.fetch_add(0, AcqRel); // ib_uverbs_comp_dev.complete
                w.a118.fetch_add(0, AcqRel); // ib_uverbs_release_file.kfree
                let _ = w.a121.load(Acquire); // __fput.pin_handler
                w.a121.fetch_add(0, AcqRel); // __fput.uninstall_handler
                w.a124.fetch_add(0, AcqRel); // pin_context.kref_put
                w.a126.fetch_add(0, AcqRel); // pin_context.kfree
                w.a9.fetch_add(0, AcqRel); // __fput.file_free
                w.a122.fetch_add(0, AcqRel); // file_free_rcu
            }

            /// One execution: the setup creates the objects, spawns the threads pincheck spawns and
            /// runs thread 1 itself; the engine runs the others to their end.
            pub fn execution() {
                let _m0 = Mutex::new(()); // mutex ctx_table.xa_lock
                let _m1 = Mutex::new(()); // mutex multicast_table.xa_lock
                let r2 = RwLock::new(()); // rwsem disassociate_srcu [0]
                let r3 = RwLock::new(()); // rwsem disassociate_srcu [1]
                let m4 = Mutex::new(()); // mutex lists_mutex
                let a5 = AtomicI64::new(0); // atomic
                let a6 = AtomicI64::new(0); // atomic
                let a7 = AtomicI64::new(0); // atomic
                let a8 = AtomicI64::new(0); // atomic
                let a9 = AtomicI64::new(0); // atomic
                let _a10 = AtomicI64::new(0); // atomic
                let _a11 = AtomicI64::new(0); // atomic
                let _m12 = Mutex::new(()); // mutex unix_sock.lock
                let _m13 = Mutex::new(()); // mutex flc_lock
                let _r14 = RwLock::new(()); // rwsem i_mmap_sem [0]
                let _r15 = RwLock::new(()); // rwsem i_mmap_sem [1]
                let _a16 = AtomicI64::new(0); // atomic
                let a17 = AtomicI64::new(0); // atomic
                let _m18 = Mutex::new(()); // mutex flc_lock
                let _r19 = RwLock::new(()); // rwsem i_mmap_sem [0]
                let _r20 = RwLock::new(()); // rwsem i_mmap_sem [1]
                let _a21 = AtomicI64::new(0); // atomic
                let _a22 = AtomicI64::new(0); // atomic
                let m23 = Mutex::new(()); // mutex file_lock
                let a24 = AtomicI64::new(0); // published word fd slot [1]
                let a25 = AtomicI64::new(0); // published word fd slot [2]
                let _a26 = AtomicI64::new(0); // published word fd slot [1]
                let _a27 = AtomicI64::new(0); // published word fd slot [2]
                let _a28 = AtomicI64::new(0); // published word fd slot [1]
                let _a29 = AtomicI64::new(0); // published word fd slot [2]
                let _a30 = AtomicI64::new(0); // published word fd slot [1]
                let _a31 = AtomicI64::new(0); // published word fd slot [2]
                let _a32 = AtomicI64::new(0); // published word fd slot [1]
                let _a33 = AtomicI64::new(0); // published word fd slot [2]
                let _a34 = AtomicI64::new(0); // published word fd slot [1]
                let _a35 = AtomicI64::new(0); // published word fd slot [2]
                let _a36 = AtomicI64::new(0); // published word fd slot [1]
                let _a37 = AtomicI64::new(0); // published word fd slot [2]
                let _a38 = AtomicI64::new(0); // published word fd slot [1]
                let _a39 = AtomicI64::new(0); // published word fd slot [2]
                let _a40 = AtomicI64::new(0); // published word fd slot [1]
                let _a41 = AtomicI64::new(0); // published word fd slot [2]
                let _a42 = AtomicI64::new(0); // published word fd slot [1]
                let _a43 = AtomicI64::new(0); // published word fd slot [2]
                let _a44 = AtomicI64::new(0); // published word fd slot [1]
                let _a45 = AtomicI64::new(0); // published word fd slot [2]
                let _a46 = AtomicI64::new(0); // published word fd slot [1]
                let _a47 = AtomicI64::new(0); // published word fd slot [2]
                let _a48 = AtomicI64::new(0); // published word fd slot [1]
                let _a49 = AtomicI64::new(0); // published word fd slot [2]
                let _a50 = AtomicI64::new(0); // published word fd slot [1]
                let _a51 = AtomicI64::new(0); // published word fd slot [2]
                let _a52 = AtomicI64::new(0); // published word fd slot [1]
                let _a53 = AtomicI64::new(0); // published word fd slot [2]
                let _a54 = AtomicI64::new(0); // published word fd slot [1]
                let _a55 = AtomicI64::new(0); // published word fd slot [2]
                let _a56 = AtomicI64::new(0); // atomic
                let a57 = AtomicI64::new(0); // atomic
                let _r58 = RwLock::new(()); // rwsem mmap_sem [0]
                let _r59 = RwLock::new(()); // rwsem mmap_sem [1]
                let a60 = AtomicI64::new(0); // lifecycle word mm [1]
                let _a61 = AtomicI64::new(0); // lifecycle word mm [2]
                let _m62 = Mutex::new(()); // mutex file_lock
                let _a63 = AtomicI64::new(0); // published word fd slot [1]
                let _a64 = AtomicI64::new(0); // published word fd slot [2]
                let _a65 = AtomicI64::new(0); // published word fd slot [1]
                let _a66 = AtomicI64::new(0); // published word fd slot [2]
                let _a67 = AtomicI64::new(0); // published word fd slot [1]
                let _a68 = AtomicI64::new(0); // published word fd slot [2]
                let _a69 = AtomicI64::new(0); // published word fd slot [1]
                let _a70 = AtomicI64::new(0); // published word fd slot [2]
                let _a71 = AtomicI64::new(0); // published word fd slot [1]
                let _a72 = AtomicI64::new(0); // published word fd slot [2]
                let _a73 = AtomicI64::new(0); // published word fd slot [1]
                let _a74 = AtomicI64::new(0); // published word fd slot [2]
                let _a75 = AtomicI64::new(0); // published word fd slot [1]
                let _a76 = AtomicI64::new(0); // published word fd slot [2]
                let _a77 = AtomicI64::new(0); // published word fd slot [1]
                let _a78 = AtomicI64::new(0); // published word fd slot [2]
                let _a79 = AtomicI64::new(0); // published word fd slot [1]
                let _a80 = AtomicI64::new(0); // published word fd slot [2]
                let _a81 = AtomicI64::new(0); // published word fd slot [1]
                let _a82 = AtomicI64::new(0); // published word fd slot [2]
                let _a83 = AtomicI64::new(0); // published word fd slot [1]
                let _a84 = AtomicI64::new(0); // published word fd slot [2]
                let _a85 = AtomicI64::new(0); // published word fd slot [1]
                let _a86 = AtomicI64::new(0); // published word fd slot [2]
                let _a87 = AtomicI64::new(0); // published word fd slot [1]
                let _a88 = AtomicI64::new(0); // published word fd slot [2]
                let _a89 = AtomicI64::new(0); // published word fd slot [1]
                let _a90 = AtomicI64::new(0); // published word fd slot [2]
                let _a91 = AtomicI64::new(0); // published word fd slot [1]
                let _a92 = AtomicI64::new(0); // published word fd slot [2]
                let _a93 = AtomicI64::new(0); // published word fd slot [1]
                let _a94 = AtomicI64::new(0); // published word fd slot [2]
                let _a95 = AtomicI64::new(0); // atomic
                let _a96 = AtomicI64::new(0); // atomic
                let _r97 = RwLock::new(()); // rwsem mmap_sem [0]
                let _r98 = RwLock::new(()); // rwsem mmap_sem [1]
                let _a99 = AtomicI64::new(0); // lifecycle word mm [1]
                let _a100 = AtomicI64::new(0); // lifecycle word mm [2]
                let a101 = AtomicI64::new(0); // atomic
                let r102 = RwLock::new(()); // rwsem hw_destroy_rwsem [0]
                let r103 = RwLock::new(()); // rwsem hw_destroy_rwsem [1]
                let m104 = Mutex::new(()); // mutex ucontext_lock
                let a105 = AtomicI64::new(0); // atomic
                let m106 = Mutex::new(()); // mutex uobjects_lock
                let a107 = AtomicI64::new(0); // atomic
                let _a108 = AtomicI64::new(0); // atomic
                let _a109 = AtomicI64::new(0); // atomic
                let _a110 = AtomicI64::new(0); // atomic
                let _a111 = AtomicI64::new(0); // atomic
                let _a112 = AtomicI64::new(0); // atomic
                let _a113 = AtomicI64::new(0); // atomic
                let _a114 = AtomicI64::new(0); // atomic
                let a115 = AtomicI64::new(0); // atomic
                let m116 = Mutex::new(()); // mutex umap_lock
                let a117 = AtomicI64::new(0); // atomic
                let a118 = AtomicI64::new(0); // lifecycle word ufile [1]
                let a119 = AtomicI64::new(0); // lifecycle word ufile [2]
                let a120 = AtomicI64::new(0); // atomic
                let a121 = AtomicI64::new(0); // atomic
                let a122 = AtomicI64::new(0); // lifecycle word file [1]
                let a123 = AtomicI64::new(0); // lifecycle word file [2]
                let a124 = AtomicI64::new(0); // atomic
                let m125 = Mutex::new(()); // mutex pin_context.lock
                let a126 = AtomicI64::new(0); // lifecycle word pin_context [1]
                let _a127 = AtomicI64::new(0); // lifecycle word pin_context [2]
                let a128 = AtomicI64::new(0); // atomic
                let _m129 = Mutex::new(()); // mutex mmap_xa.xa_lock
                let a130 = AtomicI64::new(0); // atomic
                let a131 = AtomicI64::new(0); // lifecycle word ucontext [1]
                let a132 = AtomicI64::new(0); // lifecycle word ucontext [2]
                let a133 = AtomicI64::new(0); // atomic
                let _a134 = AtomicI64::new(0); // lifecycle word file [1]
                let _a135 = AtomicI64::new(0); // lifecycle word file [2]
                let _a136 = AtomicI64::new(0); // lifecycle word file_lock [1]
                let _a137 = AtomicI64::new(0); // lifecycle word file_lock [2]
                let a138 = AtomicI64::new(0); // atomic
                let a139 = AtomicI64::new(0); // atomic
                let a140 = AtomicI64::new(0); // atomic
                let a141 = AtomicI64::new(0); // lifecycle word uobject [1]
                let _a142 = AtomicI64::new(0); // lifecycle word uobject [2]
                let a143 = AtomicI64::new(0); // atomic
                let a144 = AtomicI64::new(0); // lifecycle word umem [1]
                let a145 = AtomicI64::new(0); // lifecycle word umem [2]
                let a146 = AtomicI64::new(0); // atomic
                let a147 = AtomicI64::new(0); // lifecycle word mr [1]
                let a148 = AtomicI64::new(0); // lifecycle word mr [2]
                let w = Arc::new(World {
                    r2,
                    r3,
                    m4,
                    a5,
                    a6,
                    a7,
                    a8,
                    a9,
                    a17,
                    m23,
                    a24,
                    a25,
                    a57,
                    a60,
                    a101,
                    r102,
                    r103,
                    m104,
                    a105,
                    m106,
                    a107,
                    a115,
                    m116,
                    a117,
                    a118,
                    a119,
                    a120,
                    a121,
                    a122,
                    a123,
                    a124,
                    m125,
                    a126,
                    a128,
                    a130,
                    a131,
                    a132,
                    a133,
                    a138,
                    a139,
                    a140,
                    a141,
                    a143,
                    a144,
                    a145,
                    a146,
                    a147,
                    a148,
                });
                let h2 = {
                    let w = Arc::clone(&w);
                    thread::spawn(move || close(&w))
                };
                unplug(&w);
                drop(h2);
            }

            /// The same objects and threads with no access: what an execution costs the engine
            /// besides the race (the `split` section subtracts it).
            #[allow(dead_code)] // run through the shuttle instantiation only
            pub fn idle() {
                let _m0 = Mutex::new(());
                let _m1 = Mutex::new(());
                let r2 = RwLock::new(());
                let r3 = RwLock::new(());
                let m4 = Mutex::new(());
                let a5 = AtomicI64::new(0);
                let a6 = AtomicI64::new(0);
                let a7 = AtomicI64::new(0);
                let a8 = AtomicI64::new(0);
                let a9 = AtomicI64::new(0);
                let _a10 = AtomicI64::new(0);
                let _a11 = AtomicI64::new(0);
                let _m12 = Mutex::new(());
                let _m13 = Mutex::new(());
                let _r14 = RwLock::new(());
                let _r15 = RwLock::new(());
                let _a16 = AtomicI64::new(0);
                let a17 = AtomicI64::new(0);
                let _m18 = Mutex::new(());
                let _r19 = RwLock::new(());
                let _r20 = RwLock::new(());
                let _a21 = AtomicI64::new(0);
                let _a22 = AtomicI64::new(0);
                let m23 = Mutex::new(());
                let a24 = AtomicI64::new(0);
                let a25 = AtomicI64::new(0);
                let _a26 = AtomicI64::new(0);
                let _a27 = AtomicI64::new(0);
                let _a28 = AtomicI64::new(0);
                let _a29 = AtomicI64::new(0);
                let _a30 = AtomicI64::new(0);
                let _a31 = AtomicI64::new(0);
                let _a32 = AtomicI64::new(0);
                let _a33 = AtomicI64::new(0);
                let _a34 = AtomicI64::new(0);
                let _a35 = AtomicI64::new(0);
                let _a36 = AtomicI64::new(0);
                let _a37 = AtomicI64::new(0);
                let _a38 = AtomicI64::new(0);
                let _a39 = AtomicI64::new(0);
                let _a40 = AtomicI64::new(0);
                let _a41 = AtomicI64::new(0);
                let _a42 = AtomicI64::new(0);
                let _a43 = AtomicI64::new(0);
                let _a44 = AtomicI64::new(0);
                let _a45 = AtomicI64::new(0);
                let _a46 = AtomicI64::new(0);
                let _a47 = AtomicI64::new(0);
                let _a48 = AtomicI64::new(0);
                let _a49 = AtomicI64::new(0);
                let _a50 = AtomicI64::new(0);
                let _a51 = AtomicI64::new(0);
                let _a52 = AtomicI64::new(0);
                let _a53 = AtomicI64::new(0);
                let _a54 = AtomicI64::new(0);
                let _a55 = AtomicI64::new(0);
                let _a56 = AtomicI64::new(0);
                let a57 = AtomicI64::new(0);
                let _r58 = RwLock::new(());
                let _r59 = RwLock::new(());
                let a60 = AtomicI64::new(0);
                let _a61 = AtomicI64::new(0);
                let _m62 = Mutex::new(());
                let _a63 = AtomicI64::new(0);
                let _a64 = AtomicI64::new(0);
                let _a65 = AtomicI64::new(0);
                let _a66 = AtomicI64::new(0);
                let _a67 = AtomicI64::new(0);
                let _a68 = AtomicI64::new(0);
                let _a69 = AtomicI64::new(0);
                let _a70 = AtomicI64::new(0);
                let _a71 = AtomicI64::new(0);
                let _a72 = AtomicI64::new(0);
                let _a73 = AtomicI64::new(0);
                let _a74 = AtomicI64::new(0);
                let _a75 = AtomicI64::new(0);
                let _a76 = AtomicI64::new(0);
                let _a77 = AtomicI64::new(0);
                let _a78 = AtomicI64::new(0);
                let _a79 = AtomicI64::new(0);
                let _a80 = AtomicI64::new(0);
                let _a81 = AtomicI64::new(0);
                let _a82 = AtomicI64::new(0);
                let _a83 = AtomicI64::new(0);
                let _a84 = AtomicI64::new(0);
                let _a85 = AtomicI64::new(0);
                let _a86 = AtomicI64::new(0);
                let _a87 = AtomicI64::new(0);
                let _a88 = AtomicI64::new(0);
                let _a89 = AtomicI64::new(0);
                let _a90 = AtomicI64::new(0);
                let _a91 = AtomicI64::new(0);
                let _a92 = AtomicI64::new(0);
                let _a93 = AtomicI64::new(0);
                let _a94 = AtomicI64::new(0);
                let _a95 = AtomicI64::new(0);
                let _a96 = AtomicI64::new(0);
                let _r97 = RwLock::new(());
                let _r98 = RwLock::new(());
                let _a99 = AtomicI64::new(0);
                let _a100 = AtomicI64::new(0);
                let a101 = AtomicI64::new(0);
                let r102 = RwLock::new(());
                let r103 = RwLock::new(());
                let m104 = Mutex::new(());
                let a105 = AtomicI64::new(0);
                let m106 = Mutex::new(());
                let a107 = AtomicI64::new(0);
                let _a108 = AtomicI64::new(0);
                let _a109 = AtomicI64::new(0);
                let _a110 = AtomicI64::new(0);
                let _a111 = AtomicI64::new(0);
                let _a112 = AtomicI64::new(0);
                let _a113 = AtomicI64::new(0);
                let _a114 = AtomicI64::new(0);
                let a115 = AtomicI64::new(0);
                let m116 = Mutex::new(());
                let a117 = AtomicI64::new(0);
                let a118 = AtomicI64::new(0);
                let a119 = AtomicI64::new(0);
                let a120 = AtomicI64::new(0);
                let a121 = AtomicI64::new(0);
                let a122 = AtomicI64::new(0);
                let a123 = AtomicI64::new(0);
                let a124 = AtomicI64::new(0);
                let m125 = Mutex::new(());
                let a126 = AtomicI64::new(0);
                let _a127 = AtomicI64::new(0);
                let a128 = AtomicI64::new(0);
                let _m129 = Mutex::new(());
                let a130 = AtomicI64::new(0);
                let a131 = AtomicI64::new(0);
                let a132 = AtomicI64::new(0);
                let a133 = AtomicI64::new(0);
                let _a134 = AtomicI64::new(0);
                let _a135 = AtomicI64::new(0);
                let _a136 = AtomicI64::new(0);
                let _a137 = AtomicI64::new(0);
                let a138 = AtomicI64::new(0);
                let a139 = AtomicI64::new(0);
                let a140 = AtomicI64::new(0);
                let a141 = AtomicI64::new(0);
                let _a142 = AtomicI64::new(0);
                let a143 = AtomicI64::new(0);
                let a144 = AtomicI64::new(0);
                let a145 = AtomicI64::new(0);
                let a146 = AtomicI64::new(0);
                let a147 = AtomicI64::new(0);
                let a148 = AtomicI64::new(0);
                let w = Arc::new(World {
                    r2,
                    r3,
                    m4,
                    a5,
                    a6,
                    a7,
                    a8,
                    a9,
                    a17,
                    m23,
                    a24,
                    a25,
                    a57,
                    a60,
                    a101,
                    r102,
                    r103,
                    m104,
                    a105,
                    m106,
                    a107,
                    a115,
                    m116,
                    a117,
                    a118,
                    a119,
                    a120,
                    a121,
                    a122,
                    a123,
                    a124,
                    m125,
                    a126,
                    a128,
                    a130,
                    a131,
                    a132,
                    a133,
                    a138,
                    a139,
                    a140,
                    a141,
                    a143,
                    a144,
                    a145,
                    a146,
                    a147,
                    a148,
                });
                let h2 = {
                    let w = Arc::clone(&w);
                    thread::spawn(move || drop(w))
                };
                drop(w);
                drop(h2);
            }
        }
    };
}
