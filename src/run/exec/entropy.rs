//! The `entropy` step: run `samples` default code flows, keep the codes,
//! access tokens and refresh tokens in memory only, and estimate how many
//! bits of each an attacker would have to guess (RFC 6749 §10.10: the
//! guessing probability MUST be ≤ 2^-128 and SHOULD be ≤ 2^-160). The
//! result holds statistics only — lengths, alphabet, bit counts — never a
//! value, so no artifact reaches a report.
//!
//! The estimator, per kind of artifact:
//! - a JWT (three base64url segments with a JSON header) counts by its
//!   signature segment only: its header and claims are predictable, and a
//!   guess must forge the signature;
//! - a position **varies** when not every sample has the same character
//!   there (positions counted from the start, up to the shortest sample);
//! - the **alphabet** is the smallest of the usual ones (digits, hex, lower
//!   or upper letters with digits, alphanumerics, base64url, base64,
//!   printable ASCII) holding every character seen at the varying
//!   positions; its size gives the bits a character can carry,
//!   log2(alphabet);
//! - **bits_upper** = shortest length × log2(alphabet): the most the format
//!   could hold;
//! - **bits** = positions that vary across the sample × log2(alphabet):
//!   a position with the same character in every sample (a fixed prefix, a
//!   version tag, the high digits of a counter or clock) carries nothing. A
//!   value seen twice makes it 0: a repeat within a few dozen draws means
//!   the guessing probability is nowhere near 2^-128.
//!
//! A sample can only show entropy to be missing, never prove it present: a
//! counter hashed into base64 looks random here. The figure judged is the
//! smallest `bits` of the kinds sampled (`min_bits`).

use serde_json::{Map, Value, json};

use super::{StepError, Trial};
use crate::checks::{ProbeResult, StepResult};
use crate::suite::{AuthorizeStep, ClientAuth, EntropyStep, Grant, GrantType, Template, TokenStep};

/// The usual alphabets, smallest first: a name and its characters.
const ALPHABETS: &[(&str, &str)] = &[
    ("digits", "0123456789"),
    ("hex", "0123456789abcdef"),
    ("HEX", "0123456789ABCDEF"),
    ("lowercase+digits", "abcdefghijklmnopqrstuvwxyz0123456789"),
    ("uppercase+digits", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    (
        "alphanumeric",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    ),
    (
        "base64url",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    ),
    (
        "base64",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
    ),
];

/// What one kind of artifact measured.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Estimate {
    pub samples: usize,
    pub distinct: usize,
    /// `opaque` or `jwt` (then only the signature segment was measured).
    pub structure: &'static str,
    pub length: usize,
    pub alphabet: String,
    pub alphabet_size: usize,
    pub varying: usize,
    pub bits_upper: f64,
    pub bits: f64,
}

/// The part of a value that is measured: a JWT's signature, else all of it.
fn measured(value: &str) -> (&'static str, &str) {
    let parts: Vec<&str> = value.split('.').collect();
    if let [header, _, signature] = parts.as_slice() {
        use base64::Engine;
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header);
        let is_json = decoded
            .ok()
            .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
            .is_some_and(|h| h.get("alg").is_some());
        if is_json {
            return ("jwt", signature);
        }
    }
    ("opaque", value)
}

/// The smallest usual alphabet holding every character of `seen`: its
/// name and size.
fn alphabet_of(mut seen: Vec<char>) -> (String, usize) {
    seen.sort_unstable();
    seen.dedup();
    ALPHABETS
        .iter()
        .find(|(_, chars)| seen.iter().all(|c| chars.contains(*c)))
        .map(|(name, chars)| ((*name).to_string(), chars.chars().count()))
        .unwrap_or_else(|| {
            if seen.iter().all(|c| (' '..='~').contains(c)) {
                ("printable ASCII".to_string(), 95)
            } else {
                ("characters seen".to_string(), seen.len().max(2))
            }
        })
}

/// Estimates the entropy of `values` (all of one kind) as the module says.
pub(super) fn estimate(values: &[String]) -> Estimate {
    let mut structure = "opaque";
    let parts: Vec<Vec<char>> = values
        .iter()
        .map(|v| {
            let (kind, part) = measured(v);
            if kind == "jwt" {
                structure = "jwt";
            }
            part.chars().collect()
        })
        .collect();
    let length = parts.iter().map(Vec::len).min().unwrap_or(0);
    let varying: Vec<usize> = (0..length)
        .filter(|&i| parts.iter().any(|p| p[i] != parts[0][i]))
        .collect();
    // The alphabet of what varies: a constant prefix's characters say
    // nothing about the random part's.
    let (alphabet, alphabet_size) = alphabet_of(
        parts
            .iter()
            .flat_map(|p| varying.iter().map(|&i| p[i]))
            .collect(),
    );
    let varying = varying.len();
    let mut sorted: Vec<&String> = values.iter().collect();
    sorted.sort_unstable();
    sorted.dedup();
    let distinct = sorted.len();
    let per_char = (alphabet_size as f64).log2();
    let bits_upper = length as f64 * per_char;
    let bits = if distinct < values.len() || values.len() < 2 {
        0.0
    } else {
        varying as f64 * per_char
    };
    Estimate {
        samples: values.len(),
        distinct,
        structure,
        length,
        alphabet,
        alphabet_size,
        varying,
        bits_upper: bits_upper.floor(),
        bits: bits.floor(),
    }
}

impl Estimate {
    fn to_json(&self) -> Value {
        json!({
            "samples": self.samples,
            "distinct": self.distinct,
            "structure": self.structure,
            "length": self.length,
            "alphabet": self.alphabet,
            "alphabet_size": self.alphabet_size,
            "varying_positions": self.varying,
            "bits_upper": self.bits_upper,
            "bits": self.bits,
        })
    }
}

/// The step's result from the artifacts collected, by kind.
pub(super) fn result(samples: usize, collected: &[(&str, Vec<String>)]) -> ProbeResult {
    let mut view = Map::new();
    let mut weakest: Option<(&str, f64)> = None;
    let mut parts = Vec::new();
    for (kind, values) in collected {
        if values.len() < 2 {
            continue;
        }
        let estimate = estimate(values);
        parts.push(format!(
            "{kind} {} bits ({} of {} positions vary, {} alphabet{})",
            estimate.bits,
            estimate.varying,
            estimate.length,
            estimate.alphabet,
            if estimate.distinct < estimate.samples {
                format!(
                    ", only {} distinct of {}",
                    estimate.distinct, estimate.samples
                )
            } else {
                String::new()
            }
        ));
        if weakest.is_none_or(|(_, bits)| estimate.bits < bits) {
            weakest = Some((kind, estimate.bits));
        }
        view.insert((*kind).to_string(), estimate.to_json());
    }
    view.insert("samples".into(), json!(samples));
    if let Some((kind, bits)) = weakest {
        view.insert("min_bits".into(), json!(bits));
        view.insert("weakest".into(), json!(kind));
    }
    ProbeResult {
        summary: format!("entropy over {samples} flows: {}", parts.join("; ")),
        json: Value::Object(view),
    }
}

impl Trial<'_> {
    pub(super) async fn entropy(&mut self, step: &EntropyStep) -> Result<StepResult, StepError> {
        let mut codes = Vec::new();
        let mut access = Vec::new();
        let mut refresh = Vec::new();
        for sample in 1..=step.samples {
            let run = self.authorize(&AuthorizeStep::default(), false).await?;
            let Some(code) = run.redirect_param("code").map(str::to_string) else {
                return Err(StepError::Other(format!(
                    "flow {sample} of {}: the authorization run brought no code\n{}",
                    step.samples,
                    self.describe(&run)
                )));
            };
            codes.push(code.clone());
            let token = TokenStep {
                grant: Grant::Known(GrantType::AuthorizationCode),
                auth: ClientAuth::default(),
                params: vec![("code".into(), Template::literal(code.as_str()))],
                omit: Vec::new(),
            };
            let exchange = self.token(&token).await?;
            let text = |name: &str| {
                exchange
                    .json
                    .get(name)
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let Some(at) = text("access_token") else {
                return Err(StepError::Other(format!(
                    "flow {sample} of {}: the code was not redeemed\n{}",
                    step.samples,
                    self.describe(&StepResult::Http(exchange.clone()))
                )));
            };
            access.push(at);
            refresh.extend(text("refresh_token"));
        }
        Ok(StepResult::Probe(result(
            step.samples,
            &[
                ("code", codes),
                ("access_token", access),
                ("refresh_token", refresh),
            ],
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_base64url(n: usize, seed: u64) -> String {
        // A small LCG is enough to make every position vary over 20 draws.
        let alphabet: Vec<char> = ALPHABETS[6].1.chars().collect();
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                alphabet[((x >> 33) % 64) as usize]
            })
            .collect()
    }

    #[test]
    fn random_base64url_tokens_carry_six_bits_a_character() {
        let values: Vec<String> = (0..20).map(|i| random_base64url(43, i)).collect();
        let e = estimate(&values);
        assert_eq!(e.alphabet, "base64url");
        assert_eq!(e.length, 43);
        assert_eq!(e.varying, 43);
        assert_eq!(e.bits, 258.0);
        assert_eq!(e.structure, "opaque");
    }

    #[test]
    fn a_fixed_prefix_carries_nothing() {
        let values: Vec<String> = (0..20u32)
            .map(|i| {
                format!(
                    "code-0000000000000000000000000000000000-{:08x}",
                    i.wrapping_mul(2_654_435_761)
                )
            })
            .collect();
        let e = estimate(&values);
        assert!(e.bits <= 32.0, "{e:?}");
        assert_eq!(
            (e.alphabet.as_str(), e.bits, e.bits_upper),
            ("hex", 32.0, 192.0),
            "{e:?}"
        );
    }

    #[test]
    fn a_repeat_means_zero_bits() {
        let mut values: Vec<String> = (0..5).map(|i| random_base64url(43, i)).collect();
        values.push(values[0].clone());
        let e = estimate(&values);
        assert_eq!(e.distinct, 5);
        assert_eq!(e.bits, 0.0);
    }

    #[test]
    fn a_jwt_counts_by_its_signature() {
        let header = "eyJhbGciOiJSUzI1NiJ9"; // {"alg":"RS256"}
        let values: Vec<String> = (0..20)
            .map(|i| format!("{header}.eyJzdWIiOiJ1In0.{}", random_base64url(16, i)))
            .collect();
        let e = estimate(&values);
        assert_eq!(e.structure, "jwt");
        assert_eq!(e.length, 16);
        assert_eq!(e.bits, 96.0);
    }

    #[test]
    fn the_result_names_the_weakest_kind_and_holds_no_value() {
        let strong: Vec<String> = (0..20).map(|i| random_base64url(43, i)).collect();
        let weak: Vec<String> = (0..20).map(|i| format!("{:06}", i * 7919)).collect();
        let probe = result(
            20,
            &[("code", weak.clone()), ("access_token", strong.clone())],
        );
        assert_eq!(probe.json["weakest"], "code");
        assert!(probe.json["min_bits"].as_f64().unwrap() < 20.0);
        let text = format!("{} {}", probe.json, probe.summary);
        for value in strong.iter().chain(&weak) {
            assert!(!text.contains(value.as_str()), "{value} leaked");
        }
    }
}
