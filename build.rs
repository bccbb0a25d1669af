//! Embeds the shipped suites in the binary, so an installed `oauthcheck run`
//! works outside a checkout. Generates `$OUT_DIR/embedded_suites.rs`: a list
//! of (display path, contents) built from `suites/*.yaml` at compile time.

use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("suites");
    println!("cargo::rerun-if-changed=suites");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = String::from(
        "/// The shipped suites: (display path, YAML text).\npub const EMBEDDED: &[(&str, &str)] = &[\n",
    );
    for file in files {
        println!("cargo::rerun-if-changed={}", file.display());
        let name = file.file_name().expect("a file name").to_string_lossy();
        out.push_str(&format!(
            "    (\"suites/{name}\", include_str!({:?})),\n",
            file.display().to_string()
        ));
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("embedded_suites.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
