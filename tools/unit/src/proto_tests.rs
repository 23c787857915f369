// SPDX-License-Identifier: GPL-2.0

//! Tests of src/proto/: the BTF reader on blobs built here (a base and a
//! split part, corrupt ones) and on the host's own /sys/kernel/btf/vmlinux
//! where it has one, and the prototype comparison.

use crate::btf::*;
use crate::compare::*;
use proptest::prelude::*;

/// Builds a BTF blob: types as (name, kind, vlen, size_or_type, extra
/// words), strings deduplicated by hand (offset 0 is "").
struct Builder {
    types: Vec<u8>,
    strs: Vec<u8>,
    /// Offset added to this blob's string offsets (a split blob's names
    /// follow its base's).
    str_base: u32,
}

impl Builder {
    fn new(str_base: u32) -> Self {
        Self {
            types: Vec::new(),
            strs: vec![0],
            str_base,
        }
    }

    fn name(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        let off = self.strs.len() as u32 + self.str_base;
        self.strs.extend_from_slice(s.as_bytes());
        self.strs.push(0);
        off
    }

    fn ty(&mut self, name: &str, kind: u32, vlen: u32, st: u32, extra: &[u32]) {
        let n = self.name(name);
        for w in [n, (kind << 24) | vlen, st].iter().chain(extra) {
            self.types.extend_from_slice(&w.to_le_bytes());
        }
    }

    fn int(&mut self, name: &str, size: u32) {
        self.ty(name, KIND_INT, 0, size, &[size * 8]);
    }

    fn proto(&mut self, ret: u32, params: &[(&str, u32)]) {
        let mut extra = Vec::new();
        for (n, t) in params {
            extra.push(self.name(n));
            extra.push(*t);
        }
        self.ty("", KIND_FUNC_PROTO, params.len() as u32, ret, &extra);
    }

    fn build(&self) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&BTF_MAGIC.to_le_bytes());
        b.extend_from_slice(&[1, 0]);
        for w in [
            24u32,
            0,
            self.types.len() as u32,
            self.types.len() as u32,
            self.strs.len() as u32,
        ] {
            b.extend_from_slice(&w.to_le_bytes());
        }
        b.extend_from_slice(&self.types);
        b.extend_from_slice(&self.strs);
        b
    }
}

fn ty(kind: Kind, size: u32) -> Ty {
    Ty { kind, size }
}

fn rec(ret: Ty, args: &[Ty]) -> Recorded {
    let mut a = [ty(Kind::Void, 0); MAX_ARGS];
    a[..args.len()].copy_from_slice(args);
    Recorded {
        ret,
        args: a,
        nr_args: args.len(),
    }
}

/// A vmlinux-like base: 1 int, 2 long, 3 struct seq_file, 4 ptr to 3,
/// 5 void *, 6 typedef size_t = long, 7 const 4, 8 enum e, 9 proto
/// int(struct seq_file *m, void *v), 10 FUNC cmdline_proc_show, 11 proto
/// void(size_t n, enum e k), 12 FUNC f2, 13 variadic proto int(long, ...),
/// 14 FUNC printk_like, 15 FUNC dup (proto 9), 16 FUNC dup (proto 11).
fn base() -> Builder {
    let mut b = Builder::new(0);
    b.int("int", 4);
    b.int("long", 8);
    b.ty("seq_file", KIND_STRUCT, 0, 120, &[]);
    b.ty("", KIND_PTR, 0, 3, &[]);
    b.ty("", KIND_PTR, 0, 0, &[]);
    b.ty("size_t", KIND_TYPEDEF, 0, 2, &[]);
    b.ty("", KIND_CONST, 0, 4, &[]);
    b.ty("e", KIND_ENUM, 1, 4, &[0, 0]);
    b.proto(1, &[("m", 7), ("v", 5)]);
    b.ty("cmdline_proc_show", KIND_FUNC, 0, 9, &[]);
    b.proto(0, &[("n", 6), ("k", 8)]);
    b.ty("f2", KIND_FUNC, 0, 11, &[]);
    b.proto(1, &[("a", 2), ("", 0)]);
    b.ty("printk_like", KIND_FUNC, 0, 13, &[]);
    b.ty("dup", KIND_FUNC, 0, 9, &[]);
    b.ty("dup", KIND_FUNC, 0, 11, &[]);
    b
}

fn check(blob: &[u8], split: Option<&[u8]>, name: &str, r: &Recorded) -> Result<Verdict, Unknown> {
    let base = Blob::parse(blob).map_err(Unknown::Btf)?;
    let split = split.map(Blob::parse).transpose().map_err(Unknown::Btf)?;
    let mut index = vec![0u32; Btf::index_len(&base, split.as_ref())];
    let b = Btf::new(base, split, &mut index)?;
    let mut funcs = vec![0u32; b.nr_types() as usize];
    let sorted = b.sorted_funcs(&mut funcs)?;
    compare(&b, sorted, name.as_bytes(), r, 8)
}

const INT: Ty = Ty {
    kind: Kind::Int,
    size: 4,
};
const PTR: Ty = Ty {
    kind: Kind::Ptr,
    size: 8,
};
const VOID: Ty = Ty {
    kind: Kind::Void,
    size: 0,
};

#[test]
fn matching_prototype() {
    let b = base().build();
    assert_eq!(
        check(&b, None, "cmdline_proc_show", &rec(INT, &[PTR, PTR])),
        Ok(Verdict::Match)
    );
    // Through a typedef; an enum is passed as an integer of its size.
    assert_eq!(
        check(&b, None, "f2", &rec(VOID, &[ty(Kind::Int, 8), INT])),
        Ok(Verdict::Match)
    );
    assert_eq!(
        check(
            &b,
            None,
            "f2",
            &rec(VOID, &[ty(Kind::Int, 8), ty(Kind::Enum, 4)])
        ),
        Ok(Verdict::Match)
    );
}

#[test]
fn wrong_size_argument() {
    let b = base().build();
    let v = check(&b, None, "f2", &rec(VOID, &[INT, INT])).unwrap();
    let Verdict::Arg {
        index,
        name_off,
        recorded,
        btf,
    } = v
    else {
        panic!("{v:?}")
    };
    assert_eq!((index, recorded, btf), (0, INT, ty(Kind::Int, 8)));
    let base = Blob::parse(&b).unwrap();
    let mut index = vec![0; Btf::index_len(&base, None)];
    let bt = Btf::new(base, None, &mut index).unwrap();
    assert_eq!(bt.name(name_off).unwrap(), b"n");
}

#[test]
fn wrong_kind_and_arity() {
    let b = base().build();
    // An integer where the original takes a pointer.
    assert!(matches!(
        check(
            &b,
            None,
            "cmdline_proc_show",
            &rec(INT, &[PTR, ty(Kind::Int, 8)])
        ),
        Ok(Verdict::Arg { index: 1, .. })
    ));
    // Return value: a pointer where the original returns int; void.
    assert_eq!(
        check(&b, None, "cmdline_proc_show", &rec(PTR, &[PTR, PTR])),
        Ok(Verdict::Ret {
            recorded: PTR,
            btf: INT
        })
    );
    assert_eq!(
        check(&b, None, "f2", &rec(INT, &[ty(Kind::Int, 8), INT])),
        Ok(Verdict::Ret {
            recorded: INT,
            btf: VOID
        })
    );
    assert_eq!(
        check(&b, None, "cmdline_proc_show", &rec(INT, &[PTR])),
        Ok(Verdict::Arity {
            recorded: 1,
            btf: 2,
            variadic: false
        })
    );
    // A struct by value is not a pointer to it.
    assert!(matches!(
        check(
            &b,
            None,
            "cmdline_proc_show",
            &rec(INT, &[ty(Kind::Struct, 8), PTR])
        ),
        Ok(Verdict::Arg { index: 0, .. })
    ));
    assert_eq!(
        check(&b, None, "printk_like", &rec(INT, &[ty(Kind::Int, 8)])),
        Ok(Verdict::Arity {
            recorded: 1,
            btf: 1,
            variadic: true
        })
    );
}

#[test]
fn unknown_and_duplicate_names() {
    let b = base().build();
    assert_eq!(
        check(&b, None, "nope", &rec(INT, &[])),
        Err(Unknown::NoFunc)
    );
    // "dup" has two prototypes: either one matches.
    assert_eq!(
        check(&b, None, "dup", &rec(INT, &[PTR, PTR])),
        Ok(Verdict::Match)
    );
    assert_eq!(
        check(&b, None, "dup", &rec(VOID, &[ty(Kind::Int, 8), INT])),
        Ok(Verdict::Match)
    );
    assert!(matches!(
        check(&b, None, "dup", &rec(VOID, &[])),
        Ok(Verdict::Arity { .. })
    ));
}

#[test]
fn split_btf_of_a_module() {
    let base = base();
    let bb = base.build();
    // Module types: 17 proto long(struct seq_file *), 18 FUNC mod_fn,
    // 19 FUNC of vmlinux's proto 11 named in the module.
    let mut m = Builder::new(base.strs.len() as u32);
    m.proto(2, &[("seq", 4)]);
    m.ty("mod_fn", KIND_FUNC, 0, 17, &[]);
    m.ty("mod_fn2", KIND_FUNC, 0, 11, &[]);
    let mb = m.build();
    assert_eq!(
        check(&bb, Some(&mb), "mod_fn", &rec(ty(Kind::Int, 8), &[PTR])),
        Ok(Verdict::Match)
    );
    assert!(matches!(
        check(&bb, Some(&mb), "mod_fn", &rec(INT, &[PTR])),
        Ok(Verdict::Ret { .. })
    ));
    assert_eq!(
        check(
            &bb,
            Some(&mb),
            "mod_fn2",
            &rec(VOID, &[ty(Kind::Int, 8), INT])
        ),
        Ok(Verdict::Match)
    );
    // Only the module's own functions are looked up in a module.
    assert_eq!(
        check(&bb, Some(&mb), "f2", &rec(VOID, &[ty(Kind::Int, 8), INT])),
        Err(Unknown::NoFunc)
    );
    // The argument's name comes from the split part's strings.
    let Ok(Verdict::Arg { name_off, .. }) =
        check(&bb, Some(&mb), "mod_fn", &rec(ty(Kind::Int, 8), &[INT]))
    else {
        panic!()
    };
    let base_b = Blob::parse(&bb).unwrap();
    let split_b = Blob::parse(&mb).unwrap();
    let mut index = vec![0; Btf::index_len(&base_b, Some(&split_b))];
    let bt = Btf::new(base_b, Some(split_b), &mut index).unwrap();
    assert_eq!(bt.name(name_off).unwrap(), b"seq");
}

#[test]
fn corrupt_blobs_are_errors() {
    let good = base().build();
    assert_eq!(
        check(&good[..10], None, "f2", &rec(VOID, &[])),
        Err(Unknown::Btf(BtfError::NotBtf))
    );
    let mut bad = good.clone();
    bad[0] = 0;
    assert_eq!(
        check(&bad, None, "f2", &rec(VOID, &[])),
        Err(Unknown::Btf(BtfError::NotBtf))
    );
    // Type section longer than the blob.
    let mut bad = good.clone();
    bad[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(
        check(&bad, None, "f2", &rec(VOID, &[])),
        Err(Unknown::Btf(BtfError::BadHeader))
    );
    // A FUNC pointing at a type id past the end.
    let mut b = base();
    b.ty("wild", KIND_FUNC, 0, 9999, &[]);
    assert_eq!(
        check(&b.build(), None, "wild", &rec(VOID, &[])),
        Err(Unknown::Btf(BtfError::BadTypeId(9999)))
    );
    // A typedef cycle.
    let mut b = base();
    b.ty("loop", KIND_TYPEDEF, 0, 18, &[]); // id 17 -> 18
    b.ty("loop2", KIND_TYPEDEF, 0, 17, &[]); // id 18 -> 17
    b.proto(0, &[("x", 17)]); // 19
    b.ty("cyc", KIND_FUNC, 0, 19, &[]);
    assert_eq!(
        check(&b.build(), None, "cyc", &rec(VOID, &[INT])),
        Err(Unknown::Btf(BtfError::ChainTooLong))
    );
    // An unknown kind.
    let mut b = base();
    b.ty("x", 31, 0, 0, &[]);
    assert_eq!(
        check(&b.build(), None, "f2", &rec(VOID, &[])),
        Err(Unknown::Btf(BtfError::UnknownKind(31)))
    );
}

#[test]
fn malformed_records_are_refused() {
    let args = [(2, 4); MAX_ARGS];
    assert_eq!(
        Recorded::from_raw(13, (1, 0), &args),
        Err(BadRecord::TooManyArgs(13))
    );
    assert_eq!(
        Recorded::from_raw(1, (9, 0), &args),
        Err(BadRecord::Kind(None, 9))
    );
    let mut a = args;
    a[0] = (1, 0);
    assert_eq!(
        Recorded::from_raw(1, (1, 0), &a),
        Err(BadRecord::Void(Some(0)))
    );
    assert_eq!(
        Recorded::from_raw(2, (1, 0), &args).unwrap(),
        rec(VOID, &[INT, INT])
    );
}

proptest! {
    /// Whatever the bytes, reading and comparing never panics.
    #[test]
    fn garbage_never_panics(mut bytes in proptest::collection::vec(any::<u8>(), 0..600),
                            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8)) {
        let _ = check(&bytes, None, "f2", &rec(VOID, &[INT]));
        let mut good = base().build();
        for (at, v) in flips {
            let n = good.len();
            good[at % n] = v;
        }
        let _ = check(&good, None, "f2", &rec(VOID, &[INT]));
        bytes.truncate(0);
    }
}

/// The host's own kernel BTF, where it has one: a real blob of ~100,000
/// types. Functions whose prototypes every kernel since 5.x has kept.
#[test]
fn host_vmlinux_btf() {
    let Ok(blob) = std::fs::read("/sys/kernel/btf/vmlinux") else {
        eprintln!("no /sys/kernel/btf/vmlinux on this host: skipped");
        return;
    };
    let long = ty(Kind::Int, 8);
    // int cmdline_proc_show(struct seq_file *m, void *v)
    assert_eq!(
        check(&blob, None, "cmdline_proc_show", &rec(INT, &[PTR, PTR])),
        Ok(Verdict::Match)
    );
    // void kfree(const void *)
    assert_eq!(
        check(&blob, None, "kfree", &rec(VOID, &[PTR])),
        Ok(Verdict::Match)
    );
    // size_t strlen(const char *): a 4-byte argument is refused.
    assert_eq!(
        check(&blob, None, "strlen", &rec(long, &[PTR])),
        Ok(Verdict::Match)
    );
    let Ok(Verdict::Arg {
        index: 0,
        recorded,
        btf,
        ..
    }) = check(&blob, None, "strlen", &rec(long, &[INT]))
    else {
        panic!()
    };
    assert_eq!((recorded, btf), (INT, PTR));
}

/// The walk for a few names finds what the sorted list finds.
#[test]
fn linear_lookup_agrees_with_sorted() {
    let b = base().build();
    let base = Blob::parse(&b).unwrap();
    let mut index = vec![0; Btf::index_len(&base, None)];
    let bt = Btf::new(base, None, &mut index).unwrap();
    let mut funcs = vec![0u32; bt.nr_types() as usize];
    let sorted = bt.sorted_funcs(&mut funcs).unwrap();
    for name in ["dup", "f2", "cmdline_proc_show", "printk_like", "nope", ""] {
        let lin: Vec<u32> = bt.funcs_named(name.as_bytes()).collect();
        let mut srt: Vec<u32> = match bt.find_func(sorted, name.as_bytes()) {
            FuncLookup::Found(s, e) => sorted[s..e].to_vec(),
            FuncLookup::NotFound => vec![],
        };
        srt.sort();
        assert_eq!(lin, srt, "{name}");
        for r in [rec(INT, &[PTR, PTR]), rec(VOID, &[ty(Kind::Int, 8), INT])] {
            assert_eq!(
                compare_candidates(&bt, lin.iter().copied(), &r, 8),
                compare(&bt, sorted, name.as_bytes(), &r, 8)
            );
        }
    }
}
