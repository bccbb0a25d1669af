//! `report.sarif`: SARIF 2.1.0 for code-scanning tools (GitHub's
//! `upload-sarif`), as a few hand-written serde structs.
//!
//! Rules are the requirement ids the run's trials cite (title from the
//! catalogue, help link to the first citation); each fail or warn trial is one
//! result on its first requirement, located at the target (and, logically, at
//! the trial), with the last recorded HTTP exchange as its
//! `webRequest`/`webResponse`. Trials that ended in `error` are not findings
//! about the server: they become tool-execution notifications. Renders from
//! the [`RunReport`] only.
//!
//! The location names the issuer, but not as an `http:` URI: GitHub code
//! scanning fails to process a SARIF location whose scheme is not `file`
//! (`SARIF URI scheme "https" did not match the checkout URI scheme "file"`,
//! github/codeql-action#754). So the `artifactLocation.uri` is a relative
//! path spelled from the issuer (`http://127.0.0.1:9400/realms/a` →
//! `127.0.0.1_9400/realms/a`) and the issuer URL itself is its description.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::text::{first_link, one_line, requirement_title, target_label};
use super::{ReportError, RunReport};
use crate::agent::Exchange;
use crate::catalogue;
use crate::run::{Outcome, TrialReport};
use crate::suite::{Level, Severity};

/// The schema the document declares.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool is described: the package's `repository` (or `homepage`)
/// from Cargo.toml, else its crates.io page.
pub fn information_uri() -> &'static str {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or("https://crates.io/crates/oauthcheck")
}

/// The SARIF document, pretty-printed.
pub fn render(report: &RunReport) -> Result<String, ReportError> {
    serde_json::to_string_pretty(&log(report)).map_err(|e| ReportError::Render {
        format: "SARIF",
        reason: e.to_string(),
    })
}

/// The SARIF log as data (one run).
pub fn log(report: &RunReport) -> Log {
    let rule_ids: BTreeSet<&str> = report
        .trials
        .iter()
        .flat_map(|t| {
            t.requirements
                .iter()
                .map(String::as_str)
                .chain(fallback_rule(t))
        })
        .collect();
    let rule_ids: Vec<&str> = rule_ids.into_iter().collect();
    let rules = rule_ids.iter().map(|id| rule(id, report)).collect();
    let index_of = |id: &str| rule_ids.iter().position(|r| *r == id).unwrap_or(0);
    let results = report
        .trials
        .iter()
        .filter(|t| matches!(t.outcome, Outcome::Fail | Outcome::Warn))
        .map(|t| {
            let rule_id = primary_rule(t);
            result(t, rule_id, index_of(rule_id), report)
        })
        .collect();
    let notifications: Vec<Notification> = report
        .trials
        .iter()
        .filter(|t| t.outcome == Outcome::Error)
        .map(|t| {
            let rule_id = primary_rule(t);
            Notification {
                level: "error",
                message: Message::new(format!(
                    "trial `{}` could not reach its check: {}",
                    t.name,
                    one_line(t)
                )),
                associated_rule: Some(DescriptorReference {
                    id: rule_id.to_string(),
                    index: index_of(rule_id),
                }),
            }
        })
        .collect();
    Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "oauthcheck",
                    version: report.tool_version.clone(),
                    semantic_version: report.tool_version.clone(),
                    information_uri: information_uri(),
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: format!("oauthcheck/{}/", report.target.name),
                description: Message::new(match &report.target.standard {
                    Some(standard) => format!(
                        "oauthcheck against {}, judged by {standard}",
                        target_label(&report.target)
                    ),
                    None => format!("oauthcheck against {}", target_label(&report.target)),
                }),
            },
            invocations: vec![Invocation {
                execution_successful: notifications.is_empty(),
                start_time_utc: Some(report.started_at.clone()).filter(|s| !s.is_empty()),
                tool_execution_notifications: notifications,
            }],
            results,
            properties: report.target.insecure.then_some(RunProperties {
                insecure: true,
                note: super::text::INSECURE_MARK,
            }),
        }],
    }
}

/// The rule a trial's result is filed under: its first requirement.
fn primary_rule(trial: &TrialReport) -> &str {
    trial
        .requirements
        .first()
        .map(String::as_str)
        .unwrap_or(trial.scenario.as_str())
}

/// A trial citing no requirement is filed under its scenario id.
fn fallback_rule(trial: &TrialReport) -> Option<&str> {
    trial
        .requirements
        .is_empty()
        .then_some(trial.scenario.as_str())
}

fn rule(id: &str, report: &RunReport) -> Rule {
    let citing = report
        .trials
        .iter()
        .find(|t| t.requirements.iter().any(|r| r == id) || t.scenario == id);
    let (title, level, severity, refs) = match catalogue::find(id) {
        Some(r) => (r.title.clone(), r.level, r.severity, r.refs.clone()),
        None => match citing {
            Some(t) => (t.title.clone(), t.level, t.severity, t.refs.clone()),
            None => (id.to_string(), Level::Must, Severity::Medium, Vec::new()),
        },
    };
    let mut tags = vec![
        "security".to_string(),
        "oauth".to_string(),
        level.word().to_string(),
    ];
    tags.push(severity.word().to_string());
    Rule {
        id: id.to_string(),
        short_description: Message::new(
            requirement_title(id)
                .map(str::to_string)
                .unwrap_or(title.clone()),
        ),
        full_description: Message::new(format!("{title} ({} — {})", level.word(), refs.join(", "))),
        help_uri: first_link(&refs),
        help: Message::new(if refs.is_empty() {
            title
        } else {
            format!("{title}. See {}.", refs.join(", "))
        }),
        default_configuration: Configuration {
            level: match level {
                Level::Must => "error",
                Level::Should => "warning",
                Level::May => "note",
            },
        },
        properties: RuleProperties {
            tags,
            precision: "high",
            security_severity: security_severity(severity),
        },
    }
}

/// GitHub's numeric scale: ≥ 9 critical, ≥ 7 high, ≥ 4 medium, > 0 low.
fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

/// fail & critical/high → error, fail otherwise → warning; warn & at least
/// medium → warning, warn otherwise → note.
pub fn level(outcome: Outcome, severity: Severity) -> &'static str {
    match (outcome, severity) {
        (Outcome::Fail, Severity::Critical | Severity::High) => "error",
        (Outcome::Fail, _) => "warning",
        (Outcome::Warn, Severity::Critical | Severity::High | Severity::Medium) => "warning",
        (Outcome::Warn, _) => "note",
        (Outcome::Pass | Outcome::Skip | Outcome::Error, _) => "none",
    }
}

fn result(
    trial: &TrialReport,
    rule_id: &str,
    rule_index: usize,
    report: &RunReport,
) -> SarifResult {
    let physical_location = PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: artifact_path(&report.target),
            description: Message::new(
                report
                    .target
                    .issuer
                    .clone()
                    .unwrap_or_else(|| report.target.name.clone()),
            ),
        },
    };
    let message = match one_line(trial) {
        reason if reason.is_empty() => format!("{}: {}", trial.name, trial.title),
        reason => format!("{}: {reason}", trial.title),
    };
    let evidence = trial
        .exchanges
        .iter()
        .rev()
        .find(|e| e.status.is_some() || e.error.is_some());
    SarifResult {
        rule_id: rule_id.to_string(),
        rule_index,
        kind: "fail",
        level: level(trial.outcome, trial.severity),
        message: Message::new(message),
        locations: vec![Location {
            physical_location,
            logical_locations: vec![LogicalLocation {
                name: trial.name.clone(),
                fully_qualified_name: format!("{}/{}", trial.suite, trial.name),
                kind: "resource",
            }],
        }],
        // Stable across runs and ports: the same finding on the same target
        // is the same alert.
        partial_fingerprints: BTreeMap::from([(
            "oauthcheck/trial/v1".to_string(),
            format!("{}/{}", report.target.name, trial.name),
        )]),
        web_request: evidence.map(web_request),
        web_response: evidence.map(web_response),
        properties: ResultProperties {
            outcome: trial.outcome.word(),
            trial: trial.name.clone(),
            requirements: trial.requirements.clone(),
            level: trial.level.word(),
            severity: trial.severity.word(),
            refs: trial.refs.clone(),
            location: trial.location.clone(),
            details: trial.message.clone(),
        },
    }
}

/// A relative path that names the target and that code scanning accepts:
/// the issuer's host, `_port` when it has one, then its path
/// (`http://127.0.0.1:9400/realms/a` → `127.0.0.1_9400/realms/a`); the
/// target name when there is no issuer. Characters a path segment must not
/// hold become `_`.
pub fn artifact_path(target: &super::TargetInfo) -> String {
    let from_issuer = target.issuer.as_deref().and_then(|issuer| {
        let url = url::Url::parse(issuer).ok()?;
        let mut path = url.host_str()?.to_string();
        if let Some(port) = url.port() {
            path.push_str(&format!("_{port}"));
        }
        let rest = url.path().trim_matches('/');
        if !rest.is_empty() {
            path.push('/');
            path.push_str(rest);
        }
        Some(path)
    });
    let path = from_issuer.unwrap_or_else(|| target.name.clone());
    let safe: String = path
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._~/%".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    match safe.trim_matches('/') {
        "" => "target".to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// Headers as SARIF wants them (one value per name): repeats joined by `, `.
fn header_map(headers: &[(String, String)]) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        map.entry(name.clone())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.clone());
    }
    map
}

fn web_request(exchange: &Exchange) -> WebRequest {
    WebRequest {
        protocol: "http",
        method: exchange.method.clone(),
        target: exchange.url.clone(),
        headers: header_map(&exchange.request_headers),
        body: exchange
            .request_body
            .clone()
            .map(|text| ArtifactContent { text }),
    }
}

fn web_response(exchange: &Exchange) -> WebResponse {
    WebResponse {
        protocol: "http",
        status_code: exchange.status,
        headers: header_map(&exchange.response_headers),
        body: exchange
            .response_body
            .clone()
            .map(|text| ArtifactContent { text }),
        no_response_received: exchange.status.is_none(),
    }
}

/// The top-level SARIF object.
#[derive(Debug, Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run>,
}

/// One run of one tool.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub tool: Tool,
    pub automation_details: AutomationDetails,
    pub invocations: Vec<Invocation>,
    pub results: Vec<SarifResult>,
    /// Run properties: present only for an `--insecure` run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<RunProperties>,
}

/// `runs[].properties`: how the run was made, when the reader must know.
#[derive(Debug, Serialize)]
pub struct RunProperties {
    /// TLS certificates were not verified (`--insecure`).
    pub insecure: bool,
    pub note: &'static str,
}

/// `tool`.
#[derive(Debug, Serialize)]
pub struct Tool {
    pub driver: Driver,
}

/// `tool.driver`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub name: &'static str,
    pub version: String,
    pub semantic_version: String,
    pub information_uri: &'static str,
    pub rules: Vec<Rule>,
}

/// Tells one target's runs from another's (GitHub's "category").
#[derive(Debug, Serialize)]
pub struct AutomationDetails {
    pub id: String,
    pub description: Message,
}

/// How the run went as a process.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub execution_successful: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time_utc: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_execution_notifications: Vec<Notification>,
}

/// A trial that ended in `error`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub level: &'static str,
    pub message: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub associated_rule: Option<DescriptorReference>,
}

/// Points at a rule.
#[derive(Debug, Serialize)]
pub struct DescriptorReference {
    pub id: String,
    pub index: usize,
}

/// A requirement (`reportingDescriptor`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: String,
    pub short_description: Message,
    pub full_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_uri: Option<String>,
    pub help: Message,
    pub default_configuration: Configuration,
    pub properties: RuleProperties,
}

/// `defaultConfiguration`.
#[derive(Debug, Serialize)]
pub struct Configuration {
    pub level: &'static str,
}

/// Rule properties GitHub reads (`tags`, `precision`, `security-severity`).
#[derive(Debug, Serialize)]
pub struct RuleProperties {
    pub tags: Vec<String>,
    pub precision: &'static str,
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    pub security_severity: Option<&'static str>,
}

/// `{ "text": … }`.
#[derive(Debug, Serialize)]
pub struct Message {
    pub text: String,
}

impl Message {
    fn new(text: impl Into<String>) -> Message {
        Message { text: text.into() }
    }
}

/// One finding.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    pub rule_index: usize,
    pub kind: &'static str,
    pub level: &'static str,
    pub message: Message,
    pub locations: Vec<Location>,
    pub partial_fingerprints: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_request: Option<WebRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_response: Option<WebResponse>,
    pub properties: ResultProperties,
}

/// Where: the target, and the trial as a logical location.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub physical_location: PhysicalLocation,
    pub logical_locations: Vec<LogicalLocation>,
}

/// `physicalLocation`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
}

/// `artifactLocation`.
#[derive(Debug, Serialize)]
pub struct ArtifactLocation {
    /// A relative path naming the target (see [`artifact_path`]).
    pub uri: String,
    /// The issuer URL (or the target name when there is none).
    pub description: Message,
}

/// `logicalLocation`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogicalLocation {
    pub name: String,
    pub fully_qualified_name: String,
    pub kind: &'static str,
}

/// The request of the last recorded exchange (already redacted).
#[derive(Debug, Serialize)]
pub struct WebRequest {
    pub protocol: &'static str,
    pub method: String,
    pub target: String,
    pub headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<ArtifactContent>,
}

/// The response of the last recorded exchange (already redacted).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebResponse {
    pub protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    pub headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<ArtifactContent>,
    pub no_response_received: bool,
}

/// `{ "text": … }` for a body.
#[derive(Debug, Serialize)]
pub struct ArtifactContent {
    pub text: String,
}

/// What oauthcheck knows about the finding beyond SARIF's fields.
#[derive(Debug, Serialize)]
pub struct ResultProperties {
    pub outcome: &'static str,
    pub trial: String,
    pub requirements: Vec<String>,
    pub level: &'static str,
    pub severity: &'static str,
    pub refs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_outcome_and_severity() {
        assert_eq!(level(Outcome::Fail, Severity::Critical), "error");
        assert_eq!(level(Outcome::Fail, Severity::High), "error");
        assert_eq!(level(Outcome::Fail, Severity::Medium), "warning");
        assert_eq!(level(Outcome::Fail, Severity::Low), "warning");
        assert_eq!(level(Outcome::Warn, Severity::High), "warning");
        assert_eq!(level(Outcome::Warn, Severity::Low), "note");
    }

    #[test]
    fn the_location_is_a_relative_path_naming_the_issuer() {
        let target = |issuer: Option<&str>| super::super::TargetInfo {
            standard: None,
            name: "my as".into(),
            issuer: issuer.map(str::to_string),
            flaws: vec![],
            quirks: vec![],
            warnings: vec![],
            insecure: false,
        };
        let path = |issuer| artifact_path(&target(issuer));
        assert_eq!(path(Some("http://127.0.0.1:9400")), "127.0.0.1_9400");
        assert_eq!(
            path(Some("https://as.example.com/realms/a/")),
            "as.example.com/realms/a"
        );
        assert_eq!(path(Some("http://[::1]:8080/")), "___1__8080");
        assert_eq!(path(None), "my_as");
        assert_eq!(path(Some("not a url")), "my_as");
    }

    #[test]
    fn repeated_headers_are_joined() {
        let map = header_map(&[
            ("set-cookie".into(), "a=1".into()),
            ("set-cookie".into(), "b=2".into()),
            ("date".into(), "x".into()),
        ]);
        assert_eq!(map["set-cookie"], "a=1, b=2");
        assert_eq!(map.len(), 2);
    }
}
