// SPDX-License-Identifier: GPL-2.0

//! Symbol resolution: the one place that reaches unexported kernel symbols.
//!
//! `kallsyms_lookup_name` has not been exported since v5.7. rklp finds its
//! address once, at load, by placing (and removing) a kprobe on it: the
//! kprobe core resolves `symbol_name` for us and reports `addr`. Every other
//! unexported helper rklp needs is then looked up by name through it:
//! `kallsyms_on_each_match_symbol`, `module_kallsyms_on_each_symbol`,
//! `kallsyms_lookup_size_offset`, `ftrace_location_range`, `find_module`,
//! `__module_text_address` and `__module_address`.
//! If any of this fails (no CONFIG_KPROBES, symbol renamed), rklp refuses
//! to load with a message naming the symbol.

use super::bindings as b;
#[allow(unused_imports)]
use crate::compat::CStrToBytes as _;
use core::ffi::c_void;
use kernel::c_str;
use kernel::ffi::{c_char, c_int, c_ulong};
use kernel::prelude::*;
use kernel::str::{CStr, CString};

/// `MODULE_NAME_LEN` on 64-bit: a module name with its NUL.
const MODULE_NAME_LEN: usize = 56;

type LookupName = unsafe extern "C" fn(*const c_char) -> c_ulong;
type MatchFn = unsafe extern "C" fn(*mut c_void, c_ulong) -> c_int;
type OnEachMatch = unsafe extern "C" fn(Option<MatchFn>, *const c_char, *mut c_void) -> c_int;
type SymFn = unsafe extern "C" fn(*mut c_void, *const c_char, c_ulong) -> c_int;
type ModOnEach = unsafe extern "C" fn(*const c_char, Option<SymFn>, *mut c_void) -> c_int;
type SizeOffset = unsafe extern "C" fn(c_ulong, *mut c_ulong, *mut c_ulong) -> c_int;
type FtraceLocationRange = unsafe extern "C" fn(c_ulong, c_ulong) -> c_ulong;
type FindModule = unsafe extern "C" fn(*const c_char) -> *mut b::module;
type ModuleTextAddress = unsafe extern "C" fn(c_ulong) -> *mut b::module;
type ModuleAddress = unsafe extern "C" fn(c_ulong) -> *mut b::module;

/// The kernel's symbol-table helpers, resolved at load.
///
/// # Invariants
///
/// Every field points to the kernel function of that name and type.
#[derive(Clone, Copy)]
pub(crate) struct Kallsyms {
    lookup: LookupName,
    on_each_match: OnEachMatch,
    mod_on_each: ModOnEach,
    size_offset: SizeOffset,
    ftrace_location_range: FtraceLocationRange,
    find_module: FindModule,
    module_text_address: ModuleTextAddress,
    module_address: ModuleAddress,
}

/// The sorted symbol addresses of one module and its core text, to answer
/// `kallsyms_lookup_size_offset()` for addresses of that text as it does
/// (find_kallsyms_symbol(): the closest symbol at or before the address,
/// up to the next symbol or the end of the text), without a scan each.
pub(crate) struct ModuleSyms {
    values: KVec<usize>,
    start: usize,
    end: usize,
}

impl ModuleSyms {
    /// Size of the symbol containing `addr` and the offset of `addr` in it,
    /// if `addr` is in the module's core text and a symbol holds it.
    pub(crate) fn size_offset(&self, addr: usize) -> Option<(usize, usize)> {
        if addr < self.start || addr >= self.end {
            return None;
        }
        let v = self.values.as_slice();
        let after = v.partition_point(|&a| a <= addr);
        let best = *v[..after].last()?;
        if best < self.start {
            return None;
        }
        let next = v.get(after).map_or(self.end, |&n| n.min(self.end));
        Some((next - best, addr - best))
    }
}

/// Outcome of looking a function up by name and position.
#[derive(Clone, Copy)]
pub(crate) enum Lookup {
    /// Found: its address.
    Found(usize),
    /// No symbol of that name in the object.
    NotFound,
    /// Several, and no position was given: how many.
    Ambiguous(usize),
    /// Fewer occurrences than the position asked for.
    NoSuchPos,
}

/// Address of `kallsyms_lookup_name`, found through a temporary kprobe.
fn find_kallsyms_lookup_name() -> Result<usize> {
    // SAFETY: all-zero is a valid unregistered `struct kprobe`.
    let mut kp: b::kprobe = unsafe { core::mem::zeroed() };
    kp.symbol_name = c_str!("kallsyms_lookup_name").as_char_ptr();
    // SAFETY: `kp` is a valid kprobe and lives until unregistered below.
    let ret = unsafe { b::register_kprobe(&mut kp) };
    if ret < 0 {
        pr_err!(
            "cannot resolve kallsyms_lookup_name: register_kprobe failed ({})\n",
            ret
        );
        return Err(Error::from_errno(ret));
    }
    let mut addr = kp.addr as usize;
    // SAFETY: `kp` was registered above.
    unsafe { b::unregister_kprobe(&mut kp) };
    // With IBT the kprobe sits after the ENDBR64; an indirect call must
    // target the ENDBR itself.
    #[cfg(CONFIG_X86_KERNEL_IBT)]
    {
        // SAFETY: `addr - 4` is inside kernel text preceding a function start.
        let prev = unsafe { core::ptr::read_unaligned((addr - 4) as *const u32) };
        if prev == 0xfa1e0ff3 {
            addr -= 4;
        }
    }
    Ok(addr)
}

impl Kallsyms {
    /// Resolves every helper, or fails with a message naming the one missing.
    pub(crate) fn resolve() -> Result<Self> {
        let lookup_addr = find_kallsyms_lookup_name()?;
        // SAFETY: `lookup_addr` is the address of kallsyms_lookup_name,
        // whose C type is `LookupName`.
        let lookup: LookupName = unsafe { core::mem::transmute(lookup_addr) };
        let get = |name: &CStr| -> Result<usize> {
            // SAFETY: `name` is NUL-terminated; lookup is the real function.
            let a = unsafe { lookup(name.as_char_ptr()) } as usize;
            if a == 0 {
                pr_err!("cannot resolve kernel symbol '{}'\n", name);
                return Err(ENOENT);
            }
            Ok(a)
        };
        let a_match = get(c_str!("kallsyms_on_each_match_symbol"))?;
        let a_mod = get(c_str!("module_kallsyms_on_each_symbol"))?;
        let a_size = get(c_str!("kallsyms_lookup_size_offset"))?;
        let a_range = get(c_str!("ftrace_location_range"))?;
        let a_find = get(c_str!("find_module"))?;
        let a_text = get(c_str!("__module_text_address"))?;
        let a_addr = get(c_str!("__module_address"))?;
        // SAFETY: each address is that of the kernel function whose C type
        // the corresponding alias spells out (include/linux/kallsyms.h,
        // module.h, ftrace.h of 6.12); this satisfies the type invariant.
        unsafe {
            Ok(Self {
                lookup,
                on_each_match: core::mem::transmute::<usize, OnEachMatch>(a_match),
                mod_on_each: core::mem::transmute::<usize, ModOnEach>(a_mod),
                size_offset: core::mem::transmute::<usize, SizeOffset>(a_size),
                ftrace_location_range: core::mem::transmute::<usize, FtraceLocationRange>(a_range),
                find_module: core::mem::transmute::<usize, FindModule>(a_find),
                module_text_address: core::mem::transmute::<usize, ModuleTextAddress>(a_text),
                module_address: core::mem::transmute::<usize, ModuleAddress>(a_addr),
            })
        }
    }

    /// Address of kernel symbol `name`, if kallsyms has it.
    fn find(&self, name: &CStr) -> Option<usize> {
        // SAFETY: type invariant; `name` is NUL-terminated.
        let a = unsafe { (self.lookup)(name.as_char_ptr()) } as usize;
        (a != 0).then_some(a)
    }

    /// Address of kernel symbol `name`, `None` (and no message) if kallsyms
    /// has no such symbol: for symbols that only some kernels have.
    pub(crate) fn addr_if_any(&self, name: &CStr) -> Option<usize> {
        self.find(name)
    }

    /// The object that has a symbol `name`, if any does: `None` if none,
    /// `Some(None)` for vmlinux, `Some(Some(module name))` for a module (the
    /// first kallsyms finds). For messages: where a symbol a patch looked
    /// for in another object is.
    pub(crate) fn owner_of(&self, name: &CStr) -> Option<Option<CString>> {
        let addr = self.find(name)?;
        let mut buf = [0u8; MODULE_NAME_LEN];
        // SAFETY: type invariant; the helper disables preemption around
        // __module_address() and copies at most `buf.len()` bytes, NUL
        // included, into `buf`.
        let in_module = unsafe {
            b::rklp_module_name_at(
                Some(self.module_address),
                addr as c_ulong,
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        if !in_module {
            return Some(None);
        }
        let n = CStr::from_bytes_with_nul(&buf[..=buf.iter().position(|&c| c == 0)?]).ok()?;
        CString::try_from(n).ok().map(Some)
    }

    /// Address of kernel symbol `name` (for helpers that are not exported).
    pub(crate) fn addr_of(&self, name: &CStr) -> Result<usize> {
        self.find(name).ok_or_else(|| {
            pr_err!("cannot resolve kernel symbol '{}'\n", name);
            ENOENT
        })
    }

    /// Finds function `name` in vmlinux (`module == None`) or in a loaded
    /// module, honouring `sympos` (0: must be unique; n: the n-th one).
    pub(crate) fn lookup(&self, module: Option<&CStr>, name: &CStr, sympos: usize) -> Lookup {
        struct Search<'a> {
            name: &'a [u8],
            sympos: usize,
            count: usize,
            addr: usize,
        }
        unsafe extern "C" fn on_match(data: *mut c_void, addr: c_ulong) -> c_int {
            // SAFETY: `data` is the `Search` passed below, alive for the walk.
            let s = unsafe { &mut *data.cast::<Search<'_>>() };
            s.count += 1;
            if s.sympos == 0 && s.count == 1 || s.count == s.sympos {
                s.addr = addr as usize;
            }
            // Keep counting when uniqueness must be proven; stop at sympos.
            (s.sympos != 0 && s.count == s.sympos) as c_int
        }
        unsafe extern "C" fn on_sym(
            data: *mut c_void,
            name: *const c_char,
            addr: c_ulong,
        ) -> c_int {
            // SAFETY: kallsyms passes a NUL-terminated symbol name.
            let sym = unsafe { CStr::from_char_ptr(name) };
            // SAFETY: as in `on_match`.
            let s = unsafe { &*data.cast::<Search<'_>>() };
            if sym.to_bytes() != s.name {
                return 0;
            }
            // SAFETY: same pointer, the walk is single-threaded.
            unsafe { on_match(data, addr) }
        }
        let mut s = Search {
            name: name.to_bytes(),
            sympos,
            count: 0,
            addr: 0,
        };
        let data = (&mut s as *mut Search<'_>).cast::<c_void>();
        // SAFETY: type invariant; callbacks match the C prototypes; `data`
        // outlives the synchronous walk; the strings are NUL-terminated.
        unsafe {
            match module {
                None => (self.on_each_match)(Some(on_match), name.as_char_ptr(), data),
                Some(m) => (self.mod_on_each)(m.as_char_ptr(), Some(on_sym), data),
            };
        }
        if s.count == 0 {
            Lookup::NotFound
        } else if sympos == 0 && s.count > 1 {
            Lookup::Ambiguous(s.count)
        } else if s.addr == 0 {
            Lookup::NoSuchPos
        } else {
            Lookup::Found(s.addr)
        }
    }

    /// [`lookup`](Self::lookup) of every `(name, sympos)` of `wanted` in
    /// module `module`, with one walk of its symbols instead of one per
    /// function (a patch of N functions of a module of S symbols: N log N
    /// + S log N string comparisons instead of N * S). Results in the order
    /// of `wanted`.
    pub(crate) fn lookup_in_module(
        &self,
        module: &CStr,
        wanted: &[(&CStr, usize)],
    ) -> Result<KVec<Lookup>> {
        struct Walk<'a> {
            wanted: &'a [(&'a CStr, usize)],
            /// Indices of `wanted`, sorted by name.
            order: KVec<usize>,
            count: KVec<usize>,
            addr: KVec<usize>,
        }
        unsafe extern "C" fn on_sym(
            data: *mut c_void,
            name: *const c_char,
            addr: c_ulong,
        ) -> c_int {
            // SAFETY: kallsyms passes a NUL-terminated symbol name.
            let sym = unsafe { CStr::from_char_ptr(name) }.to_bytes();
            // SAFETY: `data` is the `Walk` below, alive for the synchronous,
            // single-threaded walk.
            let w = unsafe { &mut *data.cast::<Walk<'_>>() };
            let name_of = |i: usize| w.wanted[i].0.to_bytes();
            // The first wanted entry with this name, then its equals (one
            // name may be wanted at several positions).
            let mut k = w.order.as_slice().partition_point(|&i| name_of(i) < sym);
            while k < w.order.len() && name_of(w.order[k]) == sym {
                let i = w.order[k];
                let sympos = w.wanted[i].1;
                w.count[i] += 1;
                if sympos == 0 && w.count[i] == 1 || w.count[i] == sympos {
                    w.addr[i] = addr as usize;
                }
                k += 1;
            }
            0
        }
        let n = wanted.len();
        let mut order = KVec::with_capacity(n, GFP_KERNEL)?;
        for i in 0..n {
            order.push(i, GFP_KERNEL)?;
        }
        order
            .as_mut_slice()
            .sort_unstable_by(|&a, &b| wanted[a].0.to_bytes().cmp(wanted[b].0.to_bytes()));
        let mut w = Walk {
            wanted,
            order,
            count: KVec::from_elem(0usize, n, GFP_KERNEL)?,
            addr: KVec::from_elem(0usize, n, GFP_KERNEL)?,
        };
        let data = (&mut w as *mut Walk<'_>).cast::<c_void>();
        // SAFETY: type invariant; the callback matches the C prototype;
        // `data` outlives the synchronous walk; the name is NUL-terminated.
        unsafe { (self.mod_on_each)(module.as_char_ptr(), Some(on_sym), data) };
        let mut out = KVec::with_capacity(n, GFP_KERNEL)?;
        for (i, &(_, sympos)) in wanted.iter().enumerate() {
            let (count, addr) = (w.count[i], w.addr[i]);
            let l = if count == 0 {
                Lookup::NotFound
            } else if sympos == 0 && count > 1 {
                Lookup::Ambiguous(count)
            } else if addr == 0 {
                Lookup::NoSuchPos
            } else {
                Lookup::Found(addr)
            };
            out.push(l, GFP_KERNEL)?;
        }
        Ok(out)
    }

    /// The symbols of the module whose core text holds `text_addr` (named
    /// `module`), for [`ModuleSyms::size_offset`]: one walk instead of the
    /// scan of every symbol of the module that each
    /// `kallsyms_lookup_size_offset()` of a module address does. The module
    /// must stay loaded meanwhile (callers hold rklp's core mutex, which its
    /// going notifier takes, or a reference).
    pub(crate) fn module_syms(&self, module: &CStr, text: (usize, usize)) -> Result<ModuleSyms> {
        unsafe extern "C" fn on_sym(
            data: *mut c_void,
            name: *const c_char,
            addr: c_ulong,
        ) -> c_int {
            // SAFETY: kallsyms passes a NUL-terminated symbol name.
            let n = unsafe { CStr::from_char_ptr(name) }.to_bytes();
            // As find_kallsyms_symbol(): no unnamed or mapping symbols
            // (is_mapping_symbol()).
            if n.is_empty() || n.starts_with(b".L") || n.starts_with(b"L0") || n[0] == b'$' {
                return 0;
            }
            // SAFETY: `data` is the vector below, alive for the synchronous walk.
            let v = unsafe { &mut *data.cast::<KVec<usize>>() };
            // Out of memory: stop (the caller sees the error below).
            if v.push(addr as usize, GFP_KERNEL).is_err() {
                return 1;
            }
            0
        }
        let (start, end) = text;
        let mut values: KVec<usize> = KVec::new();
        let data = (&mut values as *mut KVec<usize>).cast::<c_void>();
        // SAFETY: type invariant; the callback matches the C prototype;
        // `data` outlives the synchronous walk; the name is NUL-terminated.
        let stopped = unsafe { (self.mod_on_each)(module.as_char_ptr(), Some(on_sym), data) };
        if stopped != 0 {
            return Err(ENOMEM);
        }
        values.as_mut_slice().sort_unstable();
        Ok(ModuleSyms { values, start, end })
    }

    /// The core text of the module whose text holds `addr`, if any.
    pub(crate) fn module_text_range(&self, addr: usize) -> Option<(usize, usize)> {
        let (mut start, mut end) = (0, 0);
        // SAFETY: type invariant; out-pointers are valid locals; the helper
        // disables preemption around __module_text_address().
        let found = unsafe {
            b::rklp_module_text_range(
                Some(self.module_text_address),
                addr as c_ulong,
                &mut start,
                &mut end,
            )
        };
        found.then_some((start as usize, end as usize))
    }

    /// Size of the symbol containing `addr`, if it is in kallsyms.
    pub(crate) fn symbol_size(&self, addr: usize) -> Option<usize> {
        self.symbol_size_offset(addr).map(|(size, _)| size)
    }

    /// Size of the symbol containing `addr` and the offset of `addr` in it,
    /// if it is in kallsyms.
    pub(crate) fn symbol_size_offset(&self, addr: usize) -> Option<(usize, usize)> {
        let (mut size, mut off) = (0, 0);
        // SAFETY: type invariant; out-pointers are valid locals.
        let ok = unsafe { (self.size_offset)(addr as c_ulong, &mut size, &mut off) };
        (ok != 0).then_some((size as usize, off as usize))
    }

    /// The module whose text (core or init) contains `addr`, as an identity
    /// (its `struct module`'s address; 0 if none). Only compared, never
    /// dereferenced: the module may go away once this returns.
    pub(crate) fn module_of_text(&self, addr: usize) -> usize {
        // SAFETY: type invariant; the helper disables preemption around
        // __module_text_address(), which only reads the module list.
        unsafe { b::rklp_module_of_text(Some(self.module_text_address), addr as c_ulong) as usize }
    }

    /// Address of the ftrace call site in the function at `addr` of `size`
    /// bytes, if any: what `ftrace_location(addr)` finds for a function's
    /// start, without its size lookup (a scan of every symbol of a module).
    pub(crate) fn ftrace_location_in(&self, addr: usize, size: usize) -> Option<usize> {
        if size == 0 {
            return None;
        }
        // SAFETY: type invariant; ftrace_location_range only reads ftrace
        // records.
        let loc =
            unsafe { (self.ftrace_location_range)(addr as c_ulong, (addr + size - 1) as c_ulong) }
                as usize;
        (loc != 0).then_some(loc)
    }

    /// The `kernel.ftrace_enabled` sysctl (`None` if the kernel has none).
    /// Only used to explain an `-EBUSY` from ftrace.
    pub(crate) fn ftrace_enabled(&self) -> Option<bool> {
        let a = self.find(c_str!("ftrace_enabled"))?;
        // SAFETY: `ftrace_enabled` is a vmlinux `int` (include/linux/ftrace.h:
        // `extern int ftrace_enabled`), always mapped and suitably aligned;
        // a racy read is fine for a diagnostic.
        let v = unsafe { core::ptr::read_volatile(a as *const c_int) };
        Some(v != 0)
    }

    /// The address of the `struct module` of the loaded module `name`
    /// (0 if none), for the C ABI's `rklp_loaded_module()`: the caller
    /// must make sure the module stays loaded while it uses it.
    pub(crate) fn module_by_name(&self, name: &CStr) -> usize {
        // SAFETY: type invariant; the helper disables preemption around
        // find_module(), which only reads the module list.
        unsafe { b::rklp_module_by_name(Some(self.find_module), name.as_char_ptr()) as usize }
    }

    /// `MODULE_STATE_*` of the module called `name`, or `None` if not loaded.
    pub(crate) fn module_state(&self, name: &CStr) -> Option<u32> {
        // SAFETY: type invariant; the helper disables preemption around
        // find_module() and only reads the state.
        let st =
            unsafe { b::rklp_module_state_by_name(Some(self.find_module), name.as_char_ptr()) };
        u32::try_from(st).ok()
    }
}
