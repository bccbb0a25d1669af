//! Raw suite records: the YAML as written, with a source place on every
//! value (`Spanned`), before any checking beyond the schema.
//!
//! These mirror the file one to one. Every record denies unknown keys, and
//! there is no `untagged` or `flatten` (they would lose places and turn
//! errors into "data did not match any variant"): where a value may take two
//! shapes (a string or a list), a small hand-written visitor decides. The
//! validator (`validate.rs`) turns these into the model; nothing here knows
//! what a value means.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::suite::matcher::RawMatcher;
use crate::suite::model::{ClientRole, Level, Severity};

pub(crate) type S<T> = Spanned<T>;

/// Deserializes a present key as `Some`, even when its value is null (serde
/// would otherwise make `authorize:` indistinguishable from no `authorize`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// The file's outline, read with every scenario stubbed out.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHead {
    pub suite: S<String>,
    pub scenarios: S<Vec<IgnoredAny>>,
}

/// The whole file, read in one go when it has no schema error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    pub suite: S<String>,
    pub scenarios: S<Vec<S<RawScenario>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub id: S<String>,
    pub title: S<String>,
    pub requirements: S<Vec<S<String>>>,
    pub level: Option<S<Level>>,
    /// The level under each standard (docs/standards.md); `level:` is then
    /// the level under a standard the table leaves out.
    pub levels: Option<S<crate::standard::StandardLevels>>,
    pub severity: Option<S<Severity>>,
    pub refs: Option<S<Vec<S<String>>>>,
    pub requires: Option<S<Vec<S<String>>>>,
    pub vary: Option<S<Vec<S<RawVariant>>>>,
    pub steps: S<Vec<S<RawStep>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVariant {
    pub name: S<String>,
    pub requires: Option<S<Vec<S<String>>>>,
    pub set: S<Pairs<S<String>>>,
}

/// Declares the step kinds once: each line `Variant key: Type` gives a
/// `RawStep` field (`Option<S<Type>>`, present even when null), an entry of
/// [`STEP_KINDS`], a [`StepKey`] variant and a [`RawKind`] variant. The
/// validator matches `RawKind` and the model maps `StepKind` to `StepKey`
/// without a wildcard, so a kind added here does not compile until it is
/// validated, built and run.
macro_rules! step_kinds {
    ( $( $(#[$doc:meta])* $variant:ident $key:ident : $ty:ty, )* ) => {
        /// One step: exactly one kind key, plus what to do with the result.
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct RawStep {
            $(
                #[serde(default, deserialize_with = "present")]
                pub $key: Option<S<$ty>>,
            )*
            pub save: Option<S<Pairs<S<String>>>>,
            pub expect: Option<S<RawExpect>>,
            pub check: Option<S<RawExpect>>,
            pub any_of: Option<S<Vec<S<RawAlternative>>>>,
            pub level: Option<S<Level>>,
        }

        /// The step kind keys, in the order messages list them.
        pub(crate) const STEP_KINDS: &[&str] = &[$(stringify!($key)),*];

        /// A step kind key as written in YAML.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum StepKey {
            $( $(#[$doc])* $variant, )*
        }

        impl StepKey {
            /// Every kind, in declaration order.
            pub const ALL: &'static [StepKey] = &[$(StepKey::$variant),*];

            /// The YAML key.
            pub fn name(self) -> &'static str {
                match self { $(StepKey::$variant => stringify!($key),)* }
            }
        }

        /// One kind key present in a raw step, with its value.
        #[derive(Debug, Clone, Copy)]
        pub(crate) enum RawKind<'a> {
            $( $variant(&'a S<$ty>), )*
        }

        impl RawKind<'_> {
            /// Which key this is.
            pub fn key(self) -> StepKey {
                match self { $(RawKind::$variant(_) => StepKey::$variant,)* }
            }

            /// Where its value starts.
            pub fn at(self) -> crate::suite::source::At {
                match self { $(RawKind::$variant(v) => crate::suite::source::At::of(&v.referenced),)* }
            }
        }

        impl RawStep {
            /// The kind keys present, in declaration order (a valid step has one).
            pub fn kinds(&self) -> Vec<RawKind<'_>> {
                let mut kinds = Vec::new();
                $( if let Some(v) = &self.$key { kinds.push(RawKind::$variant(v)); } )*
                kinds
            }
        }
    };
}

step_kinds! {
    /// Front-channel authorization request.
    Authorize authorize: Option<RawAuthorize>,
    /// Token request (code, refresh or client-credentials grant).
    Token token: Option<RawToken>,
    /// Refresh-token grant.
    Refresh refresh: RawRefresh,
    /// Token revocation (RFC 7009).
    Revoke revoke: RawTokenOp,
    /// Token introspection (RFC 7662).
    Introspect introspect: RawTokenOp,
    /// UserInfo call with a bearer token.
    Userinfo userinfo: Option<RawBearer>,
    /// Protected-resource call with a bearer token.
    Resource resource: Option<RawBearer>,
    /// Decode and verify an ID token.
    IdToken id_token: RawIdToken,
    /// Fetch the discovery document.
    Discover discover: Option<RawEmpty>,
    /// Sleep for a sum of durations and timing names.
    Wait wait: String,
    /// Raw HTTP request.
    Request request: RawRequest,
    /// An authorization run whose login or consent form is submitted with
    /// a field changed, dropped or added.
    Tamper tamper: RawTamper,
    /// N identical token or refresh requests released together.
    Race race: RawRace,
    /// N code flows whose codes and tokens are measured, never reported.
    Entropy entropy: Option<RawEntropy>,
    /// A transport probe: plain HTTP to an https endpoint, or a TLS 1.0/1.1 handshake.
    TlsProbe tls_probe: RawTlsProbe,
}

/// `tls_probe: { probe: plain_http | legacy_tls, endpoint: token }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTlsProbe {
    pub probe: S<crate::suite::model::TlsProbeKind>,
    pub endpoint: S<crate::suite::builtin::Endpoint>,
}

/// One alternative of `any_of:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAlternative {
    pub expect: Option<S<RawExpect>>,
    pub check: Option<S<RawExpect>>,
    pub then: Option<S<crate::suite::model::Then>>,
    pub level: Option<S<Level>>,
    pub note: Option<S<String>>,
}

/// The keys of a step besides its kind.
pub(crate) const STEP_KEYS: &[&str] = &["save", "expect", "check", "any_of", "level"];

/// Declares a record that also takes the client-authentication keys
/// (`client`, `auth`, `secret`, `secret_of`, `secret_value`, `client_id`),
/// written out here rather than flattened so serde keeps places and
/// unknown-key errors list every key.
macro_rules! with_client_auth {
    (
        $(#[$meta:meta])*
        pub(crate) struct $name:ident { $($field:ident : $ty:ty,)* }
    ) => {
        $(#[$meta])*
        pub(crate) struct $name {
            $(pub $field: $ty,)*
            pub client: Option<S<ClientRole>>,
            pub auth: Option<S<crate::suite::model::AuthChoice>>,
            pub secret: Option<S<SecretKind>>,
            pub secret_of: Option<S<ClientRole>>,
            pub secret_value: Option<S<String>>,
            pub client_id: Option<S<String>>,
        }

        impl $name {
            pub fn auth_keys(&self) -> AuthKeys<'_> {
                AuthKeys {
                    client: self.client.as_ref(),
                    auth: self.auth.as_ref(),
                    secret: self.secret.as_ref(),
                    secret_of: self.secret_of.as_ref(),
                    secret_value: self.secret_value.as_ref(),
                    client_id: self.client_id.as_ref(),
                }
            }
        }
    };
}

/// The client-authentication keys of one record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuthKeys<'a> {
    pub client: Option<&'a S<ClientRole>>,
    pub auth: Option<&'a S<crate::suite::model::AuthChoice>>,
    pub secret: Option<&'a S<SecretKind>>,
    pub secret_of: Option<&'a S<ClientRole>>,
    pub secret_value: Option<&'a S<String>>,
    pub client_id: Option<&'a S<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SecretKind {
    Registered,
    Wrong,
    Empty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawConsent {
    Approve,
    Deny,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAuthorize {
    pub client: Option<S<ClientRole>>,
    pub params: Option<S<Pairs<S<OneOrMany>>>>,
    pub omit: Option<S<Vec<S<String>>>>,
    pub consent: Option<S<RawConsent>>,
    pub fresh_session: Option<S<bool>>,
    pub force_consent: Option<S<bool>>,
    pub password: Option<S<crate::suite::PasswordChoice>>,
    pub quiet_logins: Option<S<String>>,
}

with_client_auth! {
    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct RawToken {
        grant_type: Option<S<String>>,
        code: Option<S<String>>,
        redirect_uri: Option<S<String>>,
        code_verifier: Option<S<String>>,
        refresh_token: Option<S<String>>,
        scope: Option<S<String>>,
        params: Option<S<Pairs<S<OneOrMany>>>>,
        omit: Option<S<Vec<S<String>>>>,
    }
}

with_client_auth! {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct RawRefresh {
        token: S<String>,
        scope: Option<S<String>>,
        params: Option<S<Pairs<S<OneOrMany>>>>,
        omit: Option<S<Vec<S<String>>>>,
    }
}

with_client_auth! {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct RawTokenOp {
        token: S<String>,
        hint: Option<S<String>>,
    }
}

with_client_auth! {
    /// `request: { auth: … }`: the client-authentication keys alone.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(crate) struct RawAuth {}
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBearer {
    pub token: Option<S<String>>,
    pub url: Option<S<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIdToken {
    pub token: S<String>,
    pub access_token: Option<S<String>>,
    pub code: Option<S<String>>,
}

/// `discover: {}`: no keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEmpty {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequest {
    pub method: S<String>,
    pub url: S<String>,
    pub headers: Option<S<Pairs<S<String>>>>,
    pub form: Option<S<Pairs<S<OneOrMany>>>>,
    pub body: Option<S<String>>,
    pub auth: Option<S<RawAuth>>,
    /// Appended to the URL's query byte for byte (raw writer).
    pub raw_query: Option<S<String>>,
}

/// `tamper:` — which scraped form, and what to change in it before it is
/// submitted (field names as the form writes them, or `@csrf` for its
/// anti-forgery field).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTamper {
    pub form: S<crate::suite::model::TamperForm>,
    pub drop: Option<S<Vec<S<String>>>>,
    pub set: Option<S<Pairs<S<String>>>>,
    pub add: Option<S<Pairs<S<String>>>>,
    pub client: Option<S<ClientRole>>,
    pub params: Option<S<Pairs<S<OneOrMany>>>>,
}

/// `race:` — how many copies, and the one request to copy (`token:` or
/// `refresh:`, written as those steps are).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRace {
    pub count: Option<S<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub token: Option<S<Option<RawToken>>>,
    pub refresh: Option<S<RawRefresh>>,
}

/// `entropy:` — how many flows to sample.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEntropy {
    pub samples: Option<S<i64>>,
}

/// An `expect:` or `check:` map.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    pub status: Option<S<RawStatus>>,
    pub error: Option<S<OneOrMany>>,
    #[serde(default, deserialize_with = "present")]
    pub redirect: Option<S<Option<RawRedirect>>>,
    pub no_redirect: Option<S<bool>>,
    pub headers: Option<S<Pairs<S<RawMatcher>>>>,
    pub json: Option<S<Pairs<S<RawMatcher>>>>,
    pub fields: Option<S<Pairs<S<RawMatcher>>>>,
}

/// The keys of an expect map, for messages.
pub(crate) const EXPECT_KEYS: &[&str] = &[
    "status",
    "error",
    "redirect",
    "no_redirect",
    "headers",
    "json",
    "fields",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRedirect {
    pub to: Option<S<String>>,
    pub params: Option<S<Pairs<S<RawMatcher>>>>,
}

/// A YAML map kept in source order, keys with their places. Duplicate keys
/// never reach it: serde-saphyr rejects them.
#[derive(Debug)]
pub(crate) struct Pairs<V>(pub Vec<(S<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Pairs<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor<V>(std::marker::PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for PairsVisitor<V> {
            type Value = Pairs<V>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<V>, A::Error> {
                let mut pairs = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    pairs.push(entry);
                }
                Ok(Pairs(pairs))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Pairs<V>, E> {
                Ok(Pairs(Vec::new()))
            }
        }

        deserializer.deserialize_map(PairsVisitor(std::marker::PhantomData))
    }
}

/// A string, or a list of strings (a parameter sent once per element).
/// Numbers and booleans are taken as their text.
#[derive(Debug)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<S<String>>),
    /// Anything else, described ("a map", "nothing") for the validator's
    /// message, which can point at the value itself.
    Invalid(&'static str),
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor;

        impl<'de> Visitor<'de> for OneOrManyVisitor {
            type Value = OneOrMany;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(number_text(v)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany::Many(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OneOrMany, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(OneOrMany::Invalid("a map"))
            }

            fn visit_unit<E: de::Error>(self) -> Result<OneOrMany, E> {
                Ok(OneOrMany::Invalid("nothing"))
            }

            fn visit_none<E: de::Error>(self) -> Result<OneOrMany, E> {
                Ok(OneOrMany::Invalid("nothing"))
            }
        }

        deserializer.deserialize_any(OneOrManyVisitor)
    }
}

/// The JSON text of a float (`1.5`, `1000.0`).
pub(crate) fn number_text(v: f64) -> String {
    serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string())
}

/// `status: 200` or `status: [200, 201]`.
#[derive(Debug)]
pub(crate) enum RawStatus {
    One(i64),
    Many(Vec<S<i64>>),
    /// Not an integer or a list: what was found, for the message.
    Invalid(String),
}

impl<'de> Deserialize<'de> for RawStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatusVisitor;

        impl<'de> Visitor<'de> for StatusVisitor {
            type Value = RawStatus;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an HTTP status or a list of them")
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawStatus, E> {
                Ok(RawStatus::One(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawStatus, E> {
                Ok(RawStatus::One(i64::try_from(v).unwrap_or(i64::MAX)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawStatus, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(RawStatus::Many(items))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawStatus, E> {
                Ok(RawStatus::Invalid(format!("`{v}`")))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawStatus, E> {
                Ok(RawStatus::Invalid(format!("`{}`", number_text(v))))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawStatus, E> {
                Ok(RawStatus::Invalid(format!("`{v}`")))
            }

            fn visit_unit<E: de::Error>(self) -> Result<RawStatus, E> {
                Ok(RawStatus::Invalid("nothing".to_string()))
            }

            fn visit_none<E: de::Error>(self) -> Result<RawStatus, E> {
                Ok(RawStatus::Invalid("nothing".to_string()))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStatus, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(RawStatus::Invalid("a map".to_string()))
            }
        }

        deserializer.deserialize_any(StatusVisitor)
    }
}
