//! Bare S1 model of rfc-v2@k53: the same threads and the same engine accesses, in the same
//! per-thread order, as pincheck's model of S1 makes in the execution `-- steps` logs (PCT seed 0),
//! with no oracle, no facade and no model heap. Every engine object pincheck creates is created
//! too, in the same order; the setup thread makes no engine access before its first spawn, spawns
//! the second thread, runs the first itself, and joins nothing in the engine (pincheck's facade
//! makes no access while a thread runs alone, its setup runs thread 1 itself and waits for the
//! others outside the engine). A trylock's guard is an
//! `Option`, so a failed trylock releases nothing; every other access runs unconditionally
//! (pincheck's model takes other paths in other interleavings). A store is an exchange, as the
//! facade makes it. Instantiated for loom and for shuttle by `bare/mod.rs`.

/// The S1 race on rfc-v2@k53, one function per thread.
macro_rules! s1_rfc_v2 {
    () => {
        pub mod rfc_v2 {
            use super::{thread, AtomicI64, Mutex, RwLock};
            use std::sync::atomic::Ordering::{AcqRel, Acquire};
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
                ("setup", "ib_uverbs_open.sys_file"),
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
                ("setup", "vaddr_pin.sys_file"),
                ("setup", "pin_user_pages.i_mmap_sem"),
                ("setup", "pin_user_pages.i_mmap_sem"),
                ("setup", "pin_user_pages.block_map"),
                ("setup", "mapping_inode_has_layout.flc_lock"),
                ("setup", "mapping_inode_has_layout.fl_pid"),
                ("setup", "add_file_pin.f_owner"),
                ("setup", "add_file_pin.walk_file_pins"),
                ("setup", "add_file_pin.get_file"),
                ("setup", "add_file_pin.fp_lock"),
                ("setup", "add_file_pin.list_add"),
                ("setup", "add_file_pin.list_add"),
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
                ("unplug", "remove_file_pin.f_owner"),
                ("unplug", "remove_file_pin.walk_file_pins"),
                ("unplug", "remove_file_pin.walk"),
                ("unplug", "remove_file_pin.kref_put"),
                ("unplug", "release_file_pin.fp_lock"),
                ("unplug", "release_file_pin.list_del"),
                ("unplug", "release_file_pin.list_del"),
                ("unplug", "unlock"),
                ("unplug", "release_file_pin.fput_data"),
                ("unplug", "release_file_pin.kfree"),
                ("unplug", "release_file_pin.kfree"),
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
                ("close", "ib_uverbs_release_file.refcount"),
                ("close", "ib_uverbs_comp_dev.complete"),
                ("close", "ib_uverbs_release_file.kfree"),
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
                a4: AtomicI64,
                a8: AtomicI64,
                m12: Mutex<()>,
                a11: AtomicI64,
                a28: AtomicI64,
                w29: AtomicI64,
                a51: AtomicI64,
                r18: RwLock<()>,
                r19: RwLock<()>,
                m20: Mutex<()>,
                a52: AtomicI64,
                m21: Mutex<()>,
                a53: AtomicI64,
                a61: AtomicI64,
                m22: Mutex<()>,
                w63: AtomicI64,
                w64: AtomicI64,
                a65: AtomicI64,
                m24: Mutex<()>,
                a66: AtomicI64,
                w67: AtomicI64,
                w68: AtomicI64,
                a69: AtomicI64,
                a70: AtomicI64,
                w71: AtomicI64,
                w72: AtomicI64,
                a73: AtomicI64,
                a78: AtomicI64,
                a79: AtomicI64,
                a80: AtomicI64,
                w81: AtomicI64,
                a83: AtomicI64,
                w84: AtomicI64,
                w85: AtomicI64,
                a86: AtomicI64,
                w87: AtomicI64,
                w88: AtomicI64,
                a89: AtomicI64,
                w90: AtomicI64,
                w91: AtomicI64,
            }

            fn unplug(w: &World) {
                w.a1.swap(1, AcqRel); // remove_one.cdev_device_del
                w.a0.swap(1, AcqRel); // disassociate_api_pre.ib_dev
                let g0 = w.r2.write().unwrap(); // remove_one.synchronize_srcu
                let g1 = w.r3.write().unwrap(); // remove_one.synchronize_srcu
                drop(g1); // up_write
                drop(g0); // up_write
                let g2 = w.m4.lock().unwrap(); // free_hw_resources.lists_mutex
                w.a51.fetch_add(1, AcqRel); // free_hw_resources.kref_get
                drop(g2); // unlock
                w.w63.fetch_add(0, AcqRel); // destroy_ufile_hw.ufile
                let g3 = w.m20.lock().unwrap(); // destroy_ufile_hw.lock_ucontext
                let g4 = w.r18.write().unwrap(); // destroy_ufile_hw.down_write
                let g5 = w.r19.write().unwrap(); // destroy_ufile_hw.down_write
                let _ = w.a52.load(Acquire); // destroy_ufile_hw.ucontext
                w.a69.swap(1, AcqRel); // destroy_ufile_hw.closing
                let g6 = w.m21.lock().unwrap(); // __uverbs_cleanup_ufile.uobjects_lock
                drop(g6); // unlock
                let _ = w.a79.compare_exchange(0, -1, AcqRel, Acquire); // __uverbs_cleanup_ufile.usecnt_write
                w.w81.fetch_add(0, AcqRel); // uverbs_destroy_uobject
                w.a79.fetch_add(0, AcqRel); // uverbs_destroy_uobject
                let _ = w.a80.load(Acquire); // uverbs_destroy_uobject.object
                w.w90.fetch_add(0, AcqRel); // ib_dereg_mr_user
                w.a89.swap(1, AcqRel); // dereg_mr.destroy_mkey
                w.w84.fetch_add(0, AcqRel); // ib_umem_release
                w.a89.fetch_add(0, AcqRel); // ib_umem_release.hw_key
                w.w67.fetch_add(0, AcqRel); // remove_file_pin.f_owner
                let _ = w.a66.load(Acquire); // remove_file_pin.walk_file_pins
                w.w87.fetch_add(0, AcqRel); // remove_file_pin.walk
                w.a86.fetch_add(-1, AcqRel); // remove_file_pin.kref_put
                let g7 = w.m24.lock().unwrap(); // release_file_pin.fp_lock
                let _ = w.a66.load(Acquire); // release_file_pin.list_del
                w.a66.swap(1, AcqRel); // release_file_pin.list_del
                drop(g7); // unlock
                w.a73.fetch_add(-1, AcqRel); // release_file_pin.fput_data
                let _ = w.w87.compare_exchange(0, -1, AcqRel, Acquire); // release_file_pin.kfree
                let _ = w.w88.compare_exchange(0, -1, AcqRel, Acquire); // release_file_pin.kfree
                w.a83.swap(1, AcqRel); // ib_umem_release.unpin_user_pages
                w.a8.fetch_add(-2, AcqRel); // ib_umem_release.page_pins
                w.w29.fetch_add(0, AcqRel); // ib_umem_release.mmdrop
                w.a28.fetch_add(-1, AcqRel); // ib_umem_release.mmdrop
                let _ = w.w84.compare_exchange(0, -1, AcqRel, Acquire); // ib_umem_release.kfree
                let _ = w.w85.compare_exchange(0, -1, AcqRel, Acquire); // ib_umem_release.kfree
                let _ = w.w90.compare_exchange(0, -1, AcqRel, Acquire); // ib_dereg_mr_user.kfree
                let _ = w.w91.compare_exchange(0, -1, AcqRel, Acquire); // ib_dereg_mr_user.kfree
                w.a80.swap(1, AcqRel); // uverbs_destroy_uobject.object_null
                w.a79.swap(1, AcqRel); // __uverbs_cleanup_ufile.usecnt
                let g8 = w.m21.lock().unwrap(); // uverbs_destroy_uobject.uobjects_lock
                drop(g8); // unlock
                w.a78.fetch_add(-1, AcqRel); // uverbs_uobject_put
                let g9 = w.m21.lock().unwrap(); // __uverbs_cleanup_ufile.uobjects_lock
                drop(g9); // unlock
                let g10 = w.m22.lock().unwrap(); // user_mmap_disassociate.umap_lock
                drop(g10); // unlock
                w.a52.swap(1, AcqRel); // ufile_destroy_ucontext.clear
                w.a70.swap(1, AcqRel); // dealloc_ucontext.driver_entry
                let _ = w.w71.compare_exchange(0, -1, AcqRel, Acquire); // ufile_destroy_ucontext.kfree
                let _ = w.w72.compare_exchange(0, -1, AcqRel, Acquire); // ufile_destroy_ucontext.kfree
                drop(g5); // up_write
                drop(g4); // up_write
                drop(g3); // unlock
                w.a51.fetch_add(-1, AcqRel); // free_hw_resources.kref_put
                let g11 = w.m4.lock().unwrap(); // free_hw_resources.lists_mutex
                drop(g11); // unlock
                w.a2.fetch_add(-1, AcqRel); // remove_one.refcount
            }

            fn close(w: &World) {
                let g0 = w.m12.lock().unwrap(); // close_fd.file_lock
                w.a11.swap(1, AcqRel); // close_fd.rcu_assign_pointer
                drop(g0); // unlock
                w.a65.fetch_add(-1, AcqRel); // filp_close.fput
                w.w68.fetch_add(0, AcqRel); // __fput
                w.w64.fetch_add(0, AcqRel); // destroy_ufile_hw.ufile
                let g1 = w.m20.try_lock().ok(); // destroy_ufile_hw.trylock_ucontext
                let g2 = w.r18.write().unwrap(); // destroy_ufile_hw.down_write
                let _ = w.a52.load(Acquire); // destroy_ufile_hw.ucontext
                drop(g2); // up_write
                drop(g1); // unlock
                let g3 = w.m4.lock().unwrap(); // ib_uverbs_close.lists_mutex
                drop(g3); // unlock
                w.a51.fetch_add(-1, AcqRel); // ib_uverbs_close.kref_put
                w.w64.fetch_add(0, AcqRel); // ib_uverbs_release_file
                let _ = w.a61.load(Acquire); // release_ufile_idr_uobject.xa_for_each
                w.a53.swap(1, AcqRel); // release_ufile_idr_uobject.xa_erase
                w.a80.fetch_add(0, AcqRel); // release_ufile_idr_uobject.object
                w.a78.fetch_add(-1, AcqRel); // uverbs_uobject_put
                w.a4.fetch_add(0, AcqRel); // uverbs_uobject_free.kfree_rcu
                let _ = w.w81.compare_exchange(0, -1, AcqRel, Acquire); // kfree_rcu.uobject
                w.a2.fetch_add(-1, AcqRel); // ib_uverbs_release_file.refcount
                w.a3.fetch_add(1, AcqRel); // ib_uverbs_comp_dev.complete
                let _ = w.w63.compare_exchange(0, -1, AcqRel, Acquire); // ib_uverbs_release_file.kfree
                w.a4.fetch_add(0, AcqRel); // __fput.file_free
                let _ = w.w67.compare_exchange(0, -1, AcqRel, Acquire); // file_free_rcu
            }

            /// One execution: setup, spawn the second thread, run the first; the engine runs the second
            /// to its end.
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
                let a4 = AtomicI64::new(0);
                let _a5 = AtomicI64::new(0);
                let _a6 = AtomicI64::new(0);
                let _m5 = Mutex::new(()); // unix_sock.lock
                let _m6 = Mutex::new(()); // flc_lock
                let _r7 = RwLock::new(()); // i_mmap_sem
                let _r8 = RwLock::new(()); // i_mmap_sem
                let _a7 = AtomicI64::new(0);
                let a8 = AtomicI64::new(0);
                let _m9 = Mutex::new(()); // flc_lock
                let _r10 = RwLock::new(()); // i_mmap_sem
                let _r11 = RwLock::new(()); // i_mmap_sem
                let _a9 = AtomicI64::new(0);
                let _a10 = AtomicI64::new(0);
                let m12 = Mutex::new(()); // file_lock
                let a11 = AtomicI64::new(0);
                let _a12 = AtomicI64::new(0);
                let _a13 = AtomicI64::new(0);
                let _a14 = AtomicI64::new(0);
                let _a15 = AtomicI64::new(0);
                let _a16 = AtomicI64::new(0);
                let _a17 = AtomicI64::new(0);
                let _a18 = AtomicI64::new(0);
                let _a19 = AtomicI64::new(0);
                let _a20 = AtomicI64::new(0);
                let _a21 = AtomicI64::new(0);
                let _a22 = AtomicI64::new(0);
                let _a23 = AtomicI64::new(0);
                let _a24 = AtomicI64::new(0);
                let _a25 = AtomicI64::new(0);
                let _a26 = AtomicI64::new(0);
                let _a27 = AtomicI64::new(0);
                let a28 = AtomicI64::new(0);
                let _r13 = RwLock::new(()); // mmap_sem
                let _r14 = RwLock::new(()); // mmap_sem
                let w29 = AtomicI64::new(0); // lifecycle word
                let _w30 = AtomicI64::new(0); // lifecycle word
                let _m15 = Mutex::new(()); // file_lock
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
                let _r16 = RwLock::new(()); // mmap_sem
                let _r17 = RwLock::new(()); // mmap_sem
                let _w49 = AtomicI64::new(0); // lifecycle word
                let _w50 = AtomicI64::new(0); // lifecycle word
                let a51 = AtomicI64::new(0);
                let r18 = RwLock::new(()); // hw_destroy_rwsem
                let r19 = RwLock::new(()); // hw_destroy_rwsem
                let m20 = Mutex::new(()); // ucontext_lock
                let a52 = AtomicI64::new(0);
                let m21 = Mutex::new(()); // uobjects_lock
                let a53 = AtomicI64::new(0);
                let _a54 = AtomicI64::new(0);
                let _a55 = AtomicI64::new(0);
                let _a56 = AtomicI64::new(0);
                let _a57 = AtomicI64::new(0);
                let _a58 = AtomicI64::new(0);
                let _a59 = AtomicI64::new(0);
                let _a60 = AtomicI64::new(0);
                let a61 = AtomicI64::new(0);
                let m22 = Mutex::new(()); // umap_lock
                let _a62 = AtomicI64::new(0);
                let _m23 = Mutex::new(()); // sys_file_lock
                let w63 = AtomicI64::new(0); // lifecycle word
                let w64 = AtomicI64::new(0); // lifecycle word
                let a65 = AtomicI64::new(0);
                let m24 = Mutex::new(()); // fp_lock
                let a66 = AtomicI64::new(0);
                let w67 = AtomicI64::new(0); // lifecycle word
                let w68 = AtomicI64::new(0); // lifecycle word
                let a69 = AtomicI64::new(0);
                let _m25 = Mutex::new(()); // mmap_xa.xa_lock
                let a70 = AtomicI64::new(0);
                let w71 = AtomicI64::new(0); // lifecycle word
                let w72 = AtomicI64::new(0); // lifecycle word
                let a73 = AtomicI64::new(0);
                let _w74 = AtomicI64::new(0); // lifecycle word
                let _w75 = AtomicI64::new(0); // lifecycle word
                let _w76 = AtomicI64::new(0); // lifecycle word
                let _w77 = AtomicI64::new(0); // lifecycle word
                let a78 = AtomicI64::new(0);
                let a79 = AtomicI64::new(0);
                let a80 = AtomicI64::new(0);
                let w81 = AtomicI64::new(0); // lifecycle word
                let _w82 = AtomicI64::new(0); // lifecycle word
                let a83 = AtomicI64::new(0);
                let w84 = AtomicI64::new(0); // lifecycle word
                let w85 = AtomicI64::new(0); // lifecycle word
                let a86 = AtomicI64::new(0);
                let w87 = AtomicI64::new(0); // lifecycle word
                let w88 = AtomicI64::new(0); // lifecycle word
                let a89 = AtomicI64::new(0);
                let w90 = AtomicI64::new(0); // lifecycle word
                let w91 = AtomicI64::new(0); // lifecycle word
                let w = Arc::new(World {
                    r2,
                    r3,
                    m4,
                    a0,
                    a1,
                    a2,
                    a3,
                    a4,
                    a8,
                    m12,
                    a11,
                    a28,
                    w29,
                    a51,
                    r18,
                    r19,
                    m20,
                    a52,
                    m21,
                    a53,
                    a61,
                    m22,
                    w63,
                    w64,
                    a65,
                    m24,
                    a66,
                    w67,
                    w68,
                    a69,
                    a70,
                    w71,
                    w72,
                    a73,
                    a78,
                    a79,
                    a80,
                    w81,
                    a83,
                    w84,
                    w85,
                    a86,
                    w87,
                    w88,
                    a89,
                    w90,
                    w91,
                });
                // The setup spawns the second thread and then runs the first itself, as
                // pincheck's does (`sync::run_threads`); the second is not joined (pincheck's
                // setup waits for its threads outside the engine): the engine runs it to its end.
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
                let a0 = AtomicI64::new(0);
                let a1 = AtomicI64::new(0);
                let a2 = AtomicI64::new(0);
                let a3 = AtomicI64::new(0);
                let a4 = AtomicI64::new(0);
                let _a5 = AtomicI64::new(0);
                let _a6 = AtomicI64::new(0);
                let _m5 = Mutex::new(());
                let _m6 = Mutex::new(());
                let _r7 = RwLock::new(());
                let _r8 = RwLock::new(());
                let _a7 = AtomicI64::new(0);
                let a8 = AtomicI64::new(0);
                let _m9 = Mutex::new(());
                let _r10 = RwLock::new(());
                let _r11 = RwLock::new(());
                let _a9 = AtomicI64::new(0);
                let _a10 = AtomicI64::new(0);
                let m12 = Mutex::new(());
                let a11 = AtomicI64::new(0);
                let _a12 = AtomicI64::new(0);
                let _a13 = AtomicI64::new(0);
                let _a14 = AtomicI64::new(0);
                let _a15 = AtomicI64::new(0);
                let _a16 = AtomicI64::new(0);
                let _a17 = AtomicI64::new(0);
                let _a18 = AtomicI64::new(0);
                let _a19 = AtomicI64::new(0);
                let _a20 = AtomicI64::new(0);
                let _a21 = AtomicI64::new(0);
                let _a22 = AtomicI64::new(0);
                let _a23 = AtomicI64::new(0);
                let _a24 = AtomicI64::new(0);
                let _a25 = AtomicI64::new(0);
                let _a26 = AtomicI64::new(0);
                let _a27 = AtomicI64::new(0);
                let a28 = AtomicI64::new(0);
                let _r13 = RwLock::new(());
                let _r14 = RwLock::new(());
                let w29 = AtomicI64::new(0);
                let _w30 = AtomicI64::new(0);
                let _m15 = Mutex::new(());
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
                let _r16 = RwLock::new(());
                let _r17 = RwLock::new(());
                let _w49 = AtomicI64::new(0);
                let _w50 = AtomicI64::new(0);
                let a51 = AtomicI64::new(0);
                let r18 = RwLock::new(());
                let r19 = RwLock::new(());
                let m20 = Mutex::new(());
                let a52 = AtomicI64::new(0);
                let m21 = Mutex::new(());
                let a53 = AtomicI64::new(0);
                let _a54 = AtomicI64::new(0);
                let _a55 = AtomicI64::new(0);
                let _a56 = AtomicI64::new(0);
                let _a57 = AtomicI64::new(0);
                let _a58 = AtomicI64::new(0);
                let _a59 = AtomicI64::new(0);
                let _a60 = AtomicI64::new(0);
                let a61 = AtomicI64::new(0);
                let m22 = Mutex::new(());
                let _a62 = AtomicI64::new(0);
                let _m23 = Mutex::new(());
                let w63 = AtomicI64::new(0);
                let w64 = AtomicI64::new(0);
                let a65 = AtomicI64::new(0);
                let m24 = Mutex::new(());
                let a66 = AtomicI64::new(0);
                let w67 = AtomicI64::new(0);
                let w68 = AtomicI64::new(0);
                let a69 = AtomicI64::new(0);
                let _m25 = Mutex::new(());
                let a70 = AtomicI64::new(0);
                let w71 = AtomicI64::new(0);
                let w72 = AtomicI64::new(0);
                let a73 = AtomicI64::new(0);
                let _w74 = AtomicI64::new(0);
                let _w75 = AtomicI64::new(0);
                let _w76 = AtomicI64::new(0);
                let _w77 = AtomicI64::new(0);
                let a78 = AtomicI64::new(0);
                let a79 = AtomicI64::new(0);
                let a80 = AtomicI64::new(0);
                let w81 = AtomicI64::new(0);
                let _w82 = AtomicI64::new(0);
                let a83 = AtomicI64::new(0);
                let w84 = AtomicI64::new(0);
                let w85 = AtomicI64::new(0);
                let a86 = AtomicI64::new(0);
                let w87 = AtomicI64::new(0);
                let w88 = AtomicI64::new(0);
                let a89 = AtomicI64::new(0);
                let w90 = AtomicI64::new(0);
                let w91 = AtomicI64::new(0);
                let w = Arc::new(World {
                    r2,
                    r3,
                    m4,
                    a0,
                    a1,
                    a2,
                    a3,
                    a4,
                    a8,
                    m12,
                    a11,
                    a28,
                    w29,
                    a51,
                    r18,
                    r19,
                    m20,
                    a52,
                    m21,
                    a53,
                    a61,
                    m22,
                    w63,
                    w64,
                    a65,
                    m24,
                    a66,
                    w67,
                    w68,
                    a69,
                    a70,
                    w71,
                    w72,
                    a73,
                    a78,
                    a79,
                    a80,
                    w81,
                    a83,
                    w84,
                    w85,
                    a86,
                    w87,
                    w88,
                    a89,
                    w90,
                    w91,
                });
                // The setup spawns the second thread and then runs the first itself, as
                // pincheck's does (`sync::run_threads`); the second is not joined (pincheck's
                // setup waits for its threads outside the engine): the engine runs it to its end.
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
