//! Personal data protection and virtual-card QR signing. Members' phone and ID numbers are
//! personal information under PIPL, so the database holds them only as SM4-GCM ciphertexts plus
//! keyed blind indexes for lookup; QR codes shown on a phone are MAC'd so a cashier's scanner can
//! trust which card is paying without a network round trip to check a signature.

use std::fmt;

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{AesGcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::Serialize;
use sm3::Sm3;
use sm4::Sm4;

use super::DataKey;
use crate::error::{Error, Result};

type HmacSm3 = Hmac<Sm3>;
type Sm4Gcm = AesGcm<Sm4, U12>;

const CT_PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const QR_PREFIX: &str = "OC1";
const QR_MAC_LEN: usize = 16;

fn hmac_sm3(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut m = <HmacSm3 as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// Working keys for personal data and QR codes, derived from one [`DataKey`].
///
/// Each purpose gets its own HMAC-SM3(master, label) sub-key so that leaking one (say, the
/// blind-index key to an analytics job) exposes neither the ciphertexts nor the QR signatures.
#[derive(Clone)]
pub struct Pii {
    cipher: Sm4Gcm,
    bidx_key: [u8; 32],
    qr_key: [u8; 32],
}

/// The fields of a QR payload whose MAC checked out. Freshness (60 s) and single use are for the
/// caller to check against the clock and the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QrToken {
    /// The card number the phone presented.
    pub card: String,
    /// When the code was issued, in Unix seconds.
    pub issued_unix: i64,
    /// 16 lowercase hex chars, unique per code, for the single-use check.
    pub nonce: String,
}

/// A fresh QR nonce: 16 lowercase hex characters (64 random bits).
pub fn new_qr_nonce() -> String {
    let mut b = [0u8; 8];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

impl Pii {
    /// Derive the working keys from the master key.
    pub fn new(key: &DataKey) -> Pii {
        let master = key.bytes();
        let enc = hmac_sm3(master, &[b"pii-enc"]);
        let cipher = Sm4Gcm::new_from_slice(&enc[..16]).expect("SM4 key is 16 bytes");
        Pii { cipher, bidx_key: hmac_sm3(master, &[b"pii-bidx"]), qr_key: hmac_sm3(master, &[b"qr-mac"]) }
    }

    /// Encrypt with SM4-GCM under a fresh random 96-bit nonce: "v1:" + base64(nonce || ct || tag).
    ///
    /// `aad` names where the value lives (e.g. "member:42:phone"); decryption must present the
    /// same text, so a ciphertext copied into another row or column fails instead of decrypting.
    pub fn encrypt(&self, plaintext: &str, aad: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload { msg: plaintext.as_bytes(), aad: aad.as_bytes() };
        // Only fails past GCM's 64 GiB message limit, far beyond any personal-data field.
        let ct = self.cipher.encrypt(Nonce::from_slice(&nonce), payload).expect("SM4-GCM message within length limit");
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        format!("{CT_PREFIX}{}", B64.encode(out))
    }

    /// Reverse [`encrypt`](Pii::encrypt). Wrong key, wrong `aad`, altered or malformed input all
    /// fail with code `pii_decrypt_failed` (GCM cannot tell them apart, by design).
    pub fn decrypt(&self, stored: &str, aad: &str) -> Result<String> {
        let fail = |why: &str| {
            Error::new(
                "pii_decrypt_failed",
                format!(
                    "could not decrypt personal data for {aad:?}: {why}. Check that the data key \
                     in use has the fingerprint recorded in the database; if it does, the stored \
                     value was altered or copied from another record"
                ),
            )
        };
        let b64 = stored.strip_prefix(CT_PREFIX).ok_or_else(|| fail("not a v1 ciphertext"))?;
        let raw = B64.decode(b64).map_err(|_| fail("not a v1 ciphertext (bad base64)"))?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(fail("ciphertext too short"));
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let payload = Payload { msg: ct, aad: aad.as_bytes() };
        let pt = self.cipher.decrypt(Nonce::from_slice(nonce), payload).map_err(|_| fail("authentication failed"))?;
        String::from_utf8(pt).map_err(|_| fail("plaintext is not UTF-8"))
    }

    /// hex(HMAC-SM3(index key, field || 0x00 || value)): an equality-only lookup key, so the
    /// database can find a member by phone or ID number without holding either in clear.
    ///
    /// `field` keeps equal values in different fields from sharing an index. The value is used
    /// byte for byte: normalise it (trim, strip "+86", upper-case an ID's X) the same way when
    /// writing and when searching.
    pub fn blind_index(&self, field: &str, value: &str) -> String {
        hex::encode(hmac_sm3(&self.bidx_key, &[field.as_bytes(), &[0u8], value.as_bytes()]))
    }

    /// `OC1.<card>.<issued_unix>.<nonce>.<mac>`, mac = hex of the first 16 bytes of
    /// HMAC-SM3(qr key, everything before `.<mac>`).
    ///
    /// `card` must be non-empty printable ASCII without '.', and `nonce` should come from
    /// [`new_qr_nonce`]; otherwise [`qr_verify`](Pii::qr_verify) will refuse the payload.
    pub fn qr_payload(&self, card: &str, issued_unix: i64, nonce: &str) -> String {
        let body = format!("{QR_PREFIX}.{card}.{issued_unix}.{nonce}");
        let mac = hmac_sm3(&self.qr_key, &[body.as_bytes()]);
        format!("{body}.{}", hex::encode(&mac[..QR_MAC_LEN]))
    }

    /// Check a scanned payload's format and MAC (in constant time). Any problem: `qr_invalid`.
    pub fn qr_verify(&self, payload: &str) -> Result<QrToken> {
        let bad = |why: &str| {
            Error::new(
                "qr_invalid",
                format!(
                    "this QR code is not a valid OneCard payment code ({why}); ask the customer \
                     to refresh the code in the app and scan again"
                ),
            )
        };
        let (body, mac_hex) = payload.rsplit_once('.').ok_or_else(|| bad("wrong format"))?;
        let parts: Vec<&str> = body.split('.').collect();
        let [prefix, card, issued, nonce] = parts[..] else {
            return Err(bad("wrong format"));
        };
        if prefix != QR_PREFIX {
            return Err(bad("unknown version"));
        }
        if card.is_empty() || !card.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("bad card number"));
        }
        // Only the canonical spelling, so one code has exactly one valid text form.
        let issued_unix: i64 = issued.parse().map_err(|_| bad("bad timestamp"))?;
        if issued_unix.to_string() != issued {
            return Err(bad("bad timestamp"));
        }
        if !is_lower_hex(nonce, 16) {
            return Err(bad("bad nonce"));
        }
        if !is_lower_hex(mac_hex, 2 * QR_MAC_LEN) {
            return Err(bad("bad signature format"));
        }
        let mac = hex::decode(mac_hex).map_err(|_| bad("bad signature format"))?;
        let mut m = <HmacSm3 as Mac>::new_from_slice(&self.qr_key).expect("any key length");
        m.update(body.as_bytes());
        m.verify_truncated_left(&mac).map_err(|_| bad("signature does not match"))?;
        Ok(QrToken { card: card.to_string(), issued_unix, nonce: nonce.to_string() })
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl fmt::Debug for Pii {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pii").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pii() -> Pii {
        Pii::new(&DataKey::generate())
    }

    #[test]
    fn sm4_gcm_matches_rfc8998_vector() {
        // RFC 8998 A.1: proves the generic GCM over the sm4 crate is interoperable SM4-GCM.
        let key = hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let iv = hex::decode("00001234567800000000ABCD").unwrap();
        let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
        let pt = hex::decode(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD\
             EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        )
        .unwrap();
        let want = "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
                    D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D\
                    83DE3541E4C2B58177E065A9BF7B62EC";
        let c = Sm4Gcm::new_from_slice(&key).unwrap();
        let got = c.encrypt(Nonce::from_slice(&iv), Payload { msg: &pt, aad: &aad }).unwrap();
        assert_eq!(hex::encode_upper(got), want);
    }

    #[test]
    fn round_trip_including_chinese() {
        let p = pii();
        for text in ["13800138000", "张三 · 北京市朝阳区建国路88号", "", "110101199003077777"] {
            let ct = p.encrypt(text, "member:42:phone");
            assert!(ct.starts_with("v1:"));
            assert!(!ct.contains(text) || text.is_empty());
            assert_eq!(p.decrypt(&ct, "member:42:phone").unwrap(), text);
        }
        // A random nonce per call: equal plaintexts do not give equal ciphertexts.
        assert_ne!(p.encrypt("x", "a"), p.encrypt("x", "a"));
    }

    #[test]
    fn wrong_aad_wrong_key_tamper_and_garbage_fail() {
        let p = pii();
        let ct = p.encrypt("13800138000", "member:42:phone");
        let code = |r: Result<String>| r.unwrap_err().code;
        assert_eq!(code(p.decrypt(&ct, "member:43:phone")), "pii_decrypt_failed");
        assert_eq!(code(pii().decrypt(&ct, "member:42:phone")), "pii_decrypt_failed");
        let mut raw = B64.decode(&ct[3..]).unwrap();
        for i in [0, NONCE_LEN, raw.len() - 1] {
            raw[i] ^= 0x01;
            let flipped = format!("v1:{}", B64.encode(&raw));
            assert_eq!(code(p.decrypt(&flipped, "member:42:phone")), "pii_decrypt_failed");
            raw[i] ^= 0x01;
        }
        for junk in ["", "v1:", "v2:AAAA", "13800138000", "v1:!!!", "v1:AAAAAAAAAAAAAAAA"] {
            assert_eq!(code(p.decrypt(junk, "member:42:phone")), "pii_decrypt_failed");
        }
        let e = p.decrypt(&ct, "member:43:phone").unwrap_err();
        assert!(!e.message.contains("13800138000"));
    }

    #[test]
    fn same_key_same_derived_keys() {
        let k = DataKey::generate();
        let ct = Pii::new(&k).encrypt("王五", "m:1:name");
        let k2 = DataKey::from_hex(&k.to_hex()).unwrap();
        assert_eq!(Pii::new(&k2).decrypt(&ct, "m:1:name").unwrap(), "王五");
    }

    #[test]
    fn blind_index_deterministic_and_field_separated() {
        let k = DataKey::generate();
        let (a, b) = (Pii::new(&k), Pii::new(&k));
        let i = a.blind_index("phone", "13800138000");
        assert_eq!(i, b.blind_index("phone", "13800138000"));
        assert_eq!(i.len(), 64);
        assert_ne!(i, a.blind_index("id_no", "13800138000"));
        assert_ne!(i, a.blind_index("phone", "13800138001"));
        // The 0x00 separator: ("ab","c") and ("a","bc") must not collide.
        assert_ne!(a.blind_index("ab", "c"), a.blind_index("a", "bc"));
        assert_ne!(i, pii().blind_index("phone", "13800138000"));
    }

    #[test]
    fn qr_round_trip() {
        let p = pii();
        let nonce = new_qr_nonce();
        assert!(is_lower_hex(&nonce, 16));
        assert_ne!(nonce, new_qr_nonce());
        let payload = p.qr_payload("8801000012345678", 1_700_000_000, &nonce);
        assert!(payload.starts_with("OC1.8801000012345678.1700000000."));
        let t = p.qr_verify(&payload).unwrap();
        assert_eq!(t, QrToken { card: "8801000012345678".into(), issued_unix: 1_700_000_000, nonce });
        let neg = p.qr_payload("C-1", -5, "0123456789abcdef");
        assert_eq!(p.qr_verify(&neg).unwrap().issued_unix, -5);
    }

    #[test]
    fn qr_tampered_forged_malformed() {
        let p = pii();
        let n = "0123456789abcdef";
        let good = p.qr_payload("8801", 1_700_000_000, n);
        let mac = good.rsplit('.').next().unwrap().to_string();
        let mut flipped_mac = mac.clone().into_bytes();
        flipped_mac[0] = if flipped_mac[0] == b'0' { b'1' } else { b'0' };
        let bad = [
            good.replace("8801", "8802"),
            good.replace("1700000000", "1700000001"),
            format!("OC1.8801.1700000000.{n}.{}", String::from_utf8(flipped_mac).unwrap()),
            pii().qr_payload("8801", 1_700_000_000, n), // forged with another key
            format!("OC1.8801.1700000000.{n}.{}", mac.to_uppercase()),
            format!("OC1.8801.01700000000.{n}.{mac}"),
            format!("OC2.8801.1700000000.{n}.{mac}"),
            format!("OC1..1700000000.{n}.{mac}"),
            format!("OC1.8801.1700000000.{n}.{}", &mac[..30]),
            format!("{good}.x"),
            format!("OC1.8801.1700000000.{n}"),
            p.qr_payload("8801", 1_700_000_000, "0123"),
            p.qr_payload("88.01", 1_700_000_000, n),
            p.qr_payload("88 01", 1_700_000_000, n),
            String::new(),
            "hello".into(),
        ];
        for b in bad {
            let e = p.qr_verify(&b).unwrap_err();
            assert_eq!(e.code, "qr_invalid", "{b}");
        }
    }
}
