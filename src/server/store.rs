//! The server's memory: pending authorization transactions, browsers and
//! login sessions, authorization codes, grants, and the tokens issued from
//! them.
//!
//! A *grant* is one user's consent turned into tokens: every access and
//! refresh token issued from one code (and from its refreshes) belongs to the
//! same grant, so "revoke everything from this code" and "revoke the refresh
//! token family" (RFC 9700 §4.14.2) are one flag. This file holds data and
//! small state transitions; it knows no HTTP and applies no flaws — the
//! endpoints decide, then record here. Callers hold the lock briefly and never
//! across an `.await`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::server::pkce::Challenge;

/// How long an unfinished authorization transaction stays usable.
pub const TRANSACTION_TTL: Duration = Duration::from_secs(600);
/// How long a browser's pre-login anti-CSRF token stays usable.
pub const BROWSER_TTL: Duration = Duration::from_secs(3600);
/// How long a login session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// How often expired entries are swept out.
const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Index of a grant.
pub type GrantId = u64;

/// An authorization request waiting for login and consent.
#[derive(Clone, Debug)]
pub struct Transaction {
    pub client_id: String,
    /// Where the response goes: the validated URI (or, only under the
    /// `redirect.error-no-redirect` flaw, an unvalidated one).
    pub redirect_uri: String,
    /// False only under `redirect.error-no-redirect`: errors may go there,
    /// codes never.
    pub redirect_validated: bool,
    /// Whether the request carried `redirect_uri` (then the token request
    /// must repeat it, RFC 6749 §4.1.3).
    pub redirect_uri_sent: bool,
    pub scope: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub challenge: Option<Challenge>,
    /// `response_type=token` (served only under `authz.implicit-disabled`).
    pub implicit: bool,
    /// An error found before the user logged in: redirected once they have
    /// (never a code).
    pub pending_error: Option<crate::server::oauth_error::OAuthError>,
    /// The request carried `prompt=consent`: ask even if consent is
    /// remembered (the `remembered-consent` quirk).
    pub prompt_consent: bool,
    /// The login session that may complete this transaction; `None` until
    /// the user logs in (also after `prompt=login` or an exceeded `max_age`).
    pub session: Option<String>,
    pub created: Instant,
}

/// A browser seen at the login page, identified by a pre-session cookie.
#[derive(Clone, Debug)]
pub struct Browser {
    /// Anti-CSRF token for the login form.
    pub csrf: String,
    pub created: Instant,
}

/// A logged-in user in one browser.
#[derive(Clone, Debug)]
pub struct Session {
    pub sub: String,
    /// Unix time of the login (OIDC `auth_time`).
    pub auth_time: u64,
    /// Anti-CSRF token for the consent form.
    pub csrf: String,
    pub created: Instant,
}

/// An authorization code and what it was issued for.
#[derive(Clone, Debug)]
pub struct CodeRecord {
    pub client_id: String,
    pub redirect_uri: String,
    pub redirect_uri_sent: bool,
    pub scope: Vec<String>,
    pub sub: String,
    pub auth_time: u64,
    pub nonce: Option<String>,
    pub challenge: Option<Challenge>,
    pub issued: Instant,
    /// The grant created when it was redeemed (set once used).
    pub grant: Option<GrantId>,
}

/// Tokens issued from one consent (or one client-credentials request).
#[derive(Clone, Debug)]
pub struct Grant {
    /// `None` for client credentials: no user behind the grant.
    pub sub: Option<String>,
    pub auth_time: Option<u64>,
    pub revoked: bool,
}

/// An access token (keyed by the token for opaque tokens, by `jti` for JWTs).
#[derive(Clone, Debug)]
pub struct AccessRecord {
    pub grant: GrantId,
    pub client_id: String,
    pub sub: Option<String>,
    pub scope: Vec<String>,
    pub iat: u64,
    pub exp: u64,
    pub expires: Instant,
    pub revoked: bool,
    /// The resource it was issued for (RFC 8707); `None`: the default one.
    pub resource: Option<String>,
}

/// Where a refresh token stands in its rotation chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshStatus {
    Current,
    /// Replaced by a newer token; presenting it again is a replay.
    RotatedOut,
}

/// A refresh token.
#[derive(Clone, Debug)]
pub struct RefreshRecord {
    pub grant: GrantId,
    pub client_id: String,
    /// The scope of the grant (RFC 6749 §6: a new refresh token keeps it).
    pub scope: Vec<String>,
    pub iat: u64,
    pub exp: u64,
    pub expires: Instant,
    pub status: RefreshStatus,
}

/// What introspection and the resource server see for an access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    Active,
    Expired,
    Revoked,
}

/// All server state.
#[derive(Debug)]
pub struct Store {
    pub transactions: HashMap<String, Transaction>,
    pub browsers: HashMap<String, Browser>,
    pub sessions: HashMap<String, Session>,
    pub codes: HashMap<String, CodeRecord>,
    pub grants: HashMap<GrantId, Grant>,
    pub access: HashMap<String, AccessRecord>,
    pub refresh: HashMap<String, RefreshRecord>,
    /// Scopes each user (`sub`) has approved for each client, kept only
    /// under the `remembered-consent` quirk.
    pub consents: HashMap<(String, String), Vec<String>>,
    next_grant: GrantId,
    last_sweep: Instant,
}

impl Default for Store {
    fn default() -> Store {
        Store {
            transactions: HashMap::new(),
            browsers: HashMap::new(),
            sessions: HashMap::new(),
            codes: HashMap::new(),
            grants: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            consents: HashMap::new(),
            next_grant: 1,
            last_sweep: Instant::now(),
        }
    }
}

impl Store {
    /// The authentication time that counts for `session` (OIDC `auth_time`,
    /// judged against `max_age`): its own login, or under the
    /// `user-auth-time` quirk the user's latest login in any browser.
    pub fn auth_time(&self, session: &Session, per_user: bool) -> u64 {
        if !per_user {
            return session.auth_time;
        }
        self.sessions
            .values()
            .filter(|other| other.sub == session.sub)
            .map(|other| other.auth_time)
            .fold(session.auth_time, u64::max)
    }

    /// Starts a grant and returns its id.
    pub fn new_grant(&mut self, grant: Grant) -> GrantId {
        let id = self.next_grant;
        self.next_grant += 1;
        self.grants.insert(id, grant);
        id
    }

    /// Revokes a grant: every access and refresh token in it dies.
    pub fn revoke_grant(&mut self, id: GrantId) {
        if let Some(grant) = self.grants.get_mut(&id) {
            grant.revoked = true;
        }
    }

    /// Whether a grant has been revoked (unknown grants count as revoked).
    pub fn grant_revoked(&self, id: GrantId) -> bool {
        self.grants.get(&id).is_none_or(|grant| grant.revoked)
    }

    /// The state of an access token record.
    pub fn liveness(&self, record: &AccessRecord, now: Instant) -> Liveness {
        if record.revoked || self.grant_revoked(record.grant) {
            Liveness::Revoked
        } else if now >= record.expires {
            Liveness::Expired
        } else {
            Liveness::Active
        }
    }

    /// Whether `sub` has already approved every scope in `scope` for `client_id`.
    pub fn consent_remembered(&self, sub: &str, client_id: &str, scope: &[String]) -> bool {
        self.consents
            .get(&(sub.to_string(), client_id.to_string()))
            .is_some_and(|granted| scope.iter().all(|s| granted.contains(s)))
    }

    /// Remembers that `sub` approved `scope` for `client_id`.
    pub fn remember_consent(&mut self, sub: &str, client_id: &str, scope: &[String]) {
        let granted = self
            .consents
            .entry((sub.to_string(), client_id.to_string()))
            .or_default();
        for value in scope {
            if !granted.contains(value) {
                granted.push(value.clone());
            }
        }
    }

    /// Drops entries that can no longer be used, at most every 30 s.
    ///
    /// Used codes are kept as long as unused ones would be plus ten minutes,
    /// so a late replay is still recognised and revokes what the code issued.
    /// Expired access and refresh tokens are kept ten minutes past their
    /// expiry too: the flaws that ignore a token's lifetime
    /// (`bearer.expired-401`, `refresh.expiry`) must find it however late
    /// after its expiry a sweep falls.
    pub fn sweep(&mut self, code_ttl: Duration, now: Instant) {
        if now.duration_since(self.last_sweep) < SWEEP_EVERY {
            return;
        }
        self.last_sweep = now;
        let code_keep = code_ttl + Duration::from_secs(600);
        self.transactions
            .retain(|_, tx| now.duration_since(tx.created) < TRANSACTION_TTL);
        self.browsers
            .retain(|_, browser| now.duration_since(browser.created) < BROWSER_TTL);
        self.sessions
            .retain(|_, session| now.duration_since(session.created) < SESSION_TTL);
        self.codes
            .retain(|_, code| now.duration_since(code.issued) < code_keep);
        self.access
            .retain(|_, token| now < token.expires + EXPIRED_TOKEN_KEEP);
        self.refresh
            .retain(|_, token| now < token.expires + EXPIRED_TOKEN_KEEP);
    }
}

/// How long an expired access or refresh token stays in the store.
const EXPIRED_TOKEN_KEEP: Duration = Duration::from_secs(600);

#[cfg(test)]
mod tests {
    use super::*;

    fn refresh_record(expires: Instant) -> RefreshRecord {
        RefreshRecord {
            grant: 1,
            client_id: "client".into(),
            scope: Vec::new(),
            iat: 0,
            exp: 0,
            expires,
            status: RefreshStatus::Current,
        }
    }

    #[test]
    fn a_sweep_keeps_expired_tokens_ten_minutes_then_drops_them() {
        let start = Instant::now();
        let mut store = Store::default();
        store
            .refresh
            .insert("expired".into(), refresh_record(start));
        let code_ttl = Duration::from_secs(2);
        store.sweep(code_ttl, start + Duration::from_secs(31));
        assert!(
            store.refresh.contains_key("expired"),
            "swept while a lifetime-ignoring flaw could still be asked for it"
        );
        store.sweep(code_ttl, start + Duration::from_secs(601 + 31));
        assert!(store.refresh.is_empty(), "kept for ever");
    }
}
