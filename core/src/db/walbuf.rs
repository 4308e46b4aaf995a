//! SQLite's writes in large pieces (SQLite only): the process's default VFS is the system's
//! own, with a database's and its WAL's writes gathered in memory and handed to the kernel in
//! pieces of up to 124 KiB: a WAL's frames (two `pwrite`s each), and the pages a checkpoint
//! copies back into the database file, in page order (one `pwrite` each).
//!
//! Each `pwrite` is a system call and a pass through the file system's write path: a `perf`
//! profile of `onecard bench` put a sixth of SQLite's thread, the thread every write waits for,
//! in the WAL's (242,680 calls for 100,000 purchases; 4,213 gathered); the medium demo made
//! 129,621 for its checkpoints, 93% of them right after the one before in the file.
//!
//! Why this is as durable and as safe as SQLite's own writes: gathered bytes are in the file
//! before any of the points where they start to matter.
//! - Before a sync (`xSync`): with `synchronous=FULL` every commit syncs the WAL before it is
//!   acknowledged and before readers can see it, and a checkpoint syncs the database file
//!   before readers may read its pages there instead of in the WAL.
//! - Before the WAL index's header is published (`xShmBarrier`, which SQLite calls between
//!   writing its two copies): another connection or process reads frames only up to that header.
//! - Before any lock changes (`xShmLock`, `xLock`, `xUnlock`): a transaction rolled back after
//!   its frames spilled (when it outgrew the page cache) leaves nothing in memory that could
//!   later be written over another connection's frames. (SQLite's rollback usually reads a
//!   page back from the WAL too, which writes them out as well.)
//! - Before any read, size, truncation, file control (a checkpoint's end is one) or close of
//!   the file: this connection reads what it wrote back from the file, as SQLite expects.
//!
//! A write the kernel refuses is then reported by the call that flushed it (for a commit, its
//! sync): the transaction fails as it would have, one call later.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use libsqlite3_sys as ffi;

/// Gathered bytes are written at this size at the latest.
const CAP: usize = 4 << 20;
/// ... in pieces of at most this size: the system VFS writes `amt & 0x1ffff` bytes a call
/// (a 128 KiB write would be taken for a full disk).
const PIECE: usize = 31 * 4096;

/// Our file: the methods SQLite calls, then the system VFS's own file, which every call ends in.
#[repr(C)]
struct File {
    base: ffi::sqlite3_file,
    /// The system VFS's file, placed right after this header in the same allocation.
    real: *mut ffi::sqlite3_file,
    /// Its gathered writes.
    buf: *mut Buf,
    /// Whether this is a WAL file (else a database file).
    wal: bool,
    /// A database file: its WAL while open. A WAL file: its database file. Either may be null.
    peer: *mut File,
}

struct Buf {
    /// Where `data` goes in the file.
    start: i64,
    data: Vec<u8>,
}

/// The system VFS this one wraps (set once, at registration).
static REAL: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(std::ptr::null_mut());

/// Writes handed to the kernel and writes SQLite asked for, over the process (for the tests).
static FLUSHES: AtomicU64 = AtomicU64::new(0);
static WRITES: AtomicU64 = AtomicU64::new(0);

/// (writes SQLite made to the files it wraps, writes handed to the kernel for them) so far in
/// this process.
pub fn stats() -> (u64, u64) {
    (WRITES.load(Ordering::Relaxed), FLUSHES.load(Ordering::Relaxed))
}

fn header() -> usize {
    std::mem::size_of::<File>().next_multiple_of(16)
}

unsafe fn real_methods(f: *mut File) -> &'static ffi::sqlite3_io_methods {
    // SAFETY: `real` is an open file of the system VFS, whose methods are static.
    unsafe { &*(*(*f).real).pMethods }
}

/// Writes what `f` has gathered.
unsafe fn flush(f: *mut File) -> c_int {
    // SAFETY: `f` is one of our open files; only the connection using it calls in (SQLite
    // serializes the calls on one file).
    unsafe {
        let b = (*f).buf;
        if b.is_null() || (*b).data.is_empty() {
            return ffi::SQLITE_OK;
        }
        let write = real_methods(f).xWrite.expect("xWrite");
        let mut rc = ffi::SQLITE_OK;
        let mut at = (*b).start;
        for piece in (*b).data.chunks(PIECE) {
            // At most PIECE bytes: fits a c_int.
            rc = write((*f).real, piece.as_ptr().cast(), piece.len() as c_int, at);
            FLUSHES.fetch_add(1, Ordering::Relaxed);
            if rc != ffi::SQLITE_OK {
                break;
            }
            at += piece.len() as i64;
        }
        (*b).data.clear();
        rc
    }
}

/// Which gathered bytes a call writes out first: none, the file's own, or for a database file
/// its own and its WAL's (the index's locks and barrier, which SQLite calls on the database file).
enum First {
    Nothing,
    Own,
    Both,
}

unsafe fn before(f: *mut File, first: First) -> c_int {
    // SAFETY: as in `flush`.
    unsafe {
        let rc = match first {
            First::Nothing => return ffi::SQLITE_OK,
            First::Own | First::Both => flush(f),
        };
        if rc != ffi::SQLITE_OK || !matches!(first, First::Both) || (*f).wal || (*f).peer.is_null() {
            return rc;
        }
        flush((*f).peer)
    }
}

macro_rules! forward {
    ($name:ident, $method:ident, ($($arg:ident: $ty:ty),*), $first:expr) => {
        unsafe extern "C" fn $name(f: *mut ffi::sqlite3_file $(, $arg: $ty)*) -> c_int {
            let f = f.cast::<File>();
            // SAFETY: SQLite calls with one of our open files.
            unsafe {
                let rc = before(f, $first);
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
                (real_methods(f).$method.expect(stringify!($method)))((*f).real $(, $arg)*)
            }
        }
    };
}

// A file writes out what it gathered before anything but a write and the constant queries; a
// database file writes out its WAL's too before the index's locks change (see the module's
// doc). A database file's reads never wait for its WAL.
forward!(f_read, xRead, (p: *mut c_void, amt: c_int, off: i64), First::Own);
forward!(f_truncate, xTruncate, (size: i64), First::Own);
forward!(f_sync, xSync, (flags: c_int), First::Own);
forward!(f_size, xFileSize, (out: *mut i64), First::Own);
forward!(f_lock, xLock, (level: c_int), First::Own);
forward!(f_unlock, xUnlock, (level: c_int), First::Own);
forward!(f_reserved, xCheckReservedLock, (out: *mut c_int), First::Nothing);
forward!(f_control, xFileControl, (op: c_int, arg: *mut c_void), First::Own);
forward!(f_sector, xSectorSize, (), First::Nothing);
forward!(f_device, xDeviceCharacteristics, (), First::Nothing);
forward!(f_shm_map, xShmMap, (pg: c_int, size: c_int, extend: c_int, out: *mut *mut c_void), First::Nothing);
forward!(f_shm_lock, xShmLock, (offset: c_int, n: c_int, flags: c_int), First::Both);
forward!(f_shm_unmap, xShmUnmap, (delete: c_int), First::Both);
forward!(f_fetch, xFetch, (off: i64, amt: c_int, out: *mut *mut c_void), First::Own);
forward!(f_unfetch, xUnfetch, (off: i64, p: *mut c_void), First::Nothing);

unsafe extern "C" fn f_barrier(f: *mut ffi::sqlite3_file) {
    let f = f.cast::<File>();
    // SAFETY: as in `forward!`. A barrier cannot fail. With `synchronous=FULL` (every OneCard
    // connection) the commit's sync has already written everything out, so nothing is left to
    // fail here.
    unsafe {
        let _ = before(f, First::Both);
        if let Some(barrier) = real_methods(f).xShmBarrier {
            barrier((*f).real);
        }
    }
}

unsafe extern "C" fn f_write(f: *mut ffi::sqlite3_file, data: *const c_void, amt: c_int, off: i64) -> c_int {
    let f = f.cast::<File>();
    // SAFETY: as in `forward!`; `data` holds `amt` bytes.
    unsafe {
        let b = (*f).buf;
        WRITES.fetch_add(1, Ordering::Relaxed);
        let n = usize::try_from(amt).unwrap_or(0);
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), n);
        let b = &mut *b;
        let end = b.start + b.data.len() as i64;
        if !b.data.is_empty() && off >= b.start && off <= end && b.data.len().max((off - b.start) as usize + n) <= CAP {
            // Next in line, or over bytes still gathered (SQLite rewrites a frame it wrote in
            // the same transaction): apply it to the gathered bytes.
            let at = (off - b.start) as usize;
            let overlap = n.min(b.data.len() - at);
            b.data[at..at + overlap].copy_from_slice(&bytes[..overlap]);
            b.data.extend_from_slice(&bytes[overlap..]);
            return ffi::SQLITE_OK;
        }
        let rc = flush(f);
        if rc != ffi::SQLITE_OK {
            return rc;
        }
        if n >= CAP {
            return (real_methods(f).xWrite.expect("xWrite"))((*f).real, data, amt, off);
        }
        if b.data.capacity() == 0 {
            b.data.reserve_exact(CAP);
        }
        b.start = off;
        b.data.extend_from_slice(bytes);
        ffi::SQLITE_OK
    }
}

unsafe extern "C" fn f_close(f: *mut ffi::sqlite3_file) -> c_int {
    let f = f.cast::<File>();
    // SAFETY: as in `forward!`; after this call SQLite never uses `f` again.
    unsafe {
        let rc = flush(f);
        if !(*f).peer.is_null() {
            (*(*f).peer).peer = std::ptr::null_mut();
        }
        if !(*f).buf.is_null() {
            drop(Box::from_raw((*f).buf));
            (*f).buf = std::ptr::null_mut();
        }
        let closed = (real_methods(f).xClose.expect("xClose"))((*f).real);
        if rc != ffi::SQLITE_OK {
            rc
        } else {
            closed
        }
    }
}

/// The methods of our files, for the system file's `iVersion`.
fn methods(version: c_int) -> &'static ffi::sqlite3_io_methods {
    static METHODS: [ffi::sqlite3_io_methods; 4] = {
        const fn m(v: c_int) -> ffi::sqlite3_io_methods {
            ffi::sqlite3_io_methods {
                iVersion: v,
                xClose: Some(f_close),
                xRead: Some(f_read),
                xWrite: Some(f_write),
                xTruncate: Some(f_truncate),
                xSync: Some(f_sync),
                xFileSize: Some(f_size),
                xLock: Some(f_lock),
                xUnlock: Some(f_unlock),
                xCheckReservedLock: Some(f_reserved),
                xFileControl: Some(f_control),
                xSectorSize: Some(f_sector),
                xDeviceCharacteristics: Some(f_device),
                xShmMap: if v >= 2 { Some(f_shm_map) } else { None },
                xShmLock: if v >= 2 { Some(f_shm_lock) } else { None },
                xShmBarrier: if v >= 2 { Some(f_barrier) } else { None },
                xShmUnmap: if v >= 2 { Some(f_shm_unmap) } else { None },
                xFetch: if v >= 3 { Some(f_fetch) } else { None },
                xUnfetch: if v >= 3 { Some(f_unfetch) } else { None },
            }
        }
        [m(1), m(1), m(2), m(3)]
    };
    &METHODS[version.clamp(1, 3) as usize]
}

fn ours(p: *const ffi::sqlite3_io_methods) -> bool {
    (1..=3).any(|v| std::ptr::eq(p, methods(v)))
}

unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite hands us `szOsFile` bytes at `file`; the system VFS gets its share after
    // our header, as it asked for. Only the database and its WAL are wrapped: every other file
    // (journals, temporary files) is the system VFS's file itself, at `file`.
    unsafe {
        let _ = vfs;
        let real_vfs = REAL.load(Ordering::Acquire);
        let real_open = (*real_vfs).xOpen.expect("xOpen");
        let wal = flags & ffi::SQLITE_OPEN_WAL != 0;
        if flags & ffi::SQLITE_OPEN_MAIN_DB == 0 && !wal {
            return real_open(real_vfs, name, file, flags, out_flags);
        }
        let f = file.cast::<File>();
        let real = file.cast::<u8>().add(header()).cast::<ffi::sqlite3_file>();
        (*f).base.pMethods = std::ptr::null();
        let rc = real_open(real_vfs, name, real, flags, out_flags);
        if rc != ffi::SQLITE_OK || (*real).pMethods.is_null() {
            return rc;
        }
        (*f).real = real;
        (*f).buf = Box::into_raw(Box::new(Buf { start: 0, data: Vec::new() }));
        (*f).wal = wal;
        (*f).peer = std::ptr::null_mut();
        if wal {
            let db = ffi::sqlite3_database_file_object(name).cast::<File>();
            if !db.is_null() && ours((*db).base.pMethods) {
                (*f).peer = db;
                (*db).peer = f;
            }
        }
        (*f).base.pMethods = methods((*(*real).pMethods).iVersion);
        rc
    }
}

/// Makes this VFS the process's default (once, before the first connection). Returns whether
/// it is in place; if not, SQLite writes through the system VFS as usual.
pub(super) fn register() -> bool {
    // SAFETY: called once, from `sqlite_allocator::install`, before any connection opens and
    // with no other SQLite call running. The VFS record lives for the whole process.
    unsafe {
        let real = ffi::sqlite3_vfs_find(std::ptr::null());
        if real.is_null() {
            return false;
        }
        let name: &'static CStr = c"onecard";
        let mut vfs = *real;
        vfs.szOsFile = c_int::try_from(header()).unwrap_or(0) + (*real).szOsFile;
        vfs.pNext = std::ptr::null_mut();
        vfs.zName = name.as_ptr().cast::<c_char>();
        vfs.xOpen = Some(open);
        REAL.store(real, Ordering::Release);
        let vfs = Box::into_raw(Box::new(vfs));
        ffi::sqlite3_vfs_register(vfs, 1) == ffi::SQLITE_OK
    }
}
