//! Built-in template variables (`${issuer}`, `${client.main.redirect_uri.host}`,
//! `${env:NAME}`, …): their names, declared once, parsed into [`Builtin`].
//!
//! The loader parses every built-in a template uses (and reports the segment
//! that is wrong, with a suggestion); the runner parses the same way and
//! resolves the result with exhaustive matches (`run/vars.rs`), so a name
//! added here does not compile until it has a value.

use crate::diag::{one_of, suggest};
use crate::suite::model::ClientRole;
use crate::suite::vocab::vocabulary;

vocabulary! {
    /// The first segment of a built-in variable.
    pub enum Root {
        Issuer = "issuer",
        Client = "client",
        Endpoint = "endpoint",
        Scope = "scope",
        User = "user",
        Random = "random",
    }
}

vocabulary! {
    /// `${endpoint.<name>}`: an endpoint of the target profile.
    pub enum Endpoint {
        Authorization = "authorization",
        Token = "token",
        Revocation = "revocation",
        Introspection = "introspection",
        Userinfo = "userinfo",
        Jwks = "jwks",
        Resource = "resource",
        /// Dynamic client registration (RFC 7591).
        Registration = "registration",
        ScopedResource = "scoped_resource",
        SecondResource = "second_resource",
    }
}

vocabulary! {
    /// `${scope.<name>}`: a scope of the target profile.
    pub enum ScopeField {
        Default = "default",
        Extra = "extra",
        Forbidden = "forbidden",
    }
}

vocabulary! {
    /// `${user.<name>}`: the test user.
    pub enum UserField {
        Username = "username",
        /// A secret: redacted like every secret of the profile.
        Password = "password",
    }
}

vocabulary! {
    /// `${client.<role>.<field>}`.
    pub enum ClientField {
        Id = "id",
        RedirectUri = "redirect_uri",
        OtherRedirectUri = "other_redirect_uri",
        /// A secret: redacted like every secret of the profile (for
        /// requests the client-authentication keys cannot build, such as
        /// two methods at once).
        Secret = "secret",
    }
}

vocabulary! {
    /// `${client.<role>.redirect_uri.<part>}`: a piece of the URI as written.
    pub enum UriPart {
        Scheme = "scheme",
        /// `http` for `https` and the other way round.
        OtherScheme = "other_scheme",
        Authority = "authority",
        Host = "host",
        /// The port, or the scheme's default when none is written.
        Port = "port",
        Path = "path",
        Query = "query",
        Origin = "origin",
        UpperScheme = "upper_scheme",
        UpperAuthority = "upper_authority",
        UpperPath = "upper_path",
        /// The same port spelt the other way (written ↔ implicit).
        OtherPortForm = "other_port_form",
    }
}

/// The roots of the built-in variables (`${issuer}`, `${client.main.id}`, …).
pub const BUILTIN_ROOTS: &[&str] = Root::NAMES;
/// `${endpoint.<name>}`.
pub const ENDPOINTS: &[&str] = Endpoint::NAMES;
/// `${scope.<name>}`.
pub const SCOPES: &[&str] = ScopeField::NAMES;
/// `${user.<name>}`.
pub const USER_FIELDS: &[&str] = UserField::NAMES;
/// `${client.<role>}`.
pub const CLIENT_ROLES: &[&str] = ClientRole::NAMES;
/// `${client.<role>.<field>}`.
pub const CLIENT_FIELDS: &[&str] = ClientField::NAMES;
/// `${client.<role>.redirect_uri.<part>}`.
pub const URI_PARTS: &[&str] = UriPart::NAMES;

/// A parsed built-in variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Builtin {
    /// `${issuer}`.
    Issuer,
    /// `${random}`: a fresh random token.
    Random,
    /// `${env:NAME}`.
    Env(String),
    Endpoint(Endpoint),
    Scope(ScopeField),
    User(UserField),
    Client(ClientRole, ClientField),
    /// `${client.<role>.redirect_uri.<part>}`.
    RedirectPart(ClientRole, UriPart),
}

/// Why a name is not a built-in: a message and an optional hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinError {
    pub message: String,
    pub hint: Option<String>,
}

fn err<T>(message: String, hint: Option<String>) -> Result<T, BuiltinError> {
    Err(BuiltinError { message, hint })
}

/// Whether `name` is a built-in (not a scenario variable): it contains a
/// `.`, starts with `env:`, or is `issuer` or `random`.
pub(crate) fn is_builtin(name: &str) -> bool {
    name.contains('.') || name.starts_with("env:") || name == "issuer" || name == "random"
}

impl Builtin {
    /// Parses a built-in name, saying which segment is wrong and what would
    /// fit there when it is not one.
    pub fn parse(name: &str) -> Result<Builtin, BuiltinError> {
        if let Some(env) = name.strip_prefix("env:") {
            let valid = env
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && env.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            return if valid {
                Ok(Builtin::Env(env.to_string()))
            } else {
                err(
                    format!("invalid environment variable name in `${{{name}}}`"),
                    Some(
                        "write `${env:NAME}` with NAME made of letters, digits and `_`".to_string(),
                    ),
                )
            };
        }
        let mut segments = name.split('.');
        let first = segments.next().unwrap_or_default();
        let Some(root) = Root::from_name(first) else {
            let hint = suggest(first, Root::NAMES.iter().copied()).unwrap_or_else(|| {
                format!(
                    "built-in variables start with {} or `env:`; a scenario variable has no `.`",
                    one_of(Root::NAMES.iter().copied())
                )
            });
            return err(format!("unknown built-in variable `{name}`"), Some(hint));
        };
        let rest: Vec<&str> = segments.collect();
        if rest.iter().any(|s| s.is_empty()) {
            return err(format!("invalid variable `{name}`: empty segment"), None);
        }
        let field = Field { name };
        match (root, rest.as_slice()) {
            (Root::Issuer, []) => Ok(Builtin::Issuer),
            (Root::Random, []) => Ok(Builtin::Random),
            (Root::Issuer | Root::Random, _) => err(
                format!("`{first}` has no fields: write `${{{first}}}`"),
                None,
            ),
            (Root::Endpoint, rest) => field.one(rest, "endpoint").map(Builtin::Endpoint),
            (Root::Scope, rest) => field.one(rest, "scope").map(Builtin::Scope),
            (Root::User, rest) => field.one(rest, "user field").map(Builtin::User),
            (Root::Client, []) => field.needs::<ClientRole, _>(),
            (Root::Client, [role, rest @ ..]) => {
                let role = field.known::<ClientRole>(role, "client")?;
                match rest {
                    [] => field.needs::<ClientField, _>(),
                    [f] => Ok(Builtin::Client(role, field.known(f, "client field")?)),
                    [f, part] => match field.known::<ClientField>(f, "client field")? {
                        ClientField::RedirectUri => Ok(Builtin::RedirectPart(
                            role,
                            field.known(part, "redirect URI part")?,
                        )),
                        _ => field.too_long(),
                    },
                    _ => {
                        field.known::<ClientField>(rest[0], "client field")?;
                        field.too_long()
                    }
                }
            }
        }
    }
}

/// A vocabulary the parser walks one segment at a time.
trait Names: Sized + Copy {
    const NAMES: &'static [&'static str];
    fn from_name(name: &str) -> Option<Self>;
}

macro_rules! names {
    ($($t:ty),*) => {$(
        impl Names for $t {
            const NAMES: &'static [&'static str] = <$t>::NAMES;
            fn from_name(name: &str) -> Option<Self> {
                <$t>::from_name(name)
            }
        }
    )*};
}
names!(
    Endpoint,
    ScopeField,
    UserField,
    ClientRole,
    ClientField,
    UriPart
);

/// The messages for one built-in name.
struct Field<'a> {
    name: &'a str,
}

impl Field<'_> {
    fn known<T: Names>(&self, segment: &str, what: &str) -> Result<T, BuiltinError> {
        T::from_name(segment).map_or_else(
            || {
                err(
                    format!("unknown {what} `{segment}` in `${{{}}}`", self.name),
                    Some(
                        suggest(segment, T::NAMES.iter().copied()).unwrap_or_else(|| {
                            format!("expected {}", one_of(T::NAMES.iter().copied()))
                        }),
                    ),
                )
            },
            Ok,
        )
    }

    fn needs<T: Names, R>(&self) -> Result<R, BuiltinError> {
        err(
            format!(
                "`${{{}}}` needs a field: {}",
                self.name,
                one_of(T::NAMES.iter().copied())
            ),
            None,
        )
    }

    fn too_long<R>(&self) -> Result<R, BuiltinError> {
        err(format!("unknown built-in variable `{}`", self.name), None)
    }

    /// `root.<one field>`.
    fn one<T: Names>(&self, rest: &[&str], what: &str) -> Result<T, BuiltinError> {
        match rest {
            [] => self.needs::<T, _>(),
            [f] => self.known(f, what),
            _ => self.too_long(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(name: &str) -> (String, Option<String>) {
        let e = Builtin::parse(name).unwrap_err();
        (e.message, e.hint)
    }

    #[test]
    fn builtins() {
        assert!(is_builtin("issuer") && is_builtin("env:X") && is_builtin("client.main.id"));
        assert!(!is_builtin("code"));
        assert_eq!(
            Builtin::parse("client.main.redirect_uri.host"),
            Ok(Builtin::RedirectPart(ClientRole::Main, UriPart::Host))
        );
        assert_eq!(
            Builtin::parse("endpoint.token"),
            Ok(Builtin::Endpoint(Endpoint::Token))
        );
        assert_eq!(
            Builtin::parse("env:APP_SECRET"),
            Ok(Builtin::Env("APP_SECRET".into()))
        );
        let (message_, hint) = message("clinet.main.id");
        assert_eq!(message_, "unknown built-in variable `clinet.main.id`");
        assert_eq!(hint.as_deref(), Some("did you mean `client`?"));
        let (message_, hint) = message("client.mian.id");
        assert_eq!(message_, "unknown client `mian` in `${client.mian.id}`");
        assert_eq!(hint.as_deref(), Some("did you mean `main`?"));
        let (message_, hint) = message("client.main.redirect_uri.hots");
        assert_eq!(
            message_,
            "unknown redirect URI part `hots` in `${client.main.redirect_uri.hots}`"
        );
        assert_eq!(hint.as_deref(), Some("did you mean `host`?"));
        let (message_, hint) = message("endpoint.tokn");
        assert_eq!(message_, "unknown endpoint `tokn` in `${endpoint.tokn}`");
        assert_eq!(hint.as_deref(), Some("did you mean `token`?"));
        assert_eq!(
            message("scope").0,
            "`${scope}` needs a field: `default`, `extra` or `forbidden`"
        );
        assert!(Builtin::parse("client.main.other_redirect_uri").is_ok());
        assert!(Builtin::parse("client.public.redirect_uri.upper_path").is_ok());
        assert!(Builtin::parse("client.main.id.x").is_err());
        assert!(Builtin::parse("client.main.redirect_uri.host.x").is_err());
        assert!(Builtin::parse("env:").is_err());
        assert!(Builtin::parse("issuer.x").is_err());
        assert!(Builtin::parse("endpoint.token.x").is_err());
    }
}
