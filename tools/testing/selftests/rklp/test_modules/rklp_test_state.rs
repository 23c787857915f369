// SPDX-License-Identifier: GPL-2.0

// Shared by test_rklp_state*.rs (`include!("rklp_test_state.rs")` after
// `include!("rklp_test.rs")`), after upstream's test_klp_state*.c: vmlinux
// callbacks that save console_loglevel into the data of system state
// CONSOLE_LOGLEVEL_STATE, raise it, and restore it. The including module
// defines `CONSOLE_LOGLEVEL_STATE_VERSION` and `MIGRATE` (whether it takes
// the state over from an installed patch, as test_klp_state2.c does).

use core::ffi::c_void;
use kernel::alloc::flags::GFP_KERNEL;
use kernel::ffi::c_int;
use kernel::str::CStr;
use klp::{get_prev_state, get_state, KlpCallbacks, KlpState};

const CONSOLE_LOGLEVEL_STATE: u64 = 1;
/// include/linux/printk.h.
const CONSOLE_LOGLEVEL_MOTORMOUTH: c_int = 15;

// `console_loglevel` is a C macro for `console_printk[0]`; the array is
// exported (GPL) and in the kernel crate's bindings as a zero-length array.

/// `&console_loglevel`.
fn console_loglevel_ptr() -> *mut c_int {
    // Taking the address of a static is safe; only accesses are not.
    core::ptr::addr_of_mut!(kernel::bindings::console_printk).cast::<c_int>()
}

/// Reads `console_loglevel`.
fn console_loglevel() -> c_int {
    // SAFETY: `console_printk` has 4 ints; the kernel reads and writes them
    // with plain, racy accesses (as upstream's test does), so a volatile
    // read of an aligned int is as good as theirs.
    unsafe { core::ptr::read_volatile(console_loglevel_ptr()) }
}

/// Sets `console_loglevel`.
fn set_console_loglevel(level: c_int) {
    // SAFETY: as in `console_loglevel`.
    unsafe { core::ptr::write_volatile(console_loglevel_ptr(), level) }
}

fn allocate_loglevel_state() -> Result {
    if MIGRATE && get_prev_state(CONSOLE_LOGLEVEL_STATE).is_some() {
        pr_info!("allocate_loglevel_state: space to store console_loglevel already allocated\n");
        return Ok(());
    }
    let state = get_state(CONSOLE_LOGLEVEL_STATE).ok_or(EINVAL)?;
    let space = KBox::new(0 as c_int, GFP_KERNEL)?;
    state.set_data(KBox::into_raw(space).cast::<c_void>());
    pr_info!("allocate_loglevel_state: allocating space to store console_loglevel\n");
    Ok(())
}

fn fix_console_loglevel() {
    let Some(state) = get_state(CONSOLE_LOGLEVEL_STATE) else {
        return;
    };
    if MIGRATE {
        if let Some(prev) = get_prev_state(CONSOLE_LOGLEVEL_STATE) {
            pr_info!("fix_console_loglevel: taking over the console_loglevel change\n");
            state.set_data(prev.data());
            return;
        }
    }
    pr_info!("fix_console_loglevel: fixing console_loglevel\n");
    let saved = state.data().cast::<c_int>();
    if saved.is_null() {
        return;
    }
    // SAFETY: non-null `data` is the `KBox<c_int>` of
    // `allocate_loglevel_state` (of this patch or of the one it took over
    // from), freed only in `free_loglevel_state`; callbacks are serialized.
    unsafe { *saved = console_loglevel() };
    set_console_loglevel(CONSOLE_LOGLEVEL_MOTORMOUTH);
}

fn restore_console_loglevel() {
    if MIGRATE && get_prev_state(CONSOLE_LOGLEVEL_STATE).is_some() {
        pr_info!(
            "restore_console_loglevel: passing the console_loglevel change back to the old livepatch\n"
        );
        return;
    }
    let Some(state) = get_state(CONSOLE_LOGLEVEL_STATE) else {
        return;
    };
    pr_info!("restore_console_loglevel: restoring console_loglevel\n");
    let saved = state.data().cast::<c_int>();
    if !saved.is_null() {
        // SAFETY: as in `fix_console_loglevel`.
        set_console_loglevel(unsafe { *saved });
    }
}

fn free_loglevel_state() {
    if MIGRATE && get_prev_state(CONSOLE_LOGLEVEL_STATE).is_some() {
        pr_info!("free_loglevel_state: keeping space to store console_loglevel\n");
        return;
    }
    let Some(state) = get_state(CONSOLE_LOGLEVEL_STATE) else {
        return;
    };
    pr_info!("free_loglevel_state: freeing space for the stored console_loglevel\n");
    let saved = state.data().cast::<c_int>();
    state.set_data(core::ptr::null_mut());
    if !saved.is_null() {
        // SAFETY: as in `fix_console_loglevel`; no patch uses it any more
        // (this is the last one holding the state), and `data` is cleared.
        drop(unsafe { KBox::from_raw(saved) });
    }
}

fn cb_name(obj: Option<&CStr>) -> &CStr {
    obj.unwrap_or(kernel::c_str!("vmlinux"))
}

struct LoglevelCallbacks;

impl KlpCallbacks for LoglevelCallbacks {
    fn pre_patch(obj: Option<&CStr>) -> Result {
        pr_info!("pre_patch_callback: {}\n", cb_name(obj));
        allocate_loglevel_state()
    }
    fn post_patch(obj: Option<&CStr>) {
        pr_info!("post_patch_callback: {}\n", cb_name(obj));
        fix_console_loglevel();
    }
    fn pre_unpatch(obj: Option<&CStr>) {
        pr_info!("pre_unpatch_callback: {}\n", cb_name(obj));
        restore_console_loglevel();
    }
    fn post_unpatch(obj: Option<&CStr>) {
        pr_info!("post_unpatch_callback: {}\n", cb_name(obj));
        free_loglevel_state();
    }
}

/// The patch: atomic replace, vmlinux callbacks only, one state.
static PATCH: KlpPatch = KlpPatch::new(&[KlpObject::vmlinux(&[]).callbacks::<LoglevelCallbacks>()])
    .replace()
    .states(&[KlpState::new(
        CONSOLE_LOGLEVEL_STATE,
        CONSOLE_LOGLEVEL_STATE_VERSION,
    )]);

fn enable_state_patch(module: &'static ThisModule) -> Result {
    PATCH.enable(module)
}
