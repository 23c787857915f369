// SPDX-License-Identifier: GPL-2.0

//! The rules a patch descriptor must follow, without the kernel (pure:
//! `core` only; also compiled into the host unit tests, tools/unit). The
//! callers (patch/mod.rs, rust/patch_desc.rs) print the messages.

/// Longest symbol name (KSYM_NAME_LEN in include/linux/kallsyms.h).
pub(crate) const KSYM_NAME_LEN: usize = 512;
/// Longest module name (MODULE_NAME_LEN for 64-bit).
pub(crate) const MODULE_NAME_LEN: usize = 56;

/// Where the first NUL of a string is, if among its first `max` bytes
/// (`byte(i)` reads byte `i`; never called past the NUL or `max`): the
/// string is then at most `max - 1` characters long.
pub(crate) fn nul_within(mut byte: impl FnMut(usize) -> u8, max: usize) -> Option<usize> {
    (0..max).find(|&i| byte(i) == 0)
}

/// Whether a descriptor's counts are within rklp's caps.
pub(crate) fn counts_within(
    nr_objs: usize,
    nr_states: usize,
    max_objs: usize,
    max_states: usize,
) -> bool {
    nr_objs <= max_objs && nr_states <= max_states
}

/// The bits of `flags` not in `known`.
pub(crate) fn unknown_flags(flags: u32, known: u32) -> u32 {
    flags & !known
}

/// Why a name cannot name a module object or a symbol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameError {
    /// Empty.
    Empty,
    /// Too long: its length in bytes (the limit is the caller's).
    TooLong(usize),
    /// "vmlinux", which the object with no name stands for.
    Vmlinux,
    /// "." or "..": a directory of their own in sysfs.
    Dot,
    /// Contains a '/', a path separator in sysfs.
    Slash,
    /// Contains a control character (a newline would forge lines in sysfs
    /// listings and in the log).
    Control,
}

/// The first rule `name` breaks as a name in rklp's sysfs tree (a module
/// object's `<patch>/<object>/` or a function's `<object>/<func,pos>/`),
/// `max` bytes with the NUL the longest allowed.
fn sysfs_name_error(name: &[u8], max: usize) -> Option<NameError> {
    if name.is_empty() {
        Some(NameError::Empty)
    } else if name.len() >= max {
        Some(NameError::TooLong(name.len()))
    } else if name == b"." || name == b".." {
        Some(NameError::Dot)
    } else if name.contains(&b'/') {
        Some(NameError::Slash)
    } else if name.iter().any(|&c| c < 0x20 || c == 0x7f) {
        Some(NameError::Control)
    } else {
        None
    }
}

/// Why `name` cannot name a module object, if it cannot: a module name
/// (not empty, shorter than `MODULE_NAME_LEN`, not "." or "..", no '/' or
/// control character: it names a sysfs directory) and not "vmlinux"
/// (which the object with no name stands for).
pub(crate) fn object_name_error(name: &[u8]) -> Option<NameError> {
    if name == b"vmlinux" {
        return Some(NameError::Vmlinux);
    }
    sysfs_name_error(name, MODULE_NAME_LEN)
}

/// Why `name` cannot name a function or a symbol, if it cannot: not empty,
/// shorter than `KSYM_NAME_LEN`, not "." or "..", no '/' or control
/// character (a function's name names a sysfs directory; no symbol has
/// them).
pub(crate) fn symbol_name_error(name: &[u8]) -> Option<NameError> {
    sysfs_name_error(name, KSYM_NAME_LEN)
}

/// Whether `(name, sympos)` and `(other, other_pos)` name the same function
/// of an object: sympos 0 (unique) is the first occurrence, as 1.
pub(crate) fn same_function(name: &[u8], sympos: usize, other: &[u8], other_pos: usize) -> bool {
    name == other && sympos.max(1) == other_pos.max(1)
}

/// An object of a patch, as the shape rules see it.
pub(crate) trait ObjectShape {
    /// Its name ("vmlinux" for vmlinux).
    fn name(&self) -> &[u8];
    /// Whether it has any callback.
    fn has_callbacks(&self) -> bool;
    /// Number of functions.
    fn nr_funcs(&self) -> usize;
    /// Function `j`'s name and sympos.
    fn func(&self, j: usize) -> (&[u8], usize);
}

/// The first shape rule a patch breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShapeError {
    /// No objects.
    NoObjects,
    /// Object `.0` has neither functions nor callbacks.
    NoFunctions(usize),
    /// Object `.0` has the name of an earlier one.
    ObjectTwice(usize),
    /// Function `.1` of object `.0` is an earlier one of the object.
    FunctionTwice(usize, usize),
}

/// Structural rules: at least one object, every object has functions (or
/// callbacks), no object twice, no function (name, sympos) twice in one
/// object. Checked object by object, in that order.
///
/// `scratch` holds at least as many entries as the largest object has
/// functions: they are sorted by (name, position) there, so a patch of N
/// functions costs N log N comparisons, not N^2 (a cumulative patch has
/// thousands).
pub(crate) fn check_shape<O: ObjectShape>(
    objs: &[O],
    scratch: &mut [usize],
) -> Result<(), ShapeError> {
    if objs.is_empty() {
        return Err(ShapeError::NoObjects);
    }
    for (i, o) in objs.iter().enumerate() {
        if o.nr_funcs() == 0 && !o.has_callbacks() {
            return Err(ShapeError::NoFunctions(i));
        }
        if objs.iter().take(i).any(|p| p.name() == o.name()) {
            return Err(ShapeError::ObjectTwice(i));
        }
        if let Some(j) = first_function_twice(o, scratch) {
            return Err(ShapeError::FunctionTwice(i, j));
        }
    }
    Ok(())
}

/// The first function of `o` that is an earlier one (same name, same
/// position counting 0 as 1): sorted by (name, position, index), each
/// function after the first of its run repeats an earlier one.
fn first_function_twice<O: ObjectShape>(o: &O, scratch: &mut [usize]) -> Option<usize> {
    let n = o.nr_funcs();
    let idx = &mut scratch[..n];
    for (k, slot) in idx.iter_mut().enumerate() {
        *slot = k;
    }
    let key = |k: usize| {
        let (name, pos) = o.func(k);
        (name, pos.max(1), k)
    };
    idx.sort_unstable_by(|&a, &b| key(a).cmp(&key(b)));
    idx.windows(2)
        .filter(|w| {
            let ((a, pa), (b, pb)) = (o.func(w[0]), o.func(w[1]));
            same_function(a, pa, b, pb)
        })
        .map(|w| w[1])
        .min()
}

/// The first function (object, function index) whose location `loc` (0:
/// unresolved, ignored) an earlier function of the patch has too: two
/// names or positions resolving to one function.
///
/// `scratch` holds at least as many entries as the patch has functions:
/// sorted by (location, object, function) there, each entry after the first
/// of its run repeats an earlier location (N log N, not N^2).
pub(crate) fn first_duplicate_location<O>(
    objs: &[O],
    nr_funcs: impl Fn(&O) -> usize,
    loc: impl Fn(&O, usize) -> usize,
    scratch: &mut [(usize, usize, usize)],
) -> Option<(usize, usize)> {
    let mut n = 0;
    for (i, o) in objs.iter().enumerate() {
        for j in 0..nr_funcs(o) {
            let l = loc(o, j);
            if l != 0 {
                scratch[n] = (l, i, j);
                n += 1;
            }
        }
    }
    let s = &mut scratch[..n];
    s.sort_unstable();
    s.windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| (w[1].1, w[1].2))
        .min()
}
