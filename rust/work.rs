// SPDX-License-Identifier: GPL-2.0

//! A statically allocated work item, for deferred cleanup that must not run
//! in the context that triggers it (e.g. removing the sysfs directory whose
//! file is being written).

use super::bindings as b;
use core::cell::UnsafeCell;
use kernel::alloc::KVec;

/// What a [`StaticWork`] runs.
pub(crate) trait WorkFn {
    /// The work, in process context on the system workqueue.
    fn run();
}

unsafe extern "C" fn work_tramp<T: WorkFn>(_w: *mut b::work_struct) {
    T::run();
}

/// A `struct work_struct` in static storage.
///
/// # Invariants
///
/// After `init` (called once, before any `schedule`), the workqueue core owns
/// the inner struct; we only pass its address.
pub(crate) struct StaticWork(UnsafeCell<b::work_struct>);

// SAFETY: the workqueue core synchronises all access (invariant).
unsafe impl Sync for StaticWork {}

impl StaticWork {
    /// An uninitialised work item; call `init` before use.
    pub(crate) const fn new() -> Self {
        // SAFETY: all-zero is the BSS state INIT_WORK starts from.
        Self(UnsafeCell::new(unsafe { core::mem::zeroed() }))
    }

    /// Sets the function to run.
    ///
    /// # Safety
    ///
    /// Called once, before any other method, with no other use of the work
    /// concurrently (module init): INIT_WORK on a queued work corrupts the
    /// workqueue.
    pub(crate) unsafe fn init<T: WorkFn>(&'static self) {
        // SAFETY: not yet queued (contract).
        unsafe { b::rklp_init_work(self.0.get(), Some(work_tramp::<T>)) };
    }

    /// Queues the work on the system workqueue (no-op if already pending).
    pub(crate) fn schedule(&'static self) {
        // SAFETY: initialised (`init` contract).
        unsafe { b::rklp_schedule_work(self.0.get()) };
    }

    /// Waits until the work is idle.
    pub(crate) fn flush(&'static self) {
        // SAFETY: initialised (`init` contract).
        unsafe { b::flush_work(self.0.get()) };
    }
}

unsafe extern "C" fn dwork_tramp<T: WorkFn>(_w: *mut b::work_struct) {
    T::run();
}

/// A `struct delayed_work` in static storage.
///
/// # Invariants
///
/// As for [`StaticWork`].
pub(crate) struct StaticDelayedWork(UnsafeCell<b::delayed_work>);

// SAFETY: the workqueue core synchronises all access (invariant).
unsafe impl Sync for StaticDelayedWork {}

impl StaticDelayedWork {
    /// An uninitialised delayed work; call `init` before use.
    pub(crate) const fn new() -> Self {
        // SAFETY: all-zero is the BSS state INIT_DELAYED_WORK starts from.
        Self(UnsafeCell::new(unsafe { core::mem::zeroed() }))
    }

    /// Sets the function to run.
    ///
    /// # Safety
    ///
    /// As [`StaticWork::init`].
    pub(crate) unsafe fn init<T: WorkFn>(&'static self) {
        // SAFETY: not yet queued (contract).
        unsafe { b::rklp_init_delayed_work(self.0.get(), Some(dwork_tramp::<T>)) };
    }

    /// Queues the work to run after `ms` milliseconds (no-op if pending).
    /// Returns whether it was queued (false: it was pending already).
    pub(crate) fn schedule_ms(&'static self, ms: u32) -> bool {
        // SAFETY: initialised (`init` contract).
        unsafe { b::rklp_schedule_delayed_work_ms(self.0.get(), ms) }
    }

    /// Queues the work to run after `ms` milliseconds, moving it if it is
    /// pending with another delay.
    pub(crate) fn reschedule_ms(&'static self, ms: u32) {
        // SAFETY: initialised (`init` contract).
        unsafe { b::rklp_mod_delayed_work_ms(self.0.get(), ms) };
    }

    /// Cancels the work and waits for a running instance.
    pub(crate) fn cancel_sync(&'static self) {
        // SAFETY: initialised (`init` contract).
        unsafe { b::rklp_cancel_delayed_work_sync(self.0.get()) };
    }
}

/// One work item per CPU id, each running `T::run()` on the CPU it is
/// queued for (on the system workqueue, so it may run elsewhere only if
/// that CPU goes offline meanwhile).
///
/// # Invariants
///
/// Every item was initialised by `INIT_WORK` with `work_tramp::<T>`, and
/// the buffer is never reallocated, so queued items do not move; `drop`
/// cancels every item and waits for running ones before freeing them.
pub(crate) struct PerCpuWorks(KVec<UnsafeCell<b::work_struct>>);

// SAFETY: the workqueue core synchronises all access to the items
// (invariant); the vector itself is only read.
unsafe impl Sync for PerCpuWorks {}
// SAFETY: as above; nothing refers to the thread that allocated it.
unsafe impl Send for PerCpuWorks {}

impl PerCpuWorks {
    /// `nr_cpu_ids` items running `T::run()`.
    pub(crate) fn new<T: WorkFn>() -> kernel::error::Result<Self> {
        use kernel::alloc::flags::GFP_KERNEL;
        // SAFETY: reads nr_cpu_ids.
        let n = unsafe { b::rklp_nr_cpu_ids() } as usize;
        let mut v = KVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            // SAFETY: all-zero is the state INIT_WORK starts from.
            v.push(UnsafeCell::new(unsafe { core::mem::zeroed() }), GFP_KERNEL)?;
        }
        for w in v.iter() {
            // SAFETY: a fresh item, not queued; the capacity was reserved,
            // so it does not move from here on.
            unsafe { b::rklp_init_work(w.get(), Some(work_tramp::<T>)) };
        }
        Ok(Self(v))
    }

    /// Queues the item of `cpu` on that CPU (no-op if already pending, or
    /// if `cpu` is out of range).
    pub(crate) fn queue_on(&self, cpu: u32) {
        if let Some(w) = self.0.get(cpu as usize) {
            // SAFETY: an initialised item that stays put (invariant); a
            // possible CPU id.
            unsafe { b::rklp_queue_work_on(cpu as core::ffi::c_int, w.get()) };
        }
    }
}

impl Drop for PerCpuWorks {
    /// Must not run with a lock held that `T::run()` takes.
    fn drop(&mut self) {
        for w in self.0.iter() {
            // SAFETY: an initialised item (invariant).
            unsafe { b::rklp_cancel_work_sync(w.get()) };
        }
    }
}

/// One CPU's share of [`on_each_cpu`]: a work item that calls a closure.
///
/// # Invariants
///
/// `work` is the first field (the work function finds the struct from it),
/// and `f` points to a closure of the type `call` was instantiated with,
/// alive until the work has been flushed.
#[repr(C)]
struct CpuWork {
    work: b::work_struct,
    f: *const core::ffi::c_void,
    call: unsafe fn(*const core::ffi::c_void),
}

unsafe extern "C" fn cpu_work_tramp(w: *mut b::work_struct) {
    // SAFETY: `w` is the first field of a `CpuWork` (type invariant), which
    // lives until the work has been flushed.
    let cw = unsafe { &*w.cast::<CpuWork>() };
    // SAFETY: `f` and `call` match and `f` is alive (type invariant).
    unsafe { (cw.call)(cw.f) };
}

/// # Safety
///
/// `f` must point to a live `F`.
unsafe fn call_closure<F: Fn()>(f: *const core::ffi::c_void) {
    // SAFETY: contract.
    unsafe { (*f.cast::<F>())() }
}

/// With CPU hotplug excluded (every CPU is fully online or fully dead
/// meanwhile): calls `offline(cpu)` for each possible CPU that is offline,
/// then runs `online` in a kworker bound to each online CPU and waits for
/// them all. While `online` runs on a CPU, that CPU's idle task is not
/// running. Fails with `ENOMEM` before running anything.
pub(crate) fn on_each_cpu<O: FnMut(u32), F: Fn() + Sync>(
    mut offline: O,
    online: &F,
) -> kernel::error::Result {
    use super::task::{cpu_online, cpus_read_locked, possible_cpus};
    use kernel::alloc::flags::GFP_KERNEL;
    let n = possible_cpus().count();
    let mut works: KVec<CpuWork> = KVec::with_capacity(n, GFP_KERNEL)?;
    cpus_read_locked(|| {
        for cpu in possible_cpus() {
            if !cpu_online(cpu) {
                offline(cpu);
                continue;
            }
            // Capacity for every possible CPU is reserved: no reallocation,
            // so the items queued so far do not move.
            let pushed = works.push(
                CpuWork {
                    // SAFETY: all-zero is the state INIT_WORK starts from.
                    work: unsafe { core::mem::zeroed() },
                    f: (online as *const F).cast(),
                    call: call_closure::<F>,
                },
                GFP_KERNEL,
            );
            if pushed.is_err() {
                break;
            }
            let i = works.len() - 1;
            let w = &mut works[i].work as *mut b::work_struct;
            // SAFETY: a fresh work item at a stable address (see above),
            // whose closure outlives the flush below; the CPU is online and
            // stays so until the hotplug lock is released.
            unsafe {
                b::rklp_init_cpu_work(w, Some(cpu_work_tramp));
                b::rklp_queue_work_on(cpu as core::ffi::c_int, w);
            }
        }
        for cw in works.iter_mut() {
            // SAFETY: initialised and queued above; waits until it has run.
            unsafe { b::flush_work(&mut cw.work) };
        }
    });
    Ok(())
}
