// SPDX-License-Identifier: GPL-2.0

//! A patch descriptor's rules (src/patch/validate.rs), as test-refusals.sh
//! and test-livepatch.sh check them through the kernel (bad patches are
//! refused with -EINVAL; old_sympos; atomic replace's no-ops).

use crate::validate::{
    check_shape, counts_within, first_duplicate_location, nul_within, object_name_error,
    same_function, symbol_name_error, unknown_flags, NameError, ObjectShape, ShapeError,
    KSYM_NAME_LEN, MODULE_NAME_LEN,
};
use proptest::prelude::*;

fn valid_object_name(name: &[u8]) -> bool {
    object_name_error(name).is_none()
}

fn valid_function_name(name: &[u8]) -> bool {
    symbol_name_error(name).is_none()
}

#[derive(Clone, Debug)]
struct Obj {
    name: Vec<u8>,
    callbacks: bool,
    funcs: Vec<(Vec<u8>, usize)>,
}

impl ObjectShape for Obj {
    fn name(&self) -> &[u8] {
        &self.name
    }
    fn has_callbacks(&self) -> bool {
        self.callbacks
    }
    fn nr_funcs(&self) -> usize {
        self.funcs.len()
    }
    fn func(&self, j: usize) -> (&[u8], usize) {
        (&self.funcs[j].0, self.funcs[j].1)
    }
}

fn obj(name: &str, funcs: &[(&str, usize)]) -> Obj {
    Obj {
        name: name.into(),
        callbacks: false,
        funcs: funcs.iter().map(|&(f, p)| (f.into(), p)).collect(),
    }
}

#[test]
fn a_good_patch_passes() {
    let objs = [
        obj(
            "vmlinux",
            &[("cmdline_proc_show", 0), ("version_proc_show", 0)],
        ),
        obj("rklp_test_mod", &[("dup", 1), ("dup", 2)]),
    ];
    assert_eq!(check_shape(&objs, &mut scratch(&objs)), Ok(()));
}

#[test]
fn a_patch_without_objects_is_refused() {
    assert_eq!(check_shape::<Obj>(&[], &mut []), Err(ShapeError::NoObjects));
}

#[test]
fn an_object_without_functions_needs_callbacks() {
    let mut o = obj("vmlinux", &[]);
    assert_eq!(
        check_shape(&[o.clone()], &mut scratch(&[o.clone()])),
        Err(ShapeError::NoFunctions(0))
    );
    o.callbacks = true;
    assert_eq!(check_shape(&[o.clone()], &mut scratch(&[o])), Ok(()));
}

#[test]
fn an_object_listed_twice_is_refused() {
    let objs = [
        obj("m", &[("f", 0)]),
        obj("vmlinux", &[("g", 0)]),
        obj("m", &[("h", 0)]),
    ];
    assert_eq!(
        check_shape(&objs, &mut scratch(&objs)),
        Err(ShapeError::ObjectTwice(2))
    );
}

#[test]
fn the_same_function_twice_in_one_object_is_refused() {
    // test_rklp_bad_dup: version_proc_show twice in vmlinux.
    let objs = [obj(
        "vmlinux",
        &[("version_proc_show", 0), ("version_proc_show", 0)],
    )];
    assert_eq!(
        check_shape(&objs, &mut scratch(&objs)),
        Err(ShapeError::FunctionTwice(0, 1))
    );
    // sympos 0 (unique) is position 1.
    let objs = [obj("vmlinux", &[("f", 1), ("g", 0), ("f", 0)])];
    assert_eq!(
        check_shape(&objs, &mut scratch(&objs)),
        Err(ShapeError::FunctionTwice(0, 2))
    );
}

#[test]
fn the_same_name_in_two_objects_or_positions_is_allowed() {
    let objs = [obj("a", &[("f", 0)]), obj("b", &[("f", 0)])];
    assert_eq!(check_shape(&objs, &mut scratch(&objs)), Ok(()));
    let objs = [obj("a", &[("f", 1), ("f", 2)])];
    assert_eq!(check_shape(&objs, &mut scratch(&objs)), Ok(()));
}

#[test]
fn rules_are_checked_object_by_object() {
    // Object 0's duplicate function comes before object 1's emptiness.
    let objs = [obj("a", &[("f", 0), ("f", 0)]), obj("b", &[])];
    assert_eq!(
        check_shape(&objs, &mut scratch(&objs)),
        Err(ShapeError::FunctionTwice(0, 1))
    );
}

#[test]
fn object_names() {
    assert!(valid_object_name(b"rklp_test_mod"));
    assert!(!valid_object_name(b""));
    assert!(!valid_object_name(b"vmlinux"));
    assert!(valid_object_name(&[b'm'; MODULE_NAME_LEN - 1]));
    assert!(!valid_object_name(&[b'm'; MODULE_NAME_LEN]));
    assert_eq!(object_name_error(b"."), Some(NameError::Dot));
    assert_eq!(object_name_error(b".."), Some(NameError::Dot));
    assert!(valid_object_name(b"..."));
    assert!(valid_object_name(b".m"));
    assert_eq!(object_name_error(b"a/b"), Some(NameError::Slash));
    assert_eq!(object_name_error(b"/"), Some(NameError::Slash));
    assert_eq!(object_name_error(b"m\n1 sshd"), Some(NameError::Control));
    assert_eq!(object_name_error(b"m\x1b[2J"), Some(NameError::Control));
    assert_eq!(object_name_error(b"m\x7f"), Some(NameError::Control));
    assert_eq!(object_name_error(b"vmlinux"), Some(NameError::Vmlinux));
    assert_eq!(
        object_name_error(&[b'm'; MODULE_NAME_LEN]),
        Some(NameError::TooLong(MODULE_NAME_LEN))
    );
}

#[test]
fn function_names() {
    assert!(valid_function_name(b"version_proc_show"));
    assert!(!valid_function_name(b""));
    assert!(valid_function_name(&[b'f'; KSYM_NAME_LEN - 1]));
    assert!(!valid_function_name(&[b'f'; KSYM_NAME_LEN]));
    assert!(valid_function_name(b"foo.constprop.0"));
    assert_eq!(symbol_name_error(b"a/b"), Some(NameError::Slash));
    assert_eq!(symbol_name_error(b"f\n"), Some(NameError::Control));
    assert_eq!(symbol_name_error(b".."), Some(NameError::Dot));
}

#[test]
fn unknown_flags_are_found() {
    assert_eq!(unknown_flags(0b11, 0b11), 0);
    assert_eq!(unknown_flags(0b101, 0b11), 0b100);
}

#[test]
fn counts_are_capped() {
    assert!(counts_within(1024, 1024, 1024, 1024));
    assert!(!counts_within(1025, 0, 1024, 1024));
    assert!(!counts_within(0, 1025, 1024, 1024));
    // A garbage count is refused, not followed.
    assert!(!counts_within(usize::MAX, 0, 1024, 1024));
}

#[test]
fn names_must_end_within_the_bound_and_are_read_no_further() {
    let name = b"version_proc_show\0garbage";
    let mut read = 0;
    let at = nul_within(
        |i| {
            read = read.max(i + 1);
            name[i]
        },
        KSYM_NAME_LEN,
    );
    assert_eq!(at, Some(17));
    assert_eq!(read, 18);
    // Unterminated within the bound: refused after reading `max` bytes.
    let long = [b'x'; 64];
    let mut read = 0;
    assert_eq!(
        nul_within(
            |i| {
                read += 1;
                long[i]
            },
            56
        ),
        None
    );
    assert_eq!(read, 56);
    assert_eq!(nul_within(|_| 0, 0), None);
}

#[test]
fn same_function_treats_sympos_0_as_1() {
    assert!(same_function(b"f", 0, b"f", 1));
    assert!(same_function(b"f", 2, b"f", 2));
    assert!(!same_function(b"f", 0, b"f", 2));
    assert!(!same_function(b"f", 1, b"g", 1));
}

#[test]
fn two_names_resolving_to_one_location_are_found() {
    let objs: [&[usize]; 2] = [&[0x100, 0x200], &[0, 0x300, 0x100]];
    assert_eq!(
        first_duplicate_location(&objs, |o| o.len(), |o, j| o[j], &mut locs(&objs)),
        Some((1, 2))
    );
    // Unresolved (0) functions never count.
    let objs: [&[usize]; 2] = [&[0, 0x200], &[0]];
    assert_eq!(
        first_duplicate_location(&objs, |o| o.len(), |o, j| o[j], &mut locs(&objs)),
        None
    );
}

fn shape() -> impl Strategy<Value = Vec<Obj>> {
    let func = ("[fg]", 0usize..3).prop_map(|(n, p)| (n.into_bytes(), p));
    let o = ("[ab]", any::<bool>(), proptest::collection::vec(func, 0..4)).prop_map(
        |(name, callbacks, funcs)| Obj {
            name: name.into_bytes(),
            callbacks,
            funcs,
        },
    );
    proptest::collection::vec(o, 0..4)
}

/// Scratch for check_shape: as many entries as the largest object has
/// functions.
fn scratch(objs: &[Obj]) -> Vec<usize> {
    vec![0; objs.iter().map(|o| o.funcs.len()).max().unwrap_or(0)]
}

/// Scratch for first_duplicate_location: one entry per function.
fn locs<O: AsRef<[usize]>>(objs: &[O]) -> Vec<(usize, usize, usize)> {
    vec![(0, 0, 0); objs.iter().map(|o| o.as_ref().len()).sum()]
}

proptest! {
    /// check_shape accepts exactly the patches with objects, each with
    /// functions or callbacks, distinct object names and, per object,
    /// distinct (name, max(sympos, 1)) functions.
    #[test]
    fn check_shape_is_its_definition(objs in shape()) {
        let mut names = std::collections::HashSet::new();
        let ok = !objs.is_empty()
            && objs.iter().all(|o| {
                let mut funcs = std::collections::HashSet::new();
                (!o.funcs.is_empty() || o.callbacks)
                    && names.insert(o.name.clone())
                    && o.funcs.iter().all(|(n, p)| funcs.insert((n.clone(), (*p).max(1))))
            });
        prop_assert_eq!(check_shape(&objs, &mut scratch(&objs)).is_ok(), ok);
    }

    /// The repeated function reported is the first one, in order (the
    /// sorted search must agree with the definition).
    #[test]
    fn check_shape_reports_the_first_repeat(funcs in proptest::collection::vec(
        (proptest::sample::select(vec![b"f".to_vec(), b"g".to_vec(), b"h".to_vec()]), 0usize..3),
        1..12)) {
        let o = Obj { name: b"vmlinux".to_vec(), callbacks: false, funcs: funcs.clone() };
        let first = (0..funcs.len()).find(|&j| (0..j).any(|k| {
            funcs[k].0 == funcs[j].0 && funcs[k].1.max(1) == funcs[j].1.max(1)
        }));
        let expect = match first {
            Some(j) => Err(ShapeError::FunctionTwice(0, j)),
            None => Ok(()),
        };
        prop_assert_eq!(check_shape(&[o.clone()], &mut scratch(&[o])), expect);
    }

    /// The duplicate found is a real one, and the first; none is missed.
    #[test]
    fn duplicate_locations(objs in proptest::collection::vec(
        proptest::collection::vec(0usize..6, 0..4), 0..4)) {
        let flat: Vec<((usize, usize), usize)> = objs.iter().enumerate()
            .flat_map(|(i, o)| o.iter().enumerate().map(move |(j, &l)| ((i, j), l)))
            .collect();
        let expect = flat.iter().enumerate().find(|(k, (_, l))| {
            *l != 0 && flat[..*k].iter().any(|(_, m)| m == l)
        }).map(|(_, (at, _))| *at);
        prop_assert_eq!(first_duplicate_location(&objs, |o| o.len(), |o, j| o[j], &mut locs(&objs)), expect);
    }

    /// nul_within finds the first NUL before the bound, reading no further.
    #[test]
    fn nul_within_finds_the_first_nul(
        bytes in proptest::collection::vec(any::<u8>(), 0..32), max in 0usize..40) {
        let max = max.min(bytes.len());
        let mut furthest = 0;
        let got = nul_within(|i| { furthest = furthest.max(i + 1); bytes[i] }, max);
        let expect = bytes[..max].iter().position(|&b| b == 0);
        prop_assert_eq!(got, expect);
        prop_assert_eq!(furthest, expect.map_or(max, |p| p + 1));
    }
}
