//! The crate's cryptography, all on the Chinese national algorithms (国密) because the mall
//! operators' regulators require SM3/SM4 rather than SHA-2/AES. It lives in one module so that
//! every other part of the ledger handles only hex strings and opaque ciphertexts and never
//! chooses an algorithm, a nonce or a key on its own.
//!
//! - [`sm3_hex`] and [`chain_hash`] make the ledger tamper-evident: each row commits to the one
//!   before it, so editing history breaks every later hash.
//! - [`DataKey`] is the one master secret; [`Pii`] derives its working keys from it to encrypt
//!   personal data, index it blindly and sign virtual-card QR codes.
//! - [`load_key`] / [`store_key`] keep the master key in the OS keychain or an explicitly named
//!   key file, never silently somewhere weaker.

mod keystore;
mod pii;

pub use keystore::{load_key, load_or_create_key, secret_get, secret_set, store_key, KeySource};
pub use pii::{new_qr_nonce, Pii, QrToken};

use std::fmt;

use rand::rngs::OsRng;
use rand::RngCore;
use sm3::{Digest, Sm3};

use crate::error::{Error, Result};

/// The `prev_hash` of the first entry of a chain: 64 zeros, i.e. 32 zero bytes.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// SM3 of `data` as 64 lowercase hex characters.
pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(Sm3::digest(data))
}

/// The hash of one chain entry: hex(SM3(prev_hash as 32 raw bytes || canonical)).
///
/// Hashing the raw bytes rather than the hex text keeps the definition independent of how hex
/// happens to be cased when it is read back from a database. If `prev_hash_hex` is not 64 hex
/// characters (only possible when stored history was altered), the result is a fixed text that
/// is not hex at all: it can never equal a stored hash, so a verifier reports the break instead
/// of the process panicking halfway through an audit.
pub fn chain_hash(prev_hash_hex: &str, canonical: &[u8]) -> String {
    let mut prev = [0u8; 32];
    if hex::decode_to_slice(prev_hash_hex, &mut prev).is_err() {
        return BROKEN_CHAIN.to_string();
    }
    let mut h = Sm3::new();
    h.update(prev);
    h.update(canonical);
    hex::encode(h.finalize())
}

// Deliberately not hex, so no comparison against a real hash can succeed.
const BROKEN_CHAIN: &str = "broken-chain:prev-hash-not-64-hex";

/// The master key for personal data: 32 random bytes.
///
/// Debug shows only the fingerprint, so the key cannot leak through a log line or a panic message.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> DataKey {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        DataKey(k)
    }

    /// Parse a key from 64 hex characters (surrounding whitespace is ignored). Code `key_invalid`.
    pub fn from_hex(s: &str) -> Result<DataKey> {
        let s = s.trim();
        let mut k = [0u8; 32];
        if hex::decode_to_slice(s, &mut k).is_ok() {
            return Ok(DataKey(k));
        }
        // The message never echoes the input: it may be most of a real key.
        let n = s.chars().count();
        let what = if n == 64 {
            "it contains characters that are not hex".to_string()
        } else {
            format!("it has {n} characters")
        };
        Err(Error::new(
            "key_invalid",
            format!(
                "the data key must be exactly 64 hex characters (32 bytes) but {what}; restore \
                 the original key file or keychain entry"
            ),
        ))
    }

    /// The key as 64 lowercase hex characters, for writing to the keychain or a key file.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// First 16 hex chars of SM3("onecard-key-v1" || key): lets the database record which key it
    /// was written with, so a wrong key is reported as such instead of as corrupt data.
    pub fn fingerprint(&self) -> String {
        let mut h = Sm3::new();
        h.update(b"onecard-key-v1");
        h.update(self.0);
        let mut s = hex::encode(h.finalize());
        s.truncate(16);
        s
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey").field("fingerprint", &self.fingerprint()).finish()
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        // Best effort without a zeroize dependency: a volatile write the optimiser must keep, so
        // the key does not linger in freed memory.
        for b in self.0.iter_mut() {
            // SAFETY: `b` is a valid, aligned, exclusive reference into our own array.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_standard_vector() {
        assert_eq!(sm3_hex(b"abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    #[test]
    fn genesis_is_64_zeros() {
        assert_eq!(GENESIS_HASH.len(), 64);
        assert!(GENESIS_HASH.chars().all(|c| c == '0'));
    }

    #[test]
    fn chain_hash_is_sm3_of_raw_prev_then_canonical() {
        let mut buf = vec![0u8; 32];
        buf.extend_from_slice(b"entry-1");
        let h1 = chain_hash(GENESIS_HASH, b"entry-1");
        assert_eq!(h1, sm3_hex(&buf));
        let h2 = chain_hash(&h1, b"entry-2");
        assert_eq!(h2, chain_hash(&h1.to_uppercase(), b"entry-2"));
        assert_ne!(h2, chain_hash(GENESIS_HASH, b"entry-2"));
        assert_eq!(h2.len(), 64);
        assert_eq!(h2, h2.to_lowercase());
    }

    #[test]
    fn chain_hash_with_bad_prev_matches_nothing() {
        let h = chain_hash("abc", b"x");
        assert!(hex::decode(&h).is_err());
        assert_eq!(chain_hash(&h, b"y"), h);
        assert_eq!(chain_hash(&"0".repeat(62), b"x"), h);
    }

    #[test]
    fn data_key_hex_round_trip_and_fingerprint() {
        let k = DataKey::generate();
        let hex = k.to_hex();
        assert_eq!(hex.len(), 64);
        let back = DataKey::from_hex(&format!("{hex}\n")).unwrap();
        assert_eq!(back.to_hex(), hex);
        assert_eq!(back.fingerprint(), k.fingerprint());
        assert_eq!(k.fingerprint().len(), 16);
        assert_ne!(DataKey::generate().fingerprint(), k.fingerprint());
        let zero = DataKey::from_hex(GENESIS_HASH).unwrap();
        let mut pre = b"onecard-key-v1".to_vec();
        pre.extend_from_slice(&[0u8; 32]);
        assert_eq!(zero.fingerprint(), sm3_hex(&pre)[..16]);
    }

    #[test]
    fn data_key_debug_hides_bytes() {
        let k = DataKey::from_hex(&"ab".repeat(32)).unwrap();
        let dbg = format!("{k:?}");
        assert!(!dbg.contains("abab"), "{dbg}");
        assert!(!dbg.contains("171"), "{dbg}");
        assert!(dbg.contains(&k.fingerprint()));
    }

    #[test]
    fn data_key_from_bad_hex() {
        for bad in ["", "zz", &"a".repeat(63), &"a".repeat(66), &"g".repeat(64)] {
            let e = DataKey::from_hex(bad).unwrap_err();
            assert_eq!(e.code, "key_invalid");
            assert!(!e.message.contains("aaaa"));
        }
    }
}
