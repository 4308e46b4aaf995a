//! The TypeScript types of the console's commands, generated from the Rust types by ts-rs into
//! ui/src/bindings (one file per type, plus index.ts). The test fails when the committed files
//! are stale, so the UI can never drift from the shell; regenerate them with
//! `ONECARD_WRITE_BINDINGS=1 cargo test -p onecard-console --lib bindings`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::TS;

use crate::commands::database::{DbInfo, DbSettings, DbSettingsRequest};
use crate::commands::session::AuthStatus;

fn generate(dir: &Path) {
    macro_rules! export {
        ($($t:ty),* $(,)?) => { $( <$t>::export_all_to(dir).expect(stringify!($t)); )* };
    }
    export!(
        AuthStatus,
        DbInfo,
        DbSettings,
        DbSettingsRequest,
        crate::CommandError,
        onecard::Session,
        onecard::UserInfo,
        onecard::UserAddRequest,
        onecard::overview::Overview,
        onecard::read::CardPage,
        onecard::read::CardQuery,
        onecard::read::Activity,
        onecard::read::PaymentInfo,
        onecard::read::QrCode,
        onecard::CardInfo,
        onecard::IssueRequest,
        onecard::CardActionRequest,
        onecard::CardChange,
        onecard::BatchIssueRequest,
        onecard::BatchIssued,
        onecard::JobProgress,
        onecard::TopUpRequest,
        onecard::PayRequest,
        onecard::RefundRequest,
        onecard::TransferRequest,
        onecard::ReverseRequest,
        onecard::Movement,
        onecard::members::MemberInfo,
        onecard::catalog::MallInfo,
        onecard::catalog::MerchantInfo,
        onecard::rules::Rules,
        onecard::export::ExportFormat,
        onecard::export::Exported,
        onecard::auth::Permission,
    );
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read the generated bindings")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".ts").map(str::to_string))
        .filter(|n| n != "index")
        .collect();
    names.sort();
    let mut index = String::from("// Generated with the files beside it (src-tauri/src/bindings.rs). Do not edit.\n");
    for n in names {
        index.push_str(&format!("export type {{ {n} }} from './{n}';\n"));
    }
    std::fs::write(dir.join("index.ts"), index).expect("write index.ts");
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| {
                    let e = e.ok()?;
                    let name = e.file_name().into_string().ok()?;
                    Some((name, std::fs::read_to_string(e.path()).ok()?))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn bindings_are_fresh() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings");
    let fresh = std::env::temp_dir().join(format!("onecard-bindings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    std::fs::create_dir_all(&fresh).expect("temp dir");
    generate(&fresh);
    let want = read_dir(&fresh);
    if std::env::var_os("ONECARD_WRITE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).expect("create ui/src/bindings");
        for (name, text) in &want {
            std::fs::write(committed.join(name), text).expect("write a binding");
        }
    }
    let have = read_dir(&committed);
    let _ = std::fs::remove_dir_all(&fresh);
    let stale: Vec<&String> = want.keys().chain(have.keys()).filter(|k| want.get(*k) != have.get(*k)).collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings is stale ({stale:?}); regenerate: \
         ONECARD_WRITE_BINDINGS=1 cargo test -p onecard-console --lib bindings"
    );
}
