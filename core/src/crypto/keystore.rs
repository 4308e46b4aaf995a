//! Where the data key lives. Losing it makes every encrypted member record unreadable, and
//! storing it carelessly defeats the encryption, so the key is only ever in the OS keychain or in
//! a key file the operator named explicitly; if neither works we refuse with instructions rather
//! than fall back to anything weaker (in particular never to keyring's in-memory mock store).

use std::fmt;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use keyring::credential::CredentialPersistence;
use keyring::Entry;

use super::DataKey;
use crate::error::{Error, Result};

/// Where the data key is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A hex key file, for headless servers with no keychain (ONECARD_KEY_FILE).
    File(PathBuf),
    /// The OS keychain (Secret Service on Linux).
    Keychain {
        /// Keychain service name, e.g. "onecard".
        service: String,
        /// Keychain account name, e.g. the database it belongs to.
        account: String,
    },
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::File(p) => write!(f, "key file {}", p.display()),
            KeySource::Keychain { service, account } => {
                write!(f, "OS keychain (service {service}, account {account})")
            }
        }
    }
}

const FIX: &str = "set ONECARD_KEY_FILE to the key file this database was created with, or run \
                   `onecard init` on this machine so the key is stored in its keychain";

/// Read the data key. Codes: `key_unavailable` (absent or store unreachable; the message says
/// how to fix it), `key_invalid` (present but not a 64-hex key).
pub fn load_key(src: &KeySource) -> Result<DataKey> {
    match try_load(src)? {
        Some(k) => Ok(k),
        None => Err(Error::new("key_unavailable", format!("no data key in {src}: {FIX}"))),
    }
}

/// Save a new data key. Refuses (`key_exists`) if one is already there, because replacing it
/// would make everything encrypted under the old key unreadable. Files are created with mode
/// 0600 and their parent directories with 0700 (unix). Store failures: `key_unavailable`.
pub fn store_key(src: &KeySource, key: &DataKey) -> Result<()> {
    match src {
        KeySource::File(path) => store_file(path, key),
        KeySource::Keychain { service, account } => {
            let entry = keychain_entry(src, service, account)?;
            match entry.get_password() {
                Ok(_) => return Err(exists(src)),
                Err(keyring::Error::NoEntry) => {}
                Err(e) => return Err(keychain_error(src, &e)),
            }
            entry.set_password(&key.to_hex()).map_err(|e| keychain_error(src, &e))
        }
    }
}

/// Load the key, or generate and store one if there is none yet (`onecard init`). The bool is
/// true when the key was created. An unreachable or unreadable store is an error, never a reason
/// to create a second key.
pub fn load_or_create_key(src: &KeySource) -> Result<(DataKey, bool)> {
    if let Some(k) = try_load(src)? {
        return Ok((k, false));
    }
    let k = DataKey::generate();
    store_key(src, &k)?;
    Ok((k, true))
}

/// `Ok(None)` only when the store works and simply has no key yet.
fn try_load(src: &KeySource) -> Result<Option<DataKey>> {
    let text = match src {
        KeySource::File(path) => match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::new("key_unavailable", format!("cannot read {src}: {e}")));
            }
        },
        KeySource::Keychain { service, account } => match keychain_entry(src, service, account)?.get_password() {
            Ok(t) => t,
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(keychain_error(src, &e)),
        },
    };
    DataKey::from_hex(&text).map(Some).map_err(|e| Error::new(e.code, format!("{src}: {}", e.message)))
}

fn store_file(path: &Path, key: &DataKey) -> Result<()> {
    let src = KeySource::File(path.to_path_buf());
    let io = |e: std::io::Error| Error::new("key_unavailable", format!("cannot write {src}: {e}"));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(io)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::AlreadyExists => return Err(exists(&src)),
        Err(e) => return Err(io(e)),
    };
    let written = f.write_all(format!("{}\n", key.to_hex()).as_bytes()).and_then(|()| f.sync_all());
    if let Err(e) = written {
        // A half-written key file would later read as `key_invalid`; leave nothing behind.
        drop(f);
        let _ = std::fs::remove_file(path);
        return Err(io(e));
    }
    Ok(())
}

/// Another secret kept in the OS keychain under `service`/`account` (the console's PostgreSQL
/// password). `Ok(None)`: the keychain works and has no such entry; an unreachable keychain is
/// an error the caller decides about.
pub fn secret_get(service: &str, account: &str) -> Result<Option<String>> {
    let src = KeySource::Keychain { service: service.into(), account: account.into() };
    match keychain_entry(&src, service, account)?.get_password() {
        Ok(v) => Ok(Some(v)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keychain_error(&src, &e)),
    }
}

/// Stores (replacing) a secret in the OS keychain.
pub fn secret_set(service: &str, account: &str, value: &str) -> Result<()> {
    let src = KeySource::Keychain { service: service.into(), account: account.into() };
    keychain_entry(&src, service, account)?.set_password(value).map_err(|e| keychain_error(&src, &e))
}

fn exists(src: &KeySource) -> Error {
    Error::new(
        "key_exists",
        format!(
            "a data key already exists in {src}; refusing to replace it because data encrypted \
             with it would become unreadable. Use the existing key, or move it away first if you \
             are certain nothing depends on it"
        ),
    )
}

/// Builds the entry from the compiled-in platform store rather than `Entry::new`, so neither a
/// build without a keychain backend (keyring then uses its mock) nor a global builder swapped in
/// elsewhere can leave the key somewhere that forgets it.
fn keychain_entry(src: &KeySource, service: &str, account: &str) -> Result<Entry> {
    let builder = keyring::default::default_credential_builder();
    if !matches!(builder.persistence(), CredentialPersistence::UntilDelete) {
        return Err(Error::new(
            "key_unavailable",
            format!(
                "this build of onecard has no persistent OS keychain for this platform, so it \
                 cannot use {src}; set ONECARD_KEY_FILE to a key file path instead"
            ),
        ));
    }
    let cred = builder.build(None, service, account).map_err(|e| keychain_error(src, &e))?;
    Ok(Entry::new_with_credential(cred))
}

fn keychain_error(src: &KeySource, e: &keyring::Error) -> Error {
    let hint = match e {
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
            "The keychain could not be reached or is locked (a headless server has no D-Bus \
             session or Secret Service); unlock it, or set ONECARD_KEY_FILE to use a key file"
        }
        keyring::Error::Ambiguous(_) => {
            "Several keychain entries match; delete the duplicates, keeping the one whose \
             fingerprint the database records"
        }
        _ => "Fix the keychain entry, or set ONECARD_KEY_FILE to use a key file",
    };
    Error::new("key_unavailable", format!("{src} failed ({e}). {hint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("onecard-keytest-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn display_says_where() {
        assert_eq!(KeySource::File("/x/y.key".into()).to_string(), "key file /x/y.key");
        let kc = KeySource::Keychain { service: "onecard".into(), account: "main".into() };
        assert_eq!(kc.to_string(), "OS keychain (service onecard, account main)");
    }

    #[test]
    fn key_file_create_load_refuse_overwrite() {
        let dir = temp_dir("create");
        let path = dir.join("nested/dir/data.key");
        let src = KeySource::File(path.clone());
        let k = DataKey::generate();
        store_key(&src, &k).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{}\n", k.to_hex()));
        assert_eq!(load_key(&src).unwrap().to_hex(), k.to_hex());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let e = store_key(&src, &DataKey::generate()).unwrap_err();
        assert_eq!(e.code, "key_exists");
        assert_eq!(load_key(&src).unwrap().to_hex(), k.to_hex(), "original key untouched");
        let (again, created) = load_or_create_key(&src).unwrap();
        assert!(!created);
        assert_eq!(again.to_hex(), k.to_hex());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_key_file_explains_fix() {
        let dir = temp_dir("missing");
        let src = KeySource::File(dir.join("nope.key"));
        let e = load_key(&src).unwrap_err();
        assert_eq!(e.code, "key_unavailable");
        assert!(e.message.contains("ONECARD_KEY_FILE") && e.message.contains("onecard init"));
        assert!(e.message.contains("nope.key"));
        let (k, created) = load_or_create_key(&src).unwrap();
        assert!(created);
        assert_eq!(load_key(&src).unwrap().to_hex(), k.to_hex());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn garbage_key_file_is_invalid_not_replaced() {
        let dir = temp_dir("garbage");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.key");
        std::fs::write(&path, "not a key\n").unwrap();
        let src = KeySource::File(path.clone());
        assert_eq!(load_key(&src).unwrap_err().code, "key_invalid");
        assert_eq!(load_or_create_key(&src).unwrap_err().code, "key_invalid");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key\n");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn default_store_is_persistent_not_mock() {
        let b = keyring::default::default_credential_builder();
        assert!(matches!(b.persistence(), CredentialPersistence::UntilDelete));
    }

    /// Needs a Secret Service: run under `dbus-run-session` with gnome-keyring unlocked and
    /// ONECARD_TEST_KEYRING=1.
    #[test]
    fn keychain_round_trip() {
        if std::env::var("ONECARD_TEST_KEYRING").as_deref() != Ok("1") {
            eprintln!("skipped: set ONECARD_TEST_KEYRING=1 under a Secret Service session");
            return;
        }
        let account = format!("test-{}", super::super::new_qr_nonce());
        let src = KeySource::Keychain { service: "onecard-test".into(), account: account.clone() };
        assert_eq!(load_key(&src).unwrap_err().code, "key_unavailable");
        let (k, created) = load_or_create_key(&src).unwrap();
        assert!(created);
        assert_eq!(load_key(&src).unwrap().to_hex(), k.to_hex());
        assert_eq!(store_key(&src, &DataKey::generate()).unwrap_err().code, "key_exists");
        let (k2, created) = load_or_create_key(&src).unwrap();
        assert!(!created);
        assert_eq!(k2.to_hex(), k.to_hex());
        Entry::new("onecard-test", &account).unwrap().delete_credential().unwrap();
    }

    /// Without any D-Bus session the keychain must fail loudly, not hand out a mock.
    #[test]
    fn keychain_without_session_is_unavailable() {
        let runtime_bus =
            std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| std::path::Path::new(&d).join("bus").exists());
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() || runtime_bus {
            eprintln!("skipped: a D-Bus session is present");
            return;
        }
        let src = KeySource::Keychain { service: "onecard-test".into(), account: "none".into() };
        let e = load_key(&src).unwrap_err();
        assert_eq!(e.code, "key_unavailable", "{e}");
        assert!(e.message.contains("ONECARD_KEY_FILE"), "{e}");
        eprintln!("{e}");
        let e = load_or_create_key(&src).unwrap_err();
        assert_eq!(e.code, "key_unavailable", "{e}");
    }
}
