// SPDX-License-Identifier: GPL-2.0

//! Comparing a replacement's recorded prototype (`struct rklp_proto`, from
//! its `extern "C" fn` type or rklp.h's `RKLP_FUNC_TYPED`) with the
//! original function's BTF prototype (FUNC -> FUNC_PROTO): arity, and the
//! kind and size of every argument and of the return value. Pure (compiled
//! into the host unit tests too).

use super::btf::{self, Btf, BtfError, FuncLookup, Type};

/// The kind of a value, as recorded and as read from BTF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `void` (a return value only).
    Void,
    /// An integer (`bool`, `char` included).
    Int,
    /// A pointer.
    Ptr,
    /// A struct by value.
    Struct,
    /// A union by value.
    Union,
    /// An enum.
    Enum,
    /// A floating-point number.
    Float,
}

impl Kind {
    /// The `RKLP_PROTO_*` value's kind (include/rklp/abi.rs).
    pub(crate) fn from_abi(k: u32) -> Option<Kind> {
        Some(match k {
            1 => Kind::Void,
            2 => Kind::Int,
            3 => Kind::Ptr,
            4 => Kind::Struct,
            5 => Kind::Union,
            6 => Kind::Enum,
            7 => Kind::Float,
            _ => return None,
        })
    }

    /// For messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Void => "void",
            Kind::Int => "integer",
            Kind::Ptr => "pointer",
            Kind::Struct => "struct",
            Kind::Union => "union",
            Kind::Enum => "enum",
            Kind::Float => "float",
        }
    }

    /// How C passes it: an enum is passed as the integer of its size.
    fn class(self) -> Kind {
        match self {
            Kind::Enum => Kind::Int,
            k => k,
        }
    }
}

/// A value's kind and size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ty {
    /// Its kind.
    pub(crate) kind: Kind,
    /// Its size (0 for `void`).
    pub(crate) size: u32,
}

impl Ty {
    /// Whether a value of `self` and one of `other` are passed alike.
    fn same_as(self, other: Ty) -> bool {
        self.kind.class() == other.kind.class() && self.size == other.size
    }
}

/// Most arguments a recorded prototype has (`RKLP_PROTO_MAX_ARGS`).
pub(crate) const MAX_ARGS: usize = 12;

/// A recorded prototype, checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Recorded {
    /// The return value.
    pub(crate) ret: Ty,
    /// The arguments: `args[..nr_args]`.
    pub(crate) args: [Ty; MAX_ARGS],
    /// Arity.
    pub(crate) nr_args: usize,
}

/// Why a recorded prototype is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BadRecord {
    /// More arguments than a record holds.
    TooManyArgs(u32),
    /// An unknown kind (argument index, or `None` for the return value).
    Kind(Option<usize>, u32),
    /// `void` as an argument, or a `void` of non-zero size.
    Void(Option<usize>),
}

impl Recorded {
    /// Checks a raw record (`struct rklp_proto`): arity, `(kind, size)`
    /// of the return value and of the arguments.
    pub(crate) fn from_raw(
        nr_args: u32,
        ret: (u32, u32),
        args: &[(u32, u32); MAX_ARGS],
    ) -> Result<Self, BadRecord> {
        if nr_args as usize > MAX_ARGS {
            return Err(BadRecord::TooManyArgs(nr_args));
        }
        let ty = |at: Option<usize>, (k, size): (u32, u32)| {
            let kind = Kind::from_abi(k).ok_or(BadRecord::Kind(at, k))?;
            if kind == Kind::Void && (at.is_some() || size != 0) {
                return Err(BadRecord::Void(at));
            }
            Ok(Ty { kind, size })
        };
        let mut r = Recorded {
            ret: ty(None, ret)?,
            args: [Ty {
                kind: Kind::Void,
                size: 0,
            }; MAX_ARGS],
            nr_args: nr_args as usize,
        };
        for i in 0..r.nr_args {
            r.args[i] = ty(Some(i), args[i])?;
        }
        Ok(r)
    }
}

/// Why BTF cannot tell a function's prototype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unknown {
    /// The blob is unreadable.
    Btf(BtfError),
    /// No FUNC of that name (pahole leaves out functions whose prototype
    /// the compiler changed, and those it cannot describe).
    NoFunc,
    /// Its FUNC does not lead to a FUNC_PROTO.
    NotAProto,
    /// A parameter or the return value has a type no argument can have
    /// (BTF kind; argument index or `None` for the return value).
    OddType(Option<usize>, u32),
}

impl From<BtfError> for Unknown {
    fn from(e: BtfError) -> Self {
        Unknown::Btf(e)
    }
}

/// The outcome of a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Same arity, kinds and sizes.
    Match,
    /// Different number of arguments (recorded, BTF's); `variadic` if the
    /// original takes `...` after BTF's count.
    Arity {
        recorded: usize,
        btf: usize,
        variadic: bool,
    },
    /// Argument `index` (0-based), named `name_off` in BTF, differs.
    Arg {
        index: usize,
        name_off: u32,
        recorded: Ty,
        btf: Ty,
    },
    /// The return value differs.
    Ret { recorded: Ty, btf: Ty },
}

/// The kind and size of BTF type `id` as a value; `at` for errors.
fn value_of(b: &Btf<'_>, id: u32, at: Option<usize>, ptr_size: u32) -> Result<Ty, Unknown> {
    let t: Option<Type> = b.resolve(id)?;
    let Some(t) = t else {
        return Ok(Ty {
            kind: Kind::Void,
            size: 0,
        });
    };
    let kind = match t.kind {
        btf::KIND_INT => Kind::Int,
        btf::KIND_PTR => {
            return Ok(Ty {
                kind: Kind::Ptr,
                size: ptr_size,
            })
        }
        btf::KIND_STRUCT => Kind::Struct,
        btf::KIND_UNION => Kind::Union,
        btf::KIND_ENUM | btf::KIND_ENUM64 => Kind::Enum,
        btf::KIND_FLOAT => Kind::Float,
        k => return Err(Unknown::OddType(at, k)),
    };
    Ok(Ty {
        kind,
        size: t.size_or_type,
    })
}

/// Compares `rec` with FUNC `func_id`'s prototype (pointers are
/// `ptr_size` bytes).
pub(crate) fn compare_with(
    b: &Btf<'_>,
    func_id: u32,
    rec: &Recorded,
    ptr_size: u32,
) -> Result<Verdict, Unknown> {
    let func = b.type_by_id(func_id)?.ok_or(Unknown::NotAProto)?;
    if func.kind != btf::KIND_FUNC {
        return Err(Unknown::NotAProto);
    }
    let proto = match b.type_by_id(func.size_or_type)? {
        Some(p) if p.kind == btf::KIND_FUNC_PROTO => p,
        _ => return Err(Unknown::NotAProto),
    };
    // A variadic function's last parameter is (no name, type 0).
    let mut nr = proto.vlen as usize;
    let mut variadic = false;
    if nr > 0 && b.param(&proto, nr as u32 - 1)? == (0, 0) {
        nr -= 1;
        variadic = true;
    }
    if nr != rec.nr_args || variadic {
        return Ok(Verdict::Arity {
            recorded: rec.nr_args,
            btf: nr,
            variadic,
        });
    }
    for i in 0..nr {
        let (name_off, ty) = b.param(&proto, i as u32)?;
        let btf_ty = value_of(b, ty, Some(i), ptr_size)?;
        if btf_ty.kind == Kind::Void {
            return Err(Unknown::OddType(Some(i), 0));
        }
        if !rec.args[i].same_as(btf_ty) {
            return Ok(Verdict::Arg {
                index: i,
                name_off,
                recorded: rec.args[i],
                btf: btf_ty,
            });
        }
    }
    let ret = value_of(b, proto.size_or_type, None, ptr_size)?;
    if !rec.ret.same_as(ret) {
        return Ok(Verdict::Ret {
            recorded: rec.ret,
            btf: ret,
        });
    }
    Ok(Verdict::Match)
}

/// Compares `rec` with the function called `name` in `b` (`sorted` from
/// [`Btf::sorted_funcs`]).
pub(crate) fn compare(
    b: &Btf<'_>,
    sorted: &[u32],
    name: &[u8],
    rec: &Recorded,
    ptr_size: u32,
) -> Result<Verdict, Unknown> {
    let FuncLookup::Found(start, end) = b.find_func(sorted, name) else {
        return Err(Unknown::NoFunc);
    };
    compare_candidates(b, sorted[start..end].iter().copied(), rec, ptr_size)
}

/// Compares `rec` with the FUNCs `ids` (all of one name). Where BTF has
/// several functions of that name (static functions of different files),
/// the prototype matches if it matches one of them; otherwise the first
/// one's verdict is returned.
pub(crate) fn compare_candidates(
    b: &Btf<'_>,
    ids: impl Iterator<Item = u32>,
    rec: &Recorded,
    ptr_size: u32,
) -> Result<Verdict, Unknown> {
    let mut first = None;
    for id in ids {
        let v = compare_with(b, id, rec, ptr_size)?;
        if v == Verdict::Match {
            return Ok(v);
        }
        first.get_or_insert(v);
    }
    first.ok_or(Unknown::NoFunc)
}
