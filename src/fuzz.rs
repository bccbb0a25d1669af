//! Fuzzing entry points for the three parsers that read untrusted text —
//! the suite loader, the profile loader and the form scraper — shared by the
//! cargo-fuzz targets in `fuzz/` (nightly, run for hours) and by a seeded
//! smoke run that `cargo test` does on stable (a few thousand mutated
//! inputs from `suites/`, `fixtures/targets/` and `fuzz/seeds/`).
//!
//! Each entry point takes arbitrary bytes and may return an error, but must
//! never panic, hang or allocate without bound.

use std::path::Path;

/// Loads `data` as a suite file (bytes that are not UTF-8 are refused the
/// way the loader refuses such a file).
pub fn suite(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::suite::load_str(Path::new("fuzz.yaml"), text);
    }
}

/// Parses `data` as a target profile, offline (no environment needed).
pub fn profile(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = crate::target::parse_profile(
            Path::new("fuzz.yaml"),
            text,
            crate::target::Env::Optional,
        );
    }
}

/// Scrapes `data` as an HTML page (lossily decoded, as the agent does).
pub fn forms(data: &[u8]) {
    let _ = crate::agent::scrape(&String::from_utf8_lossy(data));
}

/// A small deterministic mutator for the stable smoke run: byte flips,
/// inserted YAML/HTML punctuation, deletions, duplications, truncations and
/// splices from other seeds. Not coverage-guided: breadth comes from the
/// seeds, depth from the nightly fuzzer.
pub struct Mutator {
    state: u64,
}

/// Bytes that change the meaning of YAML and HTML.
const INTERESTING: &[u8] = b":-{}[]\"'$&*!|>#<>/=\n\t \0\xff\xc3%@`?,.";

impl Mutator {
    /// A mutator whose choices follow from `seed`.
    pub fn new(seed: u64) -> Mutator {
        Mutator {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }

    /// A mutation of `seeds[index]`, with 1–4 edits.
    pub fn mutate(&mut self, seeds: &[Vec<u8>], index: usize) -> Vec<u8> {
        let mut data = seeds[index % seeds.len()].clone();
        for _ in 0..1 + self.below(4) {
            let len = data.len();
            let at = self.below(len + 1);
            match self.below(8) {
                0 if len > 0 => data[at.min(len - 1)] ^= 1 << self.below(8),
                1 => data.insert(at, INTERESTING[self.below(INTERESTING.len())]),
                2 if len > 0 => {
                    let end = (at + 1 + self.below(16)).min(len);
                    data.drain(at.min(len - 1)..end);
                }
                3 if len > 0 => {
                    let end = (at + 1 + self.below(64)).min(len);
                    let chunk = data[at.min(len - 1)..end].to_vec();
                    let times = 1 + self.below(8);
                    for _ in 0..times {
                        data.splice(at..at, chunk.iter().copied());
                    }
                }
                4 => data.truncate(at),
                5 => {
                    let other = &seeds[self.below(seeds.len())];
                    let from = self.below(other.len() + 1);
                    let end = (from + self.below(256)).min(other.len());
                    data.splice(at..at, other[from..end].iter().copied());
                }
                6 if len > 0 => {
                    // Swap two characters' worth of bytes: breaks indentation.
                    let other = self.below(len);
                    data.swap(at.min(len - 1), other);
                }
                _ => data.insert(at, b' '),
            }
        }
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_dir(dir: &str, ext: &str) -> Vec<Vec<u8>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut files: Vec<_> = std::fs::read_dir(&root)
            .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == ext))
            .collect();
        files.sort();
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    /// Runs `target` over `count` mutations of `seeds` from a fixed seed
    /// (`OAUTHCHECK_FUZZ_ITERATIONS` overrides the count, for a longer run
    /// where nightly is not at hand); a panic names the mutation, and the
    /// input is kept for a regression test.
    fn smoke(name: &str, seeds: &[Vec<u8>], count: u64, target: fn(&[u8])) {
        assert!(!seeds.is_empty(), "no seeds for {name}");
        let count = std::env::var("OAUTHCHECK_FUZZ_ITERATIONS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(count);
        for seed in seeds {
            target(seed);
        }
        for i in 0..count {
            let data = Mutator::new(i).mutate(seeds, usize::try_from(i).unwrap_or(0));
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                let keep = std::env::temp_dir().join(format!("oauthcheck-fuzz-{name}-{i}"));
                let _ = std::fs::write(&keep, &data);
                panic!(
                    "{name}: mutation {i} panicked; input kept at {}",
                    keep.display()
                );
            }
        }
    }

    #[test]
    fn the_mutator_is_deterministic_and_changes_its_input() {
        let seeds = vec![b"suite: x\nscenarios: []\n".to_vec()];
        let a: Vec<Vec<u8>> = (0..50).map(|i| Mutator::new(i).mutate(&seeds, 0)).collect();
        let b: Vec<Vec<u8>> = (0..50).map(|i| Mutator::new(i).mutate(&seeds, 0)).collect();
        assert_eq!(a, b);
        assert!(a.iter().filter(|m| **m != seeds[0]).count() > 40);
    }

    #[test]
    fn suite_loader_survives_mutated_suites() {
        smoke("suite", &read_dir("suites", "yaml"), 2_000, suite);
    }

    #[test]
    fn profile_loader_survives_mutated_profiles() {
        smoke(
            "profile",
            &read_dir("fixtures/targets", "yaml"),
            2_000,
            profile,
        );
    }

    #[test]
    fn form_scraper_survives_mutated_pages() {
        let mut seeds = read_dir("fuzz/seeds/forms", "html");
        seeds.extend(read_dir("templates", "html"));
        smoke("forms", &seeds, 2_000, forms);
    }
}
