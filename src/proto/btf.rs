// SPDX-License-Identifier: GPL-2.0

//! A reader of BTF blobs (Documentation/bpf/btf.rst): the kernel's
//! (`__start_BTF`..`__stop_BTF`, /sys/kernel/btf/vmlinux) and a module's
//! split BTF on top of it (or of the module's distilled base). Pure: only
//! `core`, no allocation (the caller hands in the index arrays), every
//! offset and type id bounds-checked, so a corrupt blob is an error, never
//! a crash. Compiled into the host unit tests too (tools/unit).

/// BTF's magic number (little-endian hosts read it as 0xeB9F).
pub(crate) const BTF_MAGIC: u16 = 0xeb9f;
const HDR_LEN: usize = 24;

/// BTF kinds (include/uapi/linux/btf.h).
pub(crate) const KIND_INT: u32 = 1;
pub(crate) const KIND_PTR: u32 = 2;
pub(crate) const KIND_ARRAY: u32 = 3;
pub(crate) const KIND_STRUCT: u32 = 4;
pub(crate) const KIND_UNION: u32 = 5;
pub(crate) const KIND_ENUM: u32 = 6;
pub(crate) const KIND_FWD: u32 = 7;
pub(crate) const KIND_TYPEDEF: u32 = 8;
pub(crate) const KIND_VOLATILE: u32 = 9;
pub(crate) const KIND_CONST: u32 = 10;
pub(crate) const KIND_RESTRICT: u32 = 11;
pub(crate) const KIND_FUNC: u32 = 12;
pub(crate) const KIND_FUNC_PROTO: u32 = 13;
pub(crate) const KIND_VAR: u32 = 14;
pub(crate) const KIND_DATASEC: u32 = 15;
pub(crate) const KIND_FLOAT: u32 = 16;
pub(crate) const KIND_DECL_TAG: u32 = 17;
pub(crate) const KIND_TYPE_TAG: u32 = 18;
pub(crate) const KIND_ENUM64: u32 = 19;

/// Most typedefs and qualifiers followed from one type (BTF has no cycles
/// through them; a corrupt blob may).
const MAX_CHAIN: usize = 32;

/// Why a blob cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BtfError {
    /// Shorter than its header, or not BTF (magic, version).
    NotBtf,
    /// A section lies outside the blob.
    BadHeader,
    /// A type record runs past the type section.
    Truncated,
    /// A kind this reader does not know.
    UnknownKind(u32),
    /// A type id that no type has.
    BadTypeId(u32),
    /// A name offset outside the string section, or not NUL-terminated.
    BadString(u32),
    /// A typedef/qualifier chain longer than any real one.
    ChainTooLong,
    /// The index arrays handed in are too small.
    IndexTooSmall,
}

fn rd_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn rd_u16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

/// One BTF blob: its type and string sections.
#[derive(Clone, Copy)]
pub(crate) struct Blob<'a> {
    types: &'a [u8],
    strs: &'a [u8],
    /// Number of types (not counting `void`, id 0).
    nr_types: u32,
}

impl<'a> Blob<'a> {
    /// Checks the header and walks the type section once (every record's
    /// length must fit).
    pub(crate) fn parse(data: &'a [u8]) -> Result<Self, BtfError> {
        if data.len() < HDR_LEN || rd_u16(data, 0) != Some(BTF_MAGIC) || data[2] != 1 {
            return Err(BtfError::NotBtf);
        }
        let hdr_len = rd_u32(data, 4).ok_or(BtfError::NotBtf)? as usize;
        let field = |at| {
            rd_u32(data, at)
                .map(|v| v as usize)
                .ok_or(BtfError::BadHeader)
        };
        let (type_off, type_len) = (field(8)?, field(12)?);
        let (str_off, str_len) = (field(16)?, field(20)?);
        let section = |off: usize, len: usize| {
            let start = hdr_len.checked_add(off).ok_or(BtfError::BadHeader)?;
            let end = start.checked_add(len).ok_or(BtfError::BadHeader)?;
            data.get(start..end).ok_or(BtfError::BadHeader)
        };
        if hdr_len < HDR_LEN {
            return Err(BtfError::BadHeader);
        }
        let types = section(type_off, type_len)?;
        let strs = section(str_off, str_len)?;
        let mut blob = Self {
            types,
            strs,
            nr_types: 0,
        };
        let mut at = 0;
        let mut n = 0u32;
        while at < types.len() {
            at = blob.next(at)?;
            n = n.checked_add(1).ok_or(BtfError::Truncated)?;
        }
        blob.nr_types = n;
        Ok(blob)
    }

    /// Size of the string section (a split blob's names start after it).
    fn str_len(&self) -> u32 {
        self.strs.len() as u32
    }

    /// Offset of the record after the one at `at`.
    fn next(&self, at: usize) -> Result<usize, BtfError> {
        let info = rd_u32(self.types, at + 4).ok_or(BtfError::Truncated)?;
        let vlen = (info & 0xffff) as usize;
        let extra = match (info >> 24) & 0x1f {
            KIND_INT | KIND_VAR | KIND_DECL_TAG => 4,
            KIND_PTR | KIND_FWD | KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT
            | KIND_FUNC | KIND_FLOAT | KIND_TYPE_TAG => 0,
            KIND_ARRAY => 12,
            KIND_STRUCT | KIND_UNION | KIND_DATASEC | KIND_ENUM64 => 12 * vlen,
            KIND_ENUM | KIND_FUNC_PROTO => 8 * vlen,
            k => return Err(BtfError::UnknownKind(k)),
        };
        let end = at + 12 + extra;
        if end > self.types.len() {
            return Err(BtfError::Truncated);
        }
        Ok(end)
    }
}

/// A type record, decoded.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Type {
    /// Offset of its name in the (combined) string sections.
    pub(crate) name_off: u32,
    /// `KIND_*`.
    pub(crate) kind: u32,
    /// `vlen`: members, parameters, ...
    pub(crate) vlen: u32,
    /// `size` or `type`, by kind.
    pub(crate) size_or_type: u32,
    /// Which part the record is in, and where.
    part: usize,
    at: usize,
}

/// vmlinux's BTF, or a module's split BTF with its base: type ids and name
/// offsets run on from the base into the split part.
pub(crate) struct Btf<'a> {
    parts: [Option<Blob<'a>>; 2],
    /// Offset of each type's record in its part, by id - 1.
    index: &'a [u32],
}

/// How a function name was found among a part's FUNC records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FuncLookup {
    /// No FUNC of that name.
    NotFound,
    /// The FUNCs of that name: positions `start..end` of the sorted list.
    Found(usize, usize),
}

impl<'a> Btf<'a> {
    /// Number of entries the index of `base` and `split` needs.
    pub(crate) fn index_len(base: &Blob<'_>, split: Option<&Blob<'_>>) -> usize {
        base.nr_types as usize + split.map_or(0, |s| s.nr_types as usize)
    }

    /// The BTF of `base` (and `split` on top of it), indexed into `index`
    /// (at least [`Btf::index_len`] entries).
    pub(crate) fn new(
        base: Blob<'a>,
        split: Option<Blob<'a>>,
        index: &'a mut [u32],
    ) -> Result<Self, BtfError> {
        let need = Self::index_len(&base, split.as_ref());
        let index = index.get_mut(..need).ok_or(BtfError::IndexTooSmall)?;
        let mut i = 0;
        for part in [Some(&base), split.as_ref()].into_iter().flatten() {
            let mut at = 0;
            while at < part.types.len() {
                *index.get_mut(i).ok_or(BtfError::IndexTooSmall)? = at as u32;
                at = part.next(at)?;
                i += 1;
            }
        }
        Ok(Self {
            parts: [Some(base), split],
            index,
        })
    }

    /// Number of types of both parts.
    pub(crate) fn nr_types(&self) -> u32 {
        self.index.len() as u32
    }

    /// The first type id of the split part (the module's own types), or
    /// one past the last if there is none.
    pub(crate) fn split_start(&self) -> u32 {
        self.parts[0].map_or(0, |b| b.nr_types) + 1
    }

    /// Whether there is a split part.
    pub(crate) fn has_split(&self) -> bool {
        self.parts[1].is_some()
    }

    /// Type `id`; `None` for `void` (id 0).
    pub(crate) fn type_by_id(&self, id: u32) -> Result<Option<Type>, BtfError> {
        if id == 0 {
            return Ok(None);
        }
        let at = *self
            .index
            .get(id as usize - 1)
            .ok_or(BtfError::BadTypeId(id))? as usize;
        let part = usize::from(id >= self.split_start());
        let blob = self.parts[part].as_ref().ok_or(BtfError::BadTypeId(id))?;
        let w = |o| rd_u32(blob.types, at + o).ok_or(BtfError::Truncated);
        let info = w(4)?;
        Ok(Some(Type {
            name_off: w(0)?,
            kind: (info >> 24) & 0x1f,
            vlen: info & 0xffff,
            size_or_type: w(8)?,
            part,
            at,
        }))
    }

    /// The name at offset `off` (without its NUL).
    pub(crate) fn name(&self, off: u32) -> Result<&'a [u8], BtfError> {
        let base_len = self.parts[0].map_or(0, |b| b.str_len());
        let (blob, off) = if off < base_len {
            (self.parts[0], off)
        } else {
            (self.parts[1], off - base_len)
        };
        let strs = blob.ok_or(BtfError::BadString(off))?.strs;
        let s = strs.get(off as usize..).ok_or(BtfError::BadString(off))?;
        let end = s
            .iter()
            .position(|&c| c == 0)
            .ok_or(BtfError::BadString(off))?;
        Ok(&s[..end])
    }

    /// Parameter `i` of FUNC_PROTO `t`: its (name offset, type id).
    pub(crate) fn param(&self, t: &Type, i: u32) -> Result<(u32, u32), BtfError> {
        if t.kind != KIND_FUNC_PROTO || i >= t.vlen {
            return Err(BtfError::Truncated);
        }
        let blob = self.parts[t.part].as_ref().ok_or(BtfError::Truncated)?;
        let at = t.at + 12 + 8 * i as usize;
        let w = |o| rd_u32(blob.types, at + o).ok_or(BtfError::Truncated);
        Ok((w(0)?, w(4)?))
    }

    /// Follows typedefs and qualifiers from type `id` to the type they
    /// name; `None` for `void`.
    pub(crate) fn resolve(&self, mut id: u32) -> Result<Option<Type>, BtfError> {
        for _ in 0..MAX_CHAIN {
            match self.type_by_id(id)? {
                Some(t)
                    if matches!(
                        t.kind,
                        KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG
                    ) =>
                {
                    id = t.size_or_type
                }
                t => return Ok(t),
            }
        }
        Err(BtfError::ChainTooLong)
    }

    /// Fills `out` with the ids of the FUNC records of the split part (a
    /// module's own functions) or, without one, of the base (vmlinux's),
    /// sorted by name; returns how many there are. `out` needs
    /// [`Btf::nr_types`] entries at most.
    pub(crate) fn sorted_funcs<'o>(&self, out: &'o mut [u32]) -> Result<&'o [u32], BtfError> {
        let (first, last) = if self.has_split() {
            (self.split_start(), self.nr_types())
        } else {
            (1, self.nr_types())
        };
        let mut n = 0;
        for id in first..=last {
            if let Some(t) = self.type_by_id(id)? {
                if t.kind == KIND_FUNC {
                    // Checked here, so that the sort's comparisons cannot fail.
                    self.name(t.name_off)?;
                    *out.get_mut(n).ok_or(BtfError::IndexTooSmall)? = id;
                    n += 1;
                }
            }
        }
        let out = &mut out[..n];
        out.sort_unstable_by(|&a, &b| self.func_name(a).cmp(self.func_name(b)));
        Ok(out)
    }

    /// The name of type `id` (its checked name; empty if it has none).
    fn func_name(&self, id: u32) -> &'a [u8] {
        match self.type_by_id(id) {
            Ok(Some(t)) => self.name(t.name_off).unwrap_or(b""),
            _ => b"",
        }
    }

    /// The ids of the FUNC records called `name`, in the split part (a
    /// module's own functions) or, without one, in the base: a walk of
    /// every type, for a few names (many: [`Btf::sorted_funcs`]).
    pub(crate) fn funcs_named<'s>(&'s self, name: &'s [u8]) -> impl Iterator<Item = u32> + 's {
        let first = if self.has_split() {
            self.split_start()
        } else {
            1
        };
        (first..=self.nr_types()).filter(move |&id| match self.type_by_id(id) {
            Ok(Some(t)) => t.kind == KIND_FUNC && self.name(t.name_off) == Ok(name),
            _ => false,
        })
    }

    /// The FUNCs called `name` in `sorted` (from [`Btf::sorted_funcs`]).
    pub(crate) fn find_func(&self, sorted: &[u32], name: &[u8]) -> FuncLookup {
        let start = sorted.partition_point(|&id| self.func_name(id) < name);
        let end = start + sorted[start..].partition_point(|&id| self.func_name(id) == name);
        if start == end {
            FuncLookup::NotFound
        } else {
            FuncLookup::Found(start, end)
        }
    }
}
