//! Build script of the desktop shell: tauri-build reads ../tauri.conf.json (the manifest dir is the
//! repository root, where the Tauri CLI also looks) and prepares what `generate_context!` embeds.

fn main() {
    tauri_build::build()
}
