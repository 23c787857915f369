// SPDX-License-Identifier: GPL-2.0

//! Query files in `/proc`: each open file has its own state, so a write
//! asks a question and a read of the same open file answers it, whoever
//! else asks at the same time. sysfs cannot do this (an attribute's
//! callbacks do not see the open file, and modules cannot create kernfs
//! files of their own); one question kept for the whole file is answered to
//! whoever reads next.

use super::bindings as b;
use core::pin::Pin;
use core::ptr::NonNull;
use kernel::ffi::{c_char, c_int};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Mutex;
use kernel::uaccess::UserSlice;

/// Longest write a query file takes (a longer one is refused with EINVAL).
pub(crate) const QUESTION_MAX: usize = 32;
/// Longest answer.
pub(crate) const ANSWER_MAX: usize = 64;

/// An answer being written: at most [`ANSWER_MAX`] bytes.
pub(crate) struct Answer {
    buf: [u8; ANSWER_MAX],
    len: usize,
}

impl Answer {
    const fn new() -> Self {
        Self {
            buf: [0; ANSWER_MAX],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl core::fmt::Write for Answer {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if end > ANSWER_MAX {
            return Err(core::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// What a query file does. `Unpin`: the open file's state is reached
/// through a `kernel::sync::Mutex` guard, which (on 7.3) gives `&mut` only
/// to `Unpin` data.
pub(crate) trait Query: Sized + Send + Unpin + 'static {
    /// The state of a newly opened file: no question asked.
    fn new() -> Self;
    /// A write of `input` (1 to [`QUESTION_MAX`] bytes), in the writer's
    /// context. On failure no question is left asked.
    fn ask(&mut self, input: &[u8]) -> Result;
    /// The answer to the question asked, now, in the reader's context.
    fn answer(&self, out: &mut Answer) -> Result;
}

/// An open query file: the question asked through it and the answer being
/// read.
#[pin_data]
struct OpenFile<T: Query> {
    #[pin]
    inner: Mutex<Asked<T>>,
}

struct Asked<T> {
    query: T,
    /// Filled by a read at offset 0; later offsets read the same answer.
    answer: Answer,
}

/// Open: allocates the file's state.
///
/// # Safety
///
/// Called by procfs for an open of a file made by [`ProcDir::add_query`]
/// with `QueryOps::new::<T>()`.
unsafe extern "C" fn open_file<T: Query>(_inode: *mut b::inode, file: *mut b::file) -> c_int {
    let init = pin_init!(OpenFile::<T> {
        inner <- new_mutex!(Asked { query: T::new(), answer: Answer::new() }, "rklp_query_file"),
    });
    match KBox::pin_init(init, GFP_KERNEL) {
        Ok(f) => {
            // SAFETY: the box is never moved out of: `release_file` turns
            // the pointer back into the pinned box.
            let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(f) });
            // SAFETY: `file` is being opened (contract): its private data is
            // the opener's until release.
            unsafe { (*file).private_data = raw.cast() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// The state `open_file` made for `file`.
///
/// # Safety
///
/// `file` is a file `open_file::<T>` succeeded for and not yet released.
unsafe fn open_state<'a, T: Query>(file: *mut b::file) -> &'a OpenFile<T> {
    // SAFETY: set by `open_file::<T>` (contract), freed only by
    // `release_file`, which procfs calls after the last read or write.
    unsafe { &*(*file).private_data.cast::<OpenFile<T>>() }
}

/// Read: at offset 0 the answer is made anew; later offsets continue it.
///
/// # Safety
///
/// Called by procfs for a file opened by `open_file::<T>`, with `count`
/// bytes writable at the user address `buf` and a valid `ppos`.
unsafe extern "C" fn read_file<T: Query>(
    file: *mut b::file,
    buf: *mut c_char,
    count: usize,
    ppos: *mut b::loff_t,
) -> isize {
    // SAFETY: contract.
    let of = unsafe { open_state::<T>(file) };
    // SAFETY: contract.
    let pos = unsafe { *ppos };
    let Ok(pos) = usize::try_from(pos) else {
        return EINVAL.to_errno() as isize;
    };
    // Copied out, so that the copy to user space (which may fault) runs
    // without the lock.
    let mut out = [0u8; ANSWER_MAX];
    let n = {
        let mut guard = of.inner.lock();
        let asked = &mut *guard;
        if pos == 0 {
            asked.answer = Answer::new();
            if let Err(e) = asked.query.answer(&mut asked.answer) {
                asked.answer = Answer::new();
                return e.to_errno() as isize;
            }
        }
        let a = asked.answer.as_bytes();
        let start = pos.min(a.len());
        let n = count.min(a.len() - start);
        out[..n].copy_from_slice(&a[start..start + n]);
        n
    };
    if let Err(e) = UserSlice::new(crate::compat::user_ptr(buf as usize), n)
        .writer()
        .write_slice(&out[..n])
    {
        return e.to_errno() as isize;
    }
    // SAFETY: contract.
    unsafe { *ppos = (pos + n) as b::loff_t };
    n as isize
}

/// Write: a new question; the next read from offset 0 answers it (the
/// offset goes back to 0, so that `echo 1 >&3; cat <&3` works).
///
/// # Safety
///
/// Called by procfs for a file opened by `open_file::<T>`, with `count`
/// bytes readable at the user address `buf` and a valid `ppos`.
unsafe extern "C" fn write_file<T: Query>(
    file: *mut b::file,
    buf: *const c_char,
    count: usize,
    ppos: *mut b::loff_t,
) -> isize {
    // An empty write asks nothing (as for sysfs files).
    if count == 0 {
        return 0;
    }
    if count > QUESTION_MAX {
        pr_err!(
            "query of {} bytes refused (at most {})\n",
            count,
            QUESTION_MAX
        );
        return EINVAL.to_errno() as isize;
    }
    let mut input = [0u8; QUESTION_MAX];
    if let Err(e) = UserSlice::new(crate::compat::user_ptr(buf as usize), count)
        .reader()
        .read_slice(&mut input[..count])
    {
        return e.to_errno() as isize;
    }
    // SAFETY: contract.
    let of = unsafe { open_state::<T>(file) };
    let mut guard = of.inner.lock();
    let asked = &mut *guard;
    asked.answer = Answer::new();
    let res = asked.query.ask(&input[..count]);
    // SAFETY: contract.
    unsafe { *ppos = 0 };
    match res {
        Ok(()) => count as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// Release: frees the file's state.
///
/// # Safety
///
/// Called by procfs once, for a file opened by `open_file::<T>`, after its
/// last read and write.
unsafe extern "C" fn release_file<T: Query>(_inode: *mut b::inode, file: *mut b::file) -> c_int {
    // SAFETY: made by `KBox::into_raw` in `open_file::<T>` (contract);
    // nothing uses it any more.
    let f = unsafe { KBox::from_raw((*file).private_data.cast::<OpenFile<T>>()) };
    // SAFETY: the box was pinned in `open_file` and is dropped where it is.
    drop(unsafe { Pin::new_unchecked(f) });
    0
}

/// The file operations of a query file handled by `T`.
pub(crate) struct QueryOps(b::proc_ops);

impl QueryOps {
    /// The operations for `T` (open, read, write, lseek, release).
    pub(crate) const fn new<T: Query>() -> Self {
        // SAFETY: all-zero is a valid proc_ops (no operations).
        let mut o: b::proc_ops = unsafe { core::mem::zeroed() };
        o.proc_open = Some(open_file::<T>);
        o.proc_read = Some(read_file::<T>);
        o.proc_write = Some(write_file::<T>);
        o.proc_release = Some(release_file::<T>);
        // proc_lseek left out: procfs then uses default_llseek.
        Self(o)
    }
}

/// A directory in `/proc`, removed with its files when dropped.
///
/// # Invariants
///
/// `ptr` is a directory made by `proc_mkdir` that only this value removes.
pub(crate) struct ProcDir {
    ptr: NonNull<b::proc_dir_entry>,
}

// SAFETY: proc entries may be created and removed from any process context.
unsafe impl Send for ProcDir {}
// SAFETY: the shared operation (adding a file) is safe concurrently.
unsafe impl Sync for ProcDir {}

impl ProcDir {
    /// Creates `/proc/<name>`.
    pub(crate) fn new(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated and copied; a null parent is
        // /proc.
        let ptr = unsafe { b::proc_mkdir(name.as_char_ptr(), core::ptr::null_mut()) };
        // proc_mkdir says neither ENOMEM nor EEXIST apart.
        NonNull::new(ptr).map(|ptr| Self { ptr }).ok_or(EEXIST)
    }

    /// Adds the query file `name`, with `mode`, handled by `ops`.
    pub(crate) fn add_query(&self, name: &CStr, mode: u16, ops: &'static QueryOps) -> Result {
        // SAFETY: `name` is copied; the directory is live (invariant); `ops`
        // is static and made by `QueryOps::new`.
        let p = unsafe { b::proc_create(name.as_char_ptr(), mode, self.ptr.as_ptr(), &ops.0) };
        if p.is_null() {
            return Err(ENOMEM);
        }
        Ok(())
    }
}

impl Drop for ProcDir {
    fn drop(&mut self) {
        // SAFETY: ours (invariant). Removes the directory and its files;
        // waits for running operations and releases the files still open,
        // so none of our operations runs afterwards.
        unsafe { b::proc_remove(self.ptr.as_ptr()) };
    }
}
