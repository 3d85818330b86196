//! Bare S1 model of context@k53: the same threads and the same engine accesses, in the same
//! per-thread order, as pincheck's model of S1 logs in the execution where unplug runs to
//! completion before close (one line per pincheck step, named in its comment), with no oracle,
//! no facade and no model heap. A failed trylock skips to its unlock, as `destroy_ufile_hw`
//! returns; every other access runs unconditionally (pincheck's model takes other paths in other
//! interleavings). Instantiated for loom and for shuttle by `bare/mod.rs`.

/// The S1 race on context@k53, one function per thread.
macro_rules! s1_context {
    () => {
        pub mod context {
            use super::{thread, AtomicI64, Mutex, RwLock};
            use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
            use std::sync::Arc;

            /// Per thread, in program order, the pincheck step each access stands for.
            #[allow(dead_code)] // read through the loom instantiation only
            pub const STEPS: &[(&str, &str)] = &[
                ("setup", "ib_uverbs_open.srcu_read_lock"),
                ("setup", "ib_uverbs_open.ib_dev"),
                ("setup", "ib_uverbs_open.lists_mutex"),
                ("setup", "unlock"),
                ("setup", "up_read"),
                ("setup", "pin_context.publish"),
                ("setup", "install_handler.kref_get"),
                ("setup", "install_handler.publish"),
                ("setup", "fd_install.file_lock"),
                ("setup", "unlock"),
                ("setup", "fget.file_lock"),
                ("setup", "fget.get_file"),
                ("setup", "unlock"),
                ("setup", "ib_uverbs_write.srcu_read_lock"),
                ("setup", "ib_uverbs_write.ib_dev"),
                ("setup", "ib_uverbs_get_context.ucontext_lock"),
                ("setup", "ib_uverbs_get_context.ucontext"),
                ("setup", "ib_uverbs_get_context.publish"),
                ("setup", "unlock"),
                ("setup", "up_read"),
                ("setup", "fdput"),
                ("setup", "fget.file_lock"),
                ("setup", "fget.get_file"),
                ("setup", "unlock"),
                ("setup", "ib_uverbs_write.srcu_read_lock"),
                ("setup", "ib_uverbs_write.ib_dev"),
                ("setup", "alloc_begin.down_read_trylock"),
                ("setup", "alloc_begin.ucontext"),
                ("setup", "alloc_begin.xa_alloc"),
                ("setup", "gup_callback.context"),
                ("setup", "gup_callback.record"),
                ("setup", "gup_callback.lock"),
                ("setup", "unlock"),
                ("setup", "ib_umem_get.pin_user_pages"),
                ("setup", "ib_umem_get.pinned"),
                ("setup", "ib_uverbs_reg_mr.uobj_object"),
                ("setup", "alloc_commit.xa_store"),
                ("setup", "alloc_commit.uobjects_lock"),
                ("setup", "alloc_commit.kref_get"),
                ("setup", "unlock"),
                ("setup", "alloc_commit.usecnt"),
                ("setup", "up_read"),
                ("setup", "up_read"),
                ("setup", "fdput"),
                ("setup", "spawn"),
                ("setup", "spawn"),
                ("setup", "join"),
                ("unplug", "disassociate_api_pre.ib_dev"),
                ("unplug", "remove_one.synchronize_srcu"),
                ("unplug", "up_write"),
                ("unplug", "free_hw_resources.lists_mutex"),
                ("unplug", "free_hw_resources.kref_get"),
                ("unplug", "unlock"),
                ("unplug", "destroy_ufile_hw.ufile"),
                ("unplug", "destroy_ufile_hw.lock_ucontext"),
                ("unplug", "destroy_ufile_hw.down_write"),
                ("unplug", "destroy_ufile_hw.ucontext"),
                ("unplug", "destroy_ufile_hw.closing"),
                ("unplug", "__uverbs_cleanup_ufile.uobjects_lock"),
                ("unplug", "unlock"),
                ("unplug", "__uverbs_cleanup_ufile.usecnt_write"),
                ("unplug", "uverbs_destroy_uobject"),
                ("unplug", "uverbs_destroy_uobject.object"),
                ("unplug", "ib_dereg_mr_user"),
                ("unplug", "dereg_mr.destroy_mkey"),
                ("unplug", "ib_umem_release"),
                ("unplug", "gup_unpin.context"),
                ("unplug", "gup_unpin.record"),
                ("unplug", "gup_unpin.lock"),
                ("unplug", "unlock"),
                ("unplug", "ib_umem_release.unpin_user_pages"),
                ("unplug", "ib_umem_release.page_pins"),
                ("unplug", "ib_umem_release.kfree"),
                ("unplug", "ib_dereg_mr_user.kfree"),
                ("unplug", "__uverbs_cleanup_ufile.usecnt"),
                ("unplug", "uverbs_destroy_uobject.uobjects_lock"),
                ("unplug", "unlock"),
                ("unplug", "uverbs_uobject_put"),
                ("unplug", "__uverbs_cleanup_ufile.uobjects_lock"),
                ("unplug", "unlock"),
                ("unplug", "user_mmap_disassociate.umap_lock"),
                ("unplug", "unlock"),
                ("unplug", "ufile_destroy_ucontext.clear"),
                ("unplug", "ufile_destroy_ucontext.kfree"),
                ("unplug", "up_write"),
                ("unplug", "unlock"),
                ("unplug", "free_hw_resources.kref_put"),
                ("unplug", "free_hw_resources.lists_mutex"),
                ("unplug", "unlock"),
                ("setup", "join"),
                ("close", "close_fd.file_lock"),
                ("close", "unlock"),
                ("close", "filp_close.fput"),
                ("close", "__fput"),
                ("close", "destroy_ufile_hw.ufile"),
                ("close", "destroy_ufile_hw.trylock_ucontext"),
                ("close", "destroy_ufile_hw.down_write"),
                ("close", "destroy_ufile_hw.ucontext"),
                ("close", "up_write"),
                ("close", "unlock"),
                ("close", "ib_uverbs_close.lists_mutex"),
                ("close", "unlock"),
                ("close", "ib_uverbs_close.kref_put"),
                ("close", "ib_uverbs_release_file"),
                ("close", "release_ufile_idr_uobject.xa_for_each"),
                ("close", "release_ufile_idr_uobject.xa_erase"),
                ("close", "uverbs_uobject_put"),
                ("close", "uverbs_uobject_free.kfree_rcu"),
                ("close", "kfree_rcu.uobject"),
                ("close", "ufile_release.pin_context"),
                ("close", "pin_context.kref_put"),
                ("close", "ib_uverbs_release_file.kfree"),
                ("close", "__fput.pin_handler"),
                ("close", "__fput.uninstall_handler"),
                ("close", "pin_context.kref_put"),
                ("close", "pin_context.kfree"),
                ("close", "__fput.file_free"),
                ("close", "file_free_rcu"),
                ("setup", "unix_release.queue"),
                ("setup", "unlock"),
            ];

            /// The objects the threads share (setup-only objects stay local to setup).
            struct World {
                disassociate_srcu0: RwLock<()>,
                lists_mutex0: Mutex<()>,
                a0: AtomicI64,
                a1: AtomicI64,
                unix_sock_lock0: Mutex<()>,
                a6: AtomicI64,
                file_lock0: Mutex<()>,
                a16: AtomicI64,
                hw_destroy_rwsem0: RwLock<()>,
                ucontext_lock0: Mutex<()>,
                a17: AtomicI64,
                uobjects_lock0: Mutex<()>,
                a18: AtomicI64,
                a26: AtomicI64,
                umap_lock0: Mutex<()>,
                a28: AtomicI64,
                a29: AtomicI64,
                a30: AtomicI64,
                a32: AtomicI64,
                a33: AtomicI64,
                a34: AtomicI64,
                pin_context_lock0: Mutex<()>,
                a35: AtomicI64,
                a36: AtomicI64,
                a37: AtomicI64,
                a38: AtomicI64,
                a39: AtomicI64,
                a40: AtomicI64,
                a41: AtomicI64,
                a42: AtomicI64,
                a43: AtomicI64,
                a44: AtomicI64,
                a45: AtomicI64,
            }

            fn unplug(w: &World) {
                w.a0.store(1, Release); // disassociate_api_pre.ib_dev
                let g0 = w.disassociate_srcu0.write().unwrap(); // remove_one.synchronize_srcu
                drop(g0); // up_write
                let g1 = w.lists_mutex0.lock().unwrap(); // free_hw_resources.lists_mutex
                w.a16.fetch_add(1, AcqRel); // free_hw_resources.kref_get
                drop(g1); // unlock
                w.a29.fetch_add(1, AcqRel); // destroy_ufile_hw.ufile
                let g2 = w.ucontext_lock0.lock().unwrap(); // destroy_ufile_hw.lock_ucontext
                let g3 = w.hw_destroy_rwsem0.write().unwrap(); // destroy_ufile_hw.down_write
                let _ = w.a17.load(Acquire); // destroy_ufile_hw.ucontext
                w.a36.store(1, Release); // destroy_ufile_hw.closing
                let g4 = w.uobjects_lock0.lock().unwrap(); // __uverbs_cleanup_ufile.uobjects_lock
                drop(g4); // unlock
                let _ = w.a39.compare_exchange(1, -1, AcqRel, Acquire); // __uverbs_cleanup_ufile.usecnt_write
                w.a41.fetch_add(1, AcqRel); // uverbs_destroy_uobject
                w.a40.swap(1, AcqRel); // uverbs_destroy_uobject.object
                w.a45.fetch_add(1, AcqRel); // ib_dereg_mr_user
                w.a44.store(1, Release); // dereg_mr.destroy_mkey
                w.a43.fetch_add(1, AcqRel); // ib_umem_release
                let _ = w.a28.load(Acquire); // gup_unpin.context
                w.a35.fetch_add(1, AcqRel); // gup_unpin.record
                let g5 = w.pin_context_lock0.lock().unwrap(); // gup_unpin.lock
                drop(g5); // unlock
                w.a42.swap(1, AcqRel); // ib_umem_release.unpin_user_pages
                w.a6.fetch_add(1, AcqRel); // ib_umem_release.page_pins
                let _ = w.a43.compare_exchange(1, -1, AcqRel, Acquire); // ib_umem_release.kfree
                let _ = w.a45.compare_exchange(1, -1, AcqRel, Acquire); // ib_dereg_mr_user.kfree
                w.a39.store(1, Release); // __uverbs_cleanup_ufile.usecnt
                let g6 = w.uobjects_lock0.lock().unwrap(); // uverbs_destroy_uobject.uobjects_lock
                drop(g6); // unlock
                w.a38.fetch_add(1, AcqRel); // uverbs_uobject_put
                let g7 = w.uobjects_lock0.lock().unwrap(); // __uverbs_cleanup_ufile.uobjects_lock
                drop(g7); // unlock
                let g8 = w.umap_lock0.lock().unwrap(); // user_mmap_disassociate.umap_lock
                drop(g8); // unlock
                w.a17.store(1, Release); // ufile_destroy_ucontext.clear
                let _ = w.a37.compare_exchange(1, -1, AcqRel, Acquire); // ufile_destroy_ucontext.kfree
                drop(g3); // up_write
                drop(g2); // unlock
                w.a16.fetch_add(1, AcqRel); // free_hw_resources.kref_put
                let g9 = w.lists_mutex0.lock().unwrap(); // free_hw_resources.lists_mutex
                drop(g9); // unlock
            }

            fn close(w: &World) {
                let g0 = w.file_lock0.lock().unwrap(); // close_fd.file_lock
                drop(g0); // unlock
                w.a30.fetch_add(1, AcqRel); // filp_close.fput
                w.a33.fetch_add(1, AcqRel); // __fput
                w.a29.fetch_add(1, AcqRel); // destroy_ufile_hw.ufile
                if let Ok(g1) = w.ucontext_lock0.try_lock() {
                    // destroy_ufile_hw.trylock_ucontext
                    let g2 = w.hw_destroy_rwsem0.write().unwrap(); // destroy_ufile_hw.down_write
                    let _ = w.a17.load(Acquire); // destroy_ufile_hw.ucontext
                    drop(g2); // up_write
                    drop(g1); // unlock
                }
                let g3 = w.lists_mutex0.lock().unwrap(); // ib_uverbs_close.lists_mutex
                drop(g3); // unlock
                w.a16.fetch_add(1, AcqRel); // ib_uverbs_close.kref_put
                w.a29.fetch_add(1, AcqRel); // ib_uverbs_release_file
                let _ = w.a26.load(Acquire); // release_ufile_idr_uobject.xa_for_each
                w.a18.swap(1, AcqRel); // release_ufile_idr_uobject.xa_erase
                w.a38.fetch_add(1, AcqRel); // uverbs_uobject_put
                w.a1.fetch_add(1, AcqRel); // uverbs_uobject_free.kfree_rcu
                let _ = w.a41.compare_exchange(1, -1, AcqRel, Acquire); // kfree_rcu.uobject
                w.a28.swap(1, AcqRel); // ufile_release.pin_context
                w.a34.fetch_add(1, AcqRel); // pin_context.kref_put
                let _ = w.a29.compare_exchange(1, -1, AcqRel, Acquire); // ib_uverbs_release_file.kfree
                let _ = w.a32.load(Acquire); // __fput.pin_handler
                w.a32.store(1, Release); // __fput.uninstall_handler
                w.a34.fetch_add(1, AcqRel); // pin_context.kref_put
                let _ = w.a35.compare_exchange(1, -1, AcqRel, Acquire); // pin_context.kfree
                w.a1.fetch_add(1, AcqRel); // __fput.file_free
                let _ = w.a33.compare_exchange(1, -1, AcqRel, Acquire); // file_free_rcu
            }

            /// One execution: setup, spawn the threads, join them, quiesce.
            pub fn execution() {
                let disassociate_srcu0 = RwLock::new(()); // disassociate_srcu
                let lists_mutex0 = Mutex::new(()); // lists_mutex
                let a0 = AtomicI64::new(0);
                let a1 = AtomicI64::new(0);
                let unix_sock_lock0 = Mutex::new(()); // unix_sock.lock
                let _a2 = AtomicI64::new(0);
                let _fp_lock0 = Mutex::new(()); // fp_lock
                let _a3 = AtomicI64::new(0);
                let _a4 = AtomicI64::new(0);
                let _a5 = AtomicI64::new(0); // lifecycle word: created, no longer swapped (allocation is not a step)
                let a6 = AtomicI64::new(0);
                let _a7 = AtomicI64::new(0);
                let _fp_lock1 = Mutex::new(()); // fp_lock
                let _a8 = AtomicI64::new(0);
                let _a9 = AtomicI64::new(0);
                let _a10 = AtomicI64::new(0); // lifecycle word: created, no longer swapped (allocation is not a step)
                let _a11 = AtomicI64::new(0);
                let file_lock0 = Mutex::new(()); // file_lock
                let _a12 = AtomicI64::new(0);
                let _mmap_sem0 = RwLock::new(()); // mmap_sem
                let _a13 = AtomicI64::new(0); // lifecycle word: created, no longer swapped (allocation is not a step)
                let _file_lock1 = Mutex::new(()); // file_lock
                let _a14 = AtomicI64::new(0);
                let _mmap_sem1 = RwLock::new(()); // mmap_sem
                let _a15 = AtomicI64::new(0); // lifecycle word: created, no longer swapped (allocation is not a step)
                let g0 = disassociate_srcu0.read().unwrap(); // ib_uverbs_open.srcu_read_lock
                let _ = a0.load(Acquire); // ib_uverbs_open.ib_dev
                let g1 = lists_mutex0.lock().unwrap(); // ib_uverbs_open.lists_mutex
                let a16 = AtomicI64::new(0);
                let hw_destroy_rwsem0 = RwLock::new(()); // hw_destroy_rwsem
                let ucontext_lock0 = Mutex::new(()); // ucontext_lock
                let a17 = AtomicI64::new(0);
                let uobjects_lock0 = Mutex::new(()); // uobjects_lock
                let a18 = AtomicI64::new(0);
                let _a19 = AtomicI64::new(0);
                let _a20 = AtomicI64::new(0);
                let _a21 = AtomicI64::new(0);
                let _a22 = AtomicI64::new(0);
                let _a23 = AtomicI64::new(0);
                let _a24 = AtomicI64::new(0);
                let _a25 = AtomicI64::new(0);
                let a26 = AtomicI64::new(0);
                let umap_lock0 = Mutex::new(()); // umap_lock
                let _a27 = AtomicI64::new(0);
                let _sys_file_lock0 = Mutex::new(()); // sys_file_lock
                let _pin_records_lock0 = Mutex::new(()); // pin_records_lock
                let a28 = AtomicI64::new(0);
                let a29 = AtomicI64::new(0);
                let a30 = AtomicI64::new(0);
                let _fp_lock2 = Mutex::new(()); // fp_lock
                let _a31 = AtomicI64::new(0);
                let a32 = AtomicI64::new(0);
                let a33 = AtomicI64::new(0);
                drop(g1); // unlock
                drop(g0); // up_read
                let a34 = AtomicI64::new(0);
                let pin_context_lock0 = Mutex::new(()); // pin_context.lock
                let a35 = AtomicI64::new(0);
                a28.store(1, Release); // pin_context.publish
                a34.fetch_add(1, AcqRel); // install_handler.kref_get
                a32.store(1, Release); // install_handler.publish
                let g2 = file_lock0.lock().unwrap(); // fd_install.file_lock
                drop(g2); // unlock
                let g3 = file_lock0.lock().unwrap(); // fget.file_lock
                a30.fetch_add(1, AcqRel); // fget.get_file
                drop(g3); // unlock
                let g4 = disassociate_srcu0.read().unwrap(); // ib_uverbs_write.srcu_read_lock
                let _ = a0.load(Acquire); // ib_uverbs_write.ib_dev
                let g5 = ucontext_lock0.lock().unwrap(); // ib_uverbs_get_context.ucontext_lock
                let _ = a17.load(Acquire); // ib_uverbs_get_context.ucontext
                let a36 = AtomicI64::new(0);
                let a37 = AtomicI64::new(0);
                a17.store(1, Release); // ib_uverbs_get_context.publish
                drop(g5); // unlock
                drop(g4); // up_read
                a30.fetch_add(1, AcqRel); // fdput
                let g6 = file_lock0.lock().unwrap(); // fget.file_lock
                a30.fetch_add(1, AcqRel); // fget.get_file
                drop(g6); // unlock
                let g7 = disassociate_srcu0.read().unwrap(); // ib_uverbs_write.srcu_read_lock
                let _ = a0.load(Acquire); // ib_uverbs_write.ib_dev
                let g8 = hw_destroy_rwsem0.try_read().ok(); // alloc_begin.down_read_trylock
                let _ = a17.load(Acquire); // alloc_begin.ucontext
                a26.fetch_add(1, AcqRel); // alloc_begin.xa_alloc
                let a38 = AtomicI64::new(0);
                let a39 = AtomicI64::new(0);
                let a40 = AtomicI64::new(0);
                let a41 = AtomicI64::new(0);
                let a42 = AtomicI64::new(0);
                let a43 = AtomicI64::new(0);
                let _ = a28.load(Acquire); // gup_callback.context
                a35.fetch_add(1, AcqRel); // gup_callback.record
                let g9 = pin_context_lock0.lock().unwrap(); // gup_callback.lock
                drop(g9); // unlock
                a6.fetch_add(1, AcqRel); // ib_umem_get.pin_user_pages
                a42.store(1, Release); // ib_umem_get.pinned
                let a44 = AtomicI64::new(0);
                let a45 = AtomicI64::new(0);
                a40.store(1, Release); // ib_uverbs_reg_mr.uobj_object
                a18.store(1, Release); // alloc_commit.xa_store
                let g10 = uobjects_lock0.lock().unwrap(); // alloc_commit.uobjects_lock
                a38.fetch_add(1, AcqRel); // alloc_commit.kref_get
                drop(g10); // unlock
                a39.store(1, Release); // alloc_commit.usecnt
                drop(g8); // up_read
                drop(g7); // up_read
                a30.fetch_add(1, AcqRel); // fdput
                let w = Arc::new(World {
                    disassociate_srcu0,
                    lists_mutex0,
                    a0,
                    a1,
                    unix_sock_lock0,
                    a6,
                    file_lock0,
                    a16,
                    hw_destroy_rwsem0,
                    ucontext_lock0,
                    a17,
                    uobjects_lock0,
                    a18,
                    a26,
                    umap_lock0,
                    a28,
                    a29,
                    a30,
                    a32,
                    a33,
                    a34,
                    pin_context_lock0,
                    a35,
                    a36,
                    a37,
                    a38,
                    a39,
                    a40,
                    a41,
                    a42,
                    a43,
                    a44,
                    a45,
                });
                let h0 = {
                    let w = Arc::clone(&w);
                    thread::spawn(move || unplug(&w))
                };
                let h1 = {
                    let w = Arc::clone(&w);
                    thread::spawn(move || close(&w))
                };
                h0.join().unwrap();
                h1.join().unwrap();
                let g0 = w.unix_sock_lock0.lock().unwrap(); // unix_release.queue
                drop(g0); // unlock
            }
        }
    };
}
