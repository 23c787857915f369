// SPDX-License-Identifier: GPL-2.0

//! A module file's `.modinfo` section (`key=value\0` entries), read from the
//! bytes `load` read through the same descriptor it then passes to
//! `finit_module(2)`: what is checked is what is loaded.

use object::read::elf::ElfFile64;
use object::{Endianness, Object, ObjectSection};

/// rklp's tag in a patch module's `.modinfo` (`rklp_patch_module!()` in
/// include/rklp/api.rs), as C live patches carry `livepatch=Y`.
pub const PATCH_TAG: (&str, &str) = ("rklp", "Y");

/// The `.modinfo` entries, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Modinfo {
    pub entries: Vec<(String, String)>,
}

impl Modinfo {
    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the module says it is an rklp patch module.
    pub fn is_rklp_patch(&self) -> bool {
        self.get(PATCH_TAG.0) == Some(PATCH_TAG.1)
    }
}

/// Why a file's modinfo could not be read.
#[derive(Debug, PartialEq)]
pub enum ModinfoError {
    /// Not a 64-bit ELF file (compressed modules are not supported).
    NotElf,
    /// An ELF file without a `.modinfo` section.
    NoModinfo,
}

/// Splits a `.modinfo` section into its entries.
pub fn parse_section(data: &[u8]) -> Modinfo {
    let entries = data
        .split(|&b| b == 0)
        .filter(|e| !e.is_empty())
        .filter_map(|e| {
            let s = String::from_utf8_lossy(e);
            let (k, v) = s.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect();
    Modinfo { entries }
}

/// The modinfo of a module file's bytes.
pub fn parse(file: &[u8]) -> Result<Modinfo, ModinfoError> {
    let elf = ElfFile64::<Endianness>::parse(file).map_err(|_| ModinfoError::NotElf)?;
    let section = elf
        .section_by_name(".modinfo")
        .ok_or(ModinfoError::NoModinfo)?;
    let data = section.data().map_err(|_| ModinfoError::NoModinfo)?;
    Ok(parse_section(data))
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A minimal relocatable ELF64 (x86-64) with the sections `names` and
    /// their contents, as a module file is laid out (section headers at the
    /// end, `.shstrtab` last).
    pub fn elf_with(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut shstr = vec![0u8];
        let mut name_off = Vec::new();
        for (n, _) in sections {
            name_off.push(shstr.len() as u32);
            shstr.extend_from_slice(n.as_bytes());
            shstr.push(0);
        }
        let shstr_name = shstr.len() as u32;
        shstr.extend_from_slice(b".shstrtab\0");
        let mut out = vec![0u8; 64];
        let mut offs = Vec::new();
        for (_, d) in sections {
            offs.push(out.len() as u64);
            out.extend_from_slice(d);
        }
        let shstr_off = out.len() as u64;
        out.extend_from_slice(&shstr);
        while !out.len().is_multiple_of(8) {
            out.push(0);
        }
        let shoff = out.len() as u64;
        let shnum = sections.len() as u16 + 2;
        // ELF header.
        out[0..4].copy_from_slice(b"\x7fELF");
        out[4] = 2; // ELFCLASS64
        out[5] = 1; // little endian
        out[6] = 1; // EV_CURRENT
        out[16..18].copy_from_slice(&1u16.to_le_bytes()); // ET_REL
        out[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
        out[20..24].copy_from_slice(&1u32.to_le_bytes());
        out[40..48].copy_from_slice(&shoff.to_le_bytes());
        out[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
        out[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
        out[60..62].copy_from_slice(&shnum.to_le_bytes());
        out[62..64].copy_from_slice(&(shnum - 1).to_le_bytes()); // e_shstrndx
        let sh = |out: &mut Vec<u8>, name: u32, typ: u32, off: u64, size: u64| {
            out.extend_from_slice(&name.to_le_bytes());
            out.extend_from_slice(&typ.to_le_bytes());
            out.extend_from_slice(&0u64.to_le_bytes()); // flags
            out.extend_from_slice(&0u64.to_le_bytes()); // addr
            out.extend_from_slice(&off.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes()); // link
            out.extend_from_slice(&0u32.to_le_bytes()); // info
            out.extend_from_slice(&1u64.to_le_bytes()); // addralign
            out.extend_from_slice(&0u64.to_le_bytes()); // entsize
        };
        sh(&mut out, 0, 0, 0, 0);
        for (i, (_, d)) in sections.iter().enumerate() {
            sh(&mut out, name_off[i], 1, offs[i], d.len() as u64); // PROGBITS
        }
        sh(&mut out, shstr_name, 3, shstr_off, shstr.len() as u64); // STRTAB
        out
    }

    #[test]
    fn reads_the_tag_and_fields() {
        let info: &[u8] = b"version=1.2\0description=rklp sample: live patch\0license=GPL\0\
                            srcversion=ABCDEF\0name=rklp_sample\0rklp=Y\0\0\0";
        let f = elf_with(&[(".text", b"\x90\x90"), (".modinfo", info)]);
        let m = parse(&f).unwrap();
        assert_eq!(m.get("name"), Some("rklp_sample"));
        assert_eq!(m.get("description"), Some("rklp sample: live patch"));
        assert_eq!(m.get("version"), Some("1.2"));
        assert_eq!(m.get("srcversion"), Some("ABCDEF"));
        assert!(m.is_rklp_patch());
    }

    #[test]
    fn refuses_what_is_not_a_patch() {
        let f = elf_with(&[(".modinfo", b"name=rklp_test_target\0license=GPL\0")]);
        assert!(!parse(&f).unwrap().is_rklp_patch());
        let f = elf_with(&[(".modinfo", b"name=x\0rklp=N\0")]);
        assert!(!parse(&f).unwrap().is_rklp_patch());
        let f = elf_with(&[(".text", b"\x90")]);
        assert_eq!(parse(&f), Err(ModinfoError::NoModinfo));
        assert_eq!(
            parse(b"root:x:0:0::/root:/bin/sh\n"),
            Err(ModinfoError::NotElf)
        );
        assert_eq!(parse(b""), Err(ModinfoError::NotElf));
        assert_eq!(
            parse(b"\x28\xb5\x2f\xfd compressed"),
            Err(ModinfoError::NotElf)
        );
    }
}
