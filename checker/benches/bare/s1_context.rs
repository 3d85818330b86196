//! Bare S1 model of context@k53: the same threads and the same engine accesses, in the same
//! per-thread order, as pincheck's model of S1 makes in the execution `-- steps` logs (PCT seed 0),
//! with no oracle, no facade and no model heap. Every engine object pincheck creates is created
//! too, in the same order; the setup thread makes no engine access before its first spawn, and
//! does not join its threads in the engine (pincheck's facade makes no access while a thread runs
//! alone, and its setup waits for the threads outside the engine). A trylock's guard is an
//! `Option`, so a failed trylock releases nothing; every other access runs unconditionally
//! (pincheck's model takes other paths in other interleavings). Instantiated for loom and for
//! shuttle by `bare/mod.rs`.

/// The S1 race on context@k53, one function per thread.
macro_rules! s1_context {
    () => {
        pub mod context {
            use super::{thread, AtomicI64, Mutex, RwLock};
            use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
            use std::sync::Arc;

            /// Per thread, in program order, every step pincheck logs (the setup's make no engine
            /// access: it runs alone).
            #[allow(dead_code)] // read through the loom instantiation only
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
                ("setup", "fd_install.file_lock"),
                ("setup", "unlock"),
                ("setup", "fget.file_lock"),
                ("setup", "fget.get_file"),
                ("setup", "unlock"),
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
                ("setup", "fd_install.file_lock"),
                ("setup", "unlock"),
                ("setup", "fget.file_lock"),
                ("setup", "fget.get_file"),
                ("setup", "unlock"),
                ("setup", "generic_add_lease.flc_lock"),
                ("setup", "unlock"),
                ("setup", "fdput"),
                ("setup", "fget.file_lock"),
                ("setup", "fget.get_file"),
                ("setup", "unlock"),
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
                ("setup", "join"),
                ("close", "close_fd.file_lock"),
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

            /// The objects the threads share (the others stay local to the execution).
            struct World {
                r2: RwLock<()>,
                r3: RwLock<()>,
                m4: Mutex<()>,
                a0: AtomicI64,
                a1: AtomicI64,
                a2: AtomicI64,
                a3: AtomicI64,
                w4: AtomicI64,
                a7: AtomicI64,
                m12: Mutex<()>,
                a11: AtomicI64,
                w12: AtomicI64,
                a18: AtomicI64,
                r18: RwLock<()>,
                r19: RwLock<()>,
                m20: Mutex<()>,
                a19: AtomicI64,
                m21: Mutex<()>,
                a20: AtomicI64,
                a28: AtomicI64,
                m22: Mutex<()>,
                a29: AtomicI64,
                w30: AtomicI64,
                w31: AtomicI64,
                a32: AtomicI64,
                a33: AtomicI64,
                w34: AtomicI64,
                w35: AtomicI64,
                a36: AtomicI64,
                m23: Mutex<()>,
                w37: AtomicI64,
                a39: AtomicI64,
                a40: AtomicI64,
                w41: AtomicI64,
                w42: AtomicI64,
                a43: AtomicI64,
                a48: AtomicI64,
                a49: AtomicI64,
                a50: AtomicI64,
                w51: AtomicI64,
                a53: AtomicI64,
                w54: AtomicI64,
                w55: AtomicI64,
                a56: AtomicI64,
                w57: AtomicI64,
                w58: AtomicI64,
            }

            fn unplug(w: &World) {
                w.a1.store(1, Release); // remove_one.cdev_device_del
                w.a0.store(1, Release); // disassociate_api_pre.ib_dev
                let g0 = w.r2.write().unwrap(); // remove_one.synchronize_srcu
                let g1 = w.r3.write().unwrap(); // remove_one.synchronize_srcu
                drop(g1); // up_write
                drop(g0); // up_write
                let g2 = w.m4.lock().unwrap(); // free_hw_resources.lists_mutex
                w.a18.fetch_add(1, AcqRel); // free_hw_resources.kref_get
                drop(g2); // unlock
                w.w30.fetch_add(0, AcqRel); // destroy_ufile_hw.ufile
                let g3 = w.m20.lock().unwrap(); // destroy_ufile_hw.lock_ucontext
                let g4 = w.r18.write().unwrap(); // destroy_ufile_hw.down_write
                let g5 = w.r19.write().unwrap(); // destroy_ufile_hw.down_write
                let _ = w.a19.load(Acquire); // destroy_ufile_hw.ucontext
                w.a39.store(1, Release); // destroy_ufile_hw.closing
                let g6 = w.m21.lock().unwrap(); // __uverbs_cleanup_ufile.uobjects_lock
                drop(g6); // unlock
                let _ = w.a49.compare_exchange(0, -1, AcqRel, Acquire); // __uverbs_cleanup_ufile.usecnt_write
                w.w51.fetch_add(0, AcqRel); // uverbs_destroy_uobject
                w.a49.fetch_add(1, AcqRel); // uverbs_destroy_uobject
                let _ = w.a50.load(Acquire); // uverbs_destroy_uobject.object
                w.w57.fetch_add(0, AcqRel); // ib_dereg_mr_user
                w.a56.store(1, Release); // dereg_mr.destroy_mkey
                w.w54.fetch_add(0, AcqRel); // ib_umem_release
                let _ = w.a29.load(Acquire); // gup_unpin.context
                w.w37.fetch_add(0, AcqRel); // gup_unpin.record
                let g7 = w.m23.lock().unwrap(); // gup_unpin.lock
                drop(g7); // unlock
                w.a43.fetch_add(1, AcqRel); // gup_unpin.fput_data
                w.a53.swap(1, AcqRel); // ib_umem_release.unpin_user_pages
                w.a7.fetch_add(1, AcqRel); // ib_umem_release.page_pins
                w.w12.fetch_add(0, AcqRel); // ib_umem_release.mmdrop
                w.a11.fetch_add(1, AcqRel); // ib_umem_release.mmdrop
                let _ = w.w54.compare_exchange(0, -1, AcqRel, Acquire); // ib_umem_release.kfree
                let _ = w.w55.compare_exchange(0, -1, AcqRel, Acquire); // ib_umem_release.kfree
                let _ = w.w57.compare_exchange(0, -1, AcqRel, Acquire); // ib_dereg_mr_user.kfree
                let _ = w.w58.compare_exchange(0, -1, AcqRel, Acquire); // ib_dereg_mr_user.kfree
                w.a50.store(1, Release); // uverbs_destroy_uobject.object_null
                w.a49.store(1, Release); // __uverbs_cleanup_ufile.usecnt
                let g8 = w.m21.lock().unwrap(); // uverbs_destroy_uobject.uobjects_lock
                drop(g8); // unlock
                w.a48.fetch_add(1, AcqRel); // uverbs_uobject_put
                let g9 = w.m21.lock().unwrap(); // __uverbs_cleanup_ufile.uobjects_lock
                drop(g9); // unlock
                let g10 = w.m22.lock().unwrap(); // user_mmap_disassociate.umap_lock
                drop(g10); // unlock
                w.a19.store(1, Release); // ufile_destroy_ucontext.clear
                w.a40.swap(1, AcqRel); // dealloc_ucontext.driver_entry
                let _ = w.w41.compare_exchange(0, -1, AcqRel, Acquire); // ufile_destroy_ucontext.kfree
                let _ = w.w42.compare_exchange(0, -1, AcqRel, Acquire); // ufile_destroy_ucontext.kfree
                drop(g5); // up_write
                drop(g4); // up_write
                drop(g3); // unlock
                w.a18.fetch_add(1, AcqRel); // free_hw_resources.kref_put
                let g11 = w.m4.lock().unwrap(); // free_hw_resources.lists_mutex
                drop(g11); // unlock
                w.a2.fetch_add(1, AcqRel); // remove_one.refcount
            }

            fn close(w: &World) {
                let g0 = w.m12.lock().unwrap(); // close_fd.file_lock
                drop(g0); // unlock
                w.a32.fetch_add(1, AcqRel); // filp_close.fput
                w.w35.fetch_add(0, AcqRel); // __fput
                w.w31.fetch_add(0, AcqRel); // destroy_ufile_hw.ufile
                let g1 = w.m20.try_lock().ok(); // destroy_ufile_hw.trylock_ucontext
                let g2 = w.r18.write().unwrap(); // destroy_ufile_hw.down_write
                let _ = w.a19.load(Acquire); // destroy_ufile_hw.ucontext
                drop(g2); // up_write
                drop(g1); // unlock
                let g3 = w.m4.lock().unwrap(); // ib_uverbs_close.lists_mutex
                drop(g3); // unlock
                w.a18.fetch_add(1, AcqRel); // ib_uverbs_close.kref_put
                w.w31.fetch_add(0, AcqRel); // ib_uverbs_release_file
                let _ = w.a28.load(Acquire); // release_ufile_idr_uobject.xa_for_each
                w.a20.swap(1, AcqRel); // release_ufile_idr_uobject.xa_erase
                w.a48.fetch_add(1, AcqRel); // uverbs_uobject_put
                let _ = w.w4.compare_exchange(0, -1, AcqRel, Acquire); // uverbs_uobject_free.kfree_rcu
                let _ = w.w51.compare_exchange(0, -1, AcqRel, Acquire); // kfree_rcu.uobject
                w.a29.swap(1, AcqRel); // ufile_release.pin_context
                w.a36.fetch_add(1, AcqRel); // pin_context.kref_put
                w.a2.fetch_add(1, AcqRel); // ib_uverbs_release_file.refcount
                w.a3.fetch_add(1, AcqRel); // ib_uverbs_comp_dev.complete
                let _ = w.w30.compare_exchange(0, -1, AcqRel, Acquire); // ib_uverbs_release_file.kfree
                let _ = w.a33.load(Acquire); // __fput.pin_handler
                w.a33.store(1, Release); // __fput.uninstall_handler
                w.a36.fetch_add(1, AcqRel); // pin_context.kref_put
                let _ = w.w37.compare_exchange(0, -1, AcqRel, Acquire); // pin_context.kfree
                let _ = w.w4.compare_exchange(0, -1, AcqRel, Acquire); // __fput.file_free
                let _ = w.w34.compare_exchange(0, -1, AcqRel, Acquire); // file_free_rcu
            }

            /// One execution: setup, spawn the threads, join them.
            pub fn execution() {
                let _m0 = Mutex::new(()); // mut
                let _m1 = Mutex::new(()); // multicast_table.xa_lock
                let r2 = RwLock::new(()); // disassociate_srcu
                let r3 = RwLock::new(()); // disassociate_srcu
                let m4 = Mutex::new(()); // lists_mutex
                let a0 = AtomicI64::new(0);
                let a1 = AtomicI64::new(0);
                let a2 = AtomicI64::new(0);
                let a3 = AtomicI64::new(0);
                let w4 = AtomicI64::new(0); // lifecycle word
                let _w5 = AtomicI64::new(0); // lifecycle word
                let _m5 = Mutex::new(()); // unix_sock.lock
                let _m6 = Mutex::new(()); // flc_lock
                let _r7 = RwLock::new(()); // i_mmap_sem
                let _r8 = RwLock::new(()); // i_mmap_sem
                let _a6 = AtomicI64::new(0);
                let a7 = AtomicI64::new(0);
                let _m9 = Mutex::new(()); // flc_lock
                let _r10 = RwLock::new(()); // i_mmap_sem
                let _r11 = RwLock::new(()); // i_mmap_sem
                let _a8 = AtomicI64::new(0);
                let _a9 = AtomicI64::new(0);
                let m12 = Mutex::new(()); // file_lock
                let _a10 = AtomicI64::new(0);
                let a11 = AtomicI64::new(0);
                let _r13 = RwLock::new(()); // mmap_sem
                let _r14 = RwLock::new(()); // mmap_sem
                let w12 = AtomicI64::new(0); // lifecycle word
                let _w13 = AtomicI64::new(0); // lifecycle word
                let _m15 = Mutex::new(()); // file_lock
                let _a14 = AtomicI64::new(0);
                let _a15 = AtomicI64::new(0);
                let _r16 = RwLock::new(()); // mmap_sem
                let _r17 = RwLock::new(()); // mmap_sem
                let _w16 = AtomicI64::new(0); // lifecycle word
                let _w17 = AtomicI64::new(0); // lifecycle word
                let a18 = AtomicI64::new(0);
                let r18 = RwLock::new(()); // hw_destroy_rwsem
                let r19 = RwLock::new(()); // hw_destroy_rwsem
                let m20 = Mutex::new(()); // ucontext_lock
                let a19 = AtomicI64::new(0);
                let m21 = Mutex::new(()); // uobjects_lock
                let a20 = AtomicI64::new(0);
                let _a21 = AtomicI64::new(0);
                let _a22 = AtomicI64::new(0);
                let _a23 = AtomicI64::new(0);
                let _a24 = AtomicI64::new(0);
                let _a25 = AtomicI64::new(0);
                let _a26 = AtomicI64::new(0);
                let _a27 = AtomicI64::new(0);
                let a28 = AtomicI64::new(0);
                let m22 = Mutex::new(()); // umap_lock
                let a29 = AtomicI64::new(0);
                let w30 = AtomicI64::new(0); // lifecycle word
                let w31 = AtomicI64::new(0); // lifecycle word
                let a32 = AtomicI64::new(0);
                let a33 = AtomicI64::new(0);
                let w34 = AtomicI64::new(0); // lifecycle word
                let w35 = AtomicI64::new(0); // lifecycle word
                let a36 = AtomicI64::new(0);
                let m23 = Mutex::new(()); // pin_context.lock
                let w37 = AtomicI64::new(0); // lifecycle word
                let _w38 = AtomicI64::new(0); // lifecycle word
                let a39 = AtomicI64::new(0);
                let _m24 = Mutex::new(()); // mmap_xa.xa_lock
                let a40 = AtomicI64::new(0);
                let w41 = AtomicI64::new(0); // lifecycle word
                let w42 = AtomicI64::new(0); // lifecycle word
                let a43 = AtomicI64::new(0);
                let _w44 = AtomicI64::new(0); // lifecycle word
                let _w45 = AtomicI64::new(0); // lifecycle word
                let _w46 = AtomicI64::new(0); // lifecycle word
                let _w47 = AtomicI64::new(0); // lifecycle word
                let a48 = AtomicI64::new(0);
                let a49 = AtomicI64::new(0);
                let a50 = AtomicI64::new(0);
                let w51 = AtomicI64::new(0); // lifecycle word
                let _w52 = AtomicI64::new(0); // lifecycle word
                let a53 = AtomicI64::new(0);
                let w54 = AtomicI64::new(0); // lifecycle word
                let w55 = AtomicI64::new(0); // lifecycle word
                let a56 = AtomicI64::new(0);
                let w57 = AtomicI64::new(0); // lifecycle word
                let w58 = AtomicI64::new(0); // lifecycle word
                let w = Arc::new(World {
                    r2,
                    r3,
                    m4,
                    a0,
                    a1,
                    a2,
                    a3,
                    w4,
                    a7,
                    m12,
                    a11,
                    w12,
                    a18,
                    r18,
                    r19,
                    m20,
                    a19,
                    m21,
                    a20,
                    a28,
                    m22,
                    a29,
                    w30,
                    w31,
                    a32,
                    a33,
                    w34,
                    w35,
                    a36,
                    m23,
                    w37,
                    a39,
                    a40,
                    w41,
                    w42,
                    a43,
                    a48,
                    a49,
                    a50,
                    w51,
                    a53,
                    w54,
                    w55,
                    a56,
                    w57,
                    w58,
                });
                let h1 = {
                    let w = Arc::clone(&w);
                    thread::spawn(move || unplug(&w))
                };
                let h2 = {
                    let w = Arc::clone(&w);
                    thread::spawn(move || close(&w))
                };
                // Not joined: pincheck's setup waits for its threads outside the engine
                // (`sync::join_all`); the engine runs them to their end.
                drop((h1, h2));
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
                let a0 = AtomicI64::new(0);
                let a1 = AtomicI64::new(0);
                let a2 = AtomicI64::new(0);
                let a3 = AtomicI64::new(0);
                let w4 = AtomicI64::new(0);
                let _w5 = AtomicI64::new(0);
                let _m5 = Mutex::new(());
                let _m6 = Mutex::new(());
                let _r7 = RwLock::new(());
                let _r8 = RwLock::new(());
                let _a6 = AtomicI64::new(0);
                let a7 = AtomicI64::new(0);
                let _m9 = Mutex::new(());
                let _r10 = RwLock::new(());
                let _r11 = RwLock::new(());
                let _a8 = AtomicI64::new(0);
                let _a9 = AtomicI64::new(0);
                let m12 = Mutex::new(());
                let _a10 = AtomicI64::new(0);
                let a11 = AtomicI64::new(0);
                let _r13 = RwLock::new(());
                let _r14 = RwLock::new(());
                let w12 = AtomicI64::new(0);
                let _w13 = AtomicI64::new(0);
                let _m15 = Mutex::new(());
                let _a14 = AtomicI64::new(0);
                let _a15 = AtomicI64::new(0);
                let _r16 = RwLock::new(());
                let _r17 = RwLock::new(());
                let _w16 = AtomicI64::new(0);
                let _w17 = AtomicI64::new(0);
                let a18 = AtomicI64::new(0);
                let r18 = RwLock::new(());
                let r19 = RwLock::new(());
                let m20 = Mutex::new(());
                let a19 = AtomicI64::new(0);
                let m21 = Mutex::new(());
                let a20 = AtomicI64::new(0);
                let _a21 = AtomicI64::new(0);
                let _a22 = AtomicI64::new(0);
                let _a23 = AtomicI64::new(0);
                let _a24 = AtomicI64::new(0);
                let _a25 = AtomicI64::new(0);
                let _a26 = AtomicI64::new(0);
                let _a27 = AtomicI64::new(0);
                let a28 = AtomicI64::new(0);
                let m22 = Mutex::new(());
                let a29 = AtomicI64::new(0);
                let w30 = AtomicI64::new(0);
                let w31 = AtomicI64::new(0);
                let a32 = AtomicI64::new(0);
                let a33 = AtomicI64::new(0);
                let w34 = AtomicI64::new(0);
                let w35 = AtomicI64::new(0);
                let a36 = AtomicI64::new(0);
                let m23 = Mutex::new(());
                let w37 = AtomicI64::new(0);
                let _w38 = AtomicI64::new(0);
                let a39 = AtomicI64::new(0);
                let _m24 = Mutex::new(());
                let a40 = AtomicI64::new(0);
                let w41 = AtomicI64::new(0);
                let w42 = AtomicI64::new(0);
                let a43 = AtomicI64::new(0);
                let _w44 = AtomicI64::new(0);
                let _w45 = AtomicI64::new(0);
                let _w46 = AtomicI64::new(0);
                let _w47 = AtomicI64::new(0);
                let a48 = AtomicI64::new(0);
                let a49 = AtomicI64::new(0);
                let a50 = AtomicI64::new(0);
                let w51 = AtomicI64::new(0);
                let _w52 = AtomicI64::new(0);
                let a53 = AtomicI64::new(0);
                let w54 = AtomicI64::new(0);
                let w55 = AtomicI64::new(0);
                let a56 = AtomicI64::new(0);
                let w57 = AtomicI64::new(0);
                let w58 = AtomicI64::new(0);
                let w = Arc::new(World {
                    r2,
                    r3,
                    m4,
                    a0,
                    a1,
                    a2,
                    a3,
                    w4,
                    a7,
                    m12,
                    a11,
                    w12,
                    a18,
                    r18,
                    r19,
                    m20,
                    a19,
                    m21,
                    a20,
                    a28,
                    m22,
                    a29,
                    w30,
                    w31,
                    a32,
                    a33,
                    w34,
                    w35,
                    a36,
                    m23,
                    w37,
                    a39,
                    a40,
                    w41,
                    w42,
                    a43,
                    a48,
                    a49,
                    a50,
                    w51,
                    a53,
                    w54,
                    w55,
                    a56,
                    w57,
                    w58,
                });
                let h1 = {
                    let w = Arc::clone(&w);
                    thread::spawn(move || drop(w))
                };
                let h2 = {
                    let w = Arc::clone(&w);
                    thread::spawn(move || drop(w))
                };
                // Not joined: pincheck's setup waits for its threads outside the engine
                // (`sync::join_all`); the engine runs them to their end.
                drop((h1, h2));
            }
        }
    };
}
