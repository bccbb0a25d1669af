//! Flaw and quirk switches: named behaviours of the reference server, each
//! with a stable id (what users type after `--flaw` / `--quirk` and write in
//! a config) and a one-line description. `switches!` is the shared
//! `oauth::vocab::vocabulary!` declaration plus a description per id and one
//! "did you mean" message for an unknown id, used by the command line and
//! the config file alike. Both lists are declared once, in `flaw.rs` and
//! `quirk.rs`.

/// Declares a switch enum: `switches! { /// doc \n Name, "noun", "hint"; Variant = "id": "description", … }`.
macro_rules! switches {
    (
        $(#[$enum_doc:meta])*
        $name:ident, $noun:literal, $list_hint:literal;
        $( $(#[$doc:meta])* $variant:ident = $id:literal : $description:literal, )*
    ) => {
        $crate::oauth::vocab::vocabulary! {
            @names
            $(#[$enum_doc])*
            pub enum $name {
                $( $(#[$doc])* $variant = $id, )*
            }
        }

        impl $name {
            /// Its stable id (its vocabulary name).
            pub fn id(self) -> &'static str {
                self.name()
            }

            /// One line saying what the server then does.
            pub fn description(self) -> &'static str {
                match self { $($name::$variant => $description,)* }
            }

            /// The switch with this id, if any.
            pub fn from_id(id: &str) -> Option<$name> {
                $name::from_name(id)
            }

            /// The message for an unknown id, with the closest known id as a
            /// hint, or the whole list when nothing is close.
            pub fn unknown_message(id: &str) -> String {
                $crate::server::switch::unknown_message($noun, id, $name::NAMES)
            }

            /// Where the full list is printed (for hints).
            pub const LIST_HINT: &'static str = $list_hint;
        }

        impl $crate::server::switch::Switch for $name {
            fn from_id(id: &str) -> Option<Self> {
                $name::from_id(id)
            }
            fn unknown_message(id: &str) -> String {
                $name::unknown_message(id)
            }
            fn list_hint() -> &'static str {
                $name::LIST_HINT
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let id = <String as serde::Deserialize>::deserialize(deserializer)?;
                $name::from_id(&id).ok_or_else(|| serde::de::Error::custom($name::unknown_message(&id)))
            }
        }
    };
}

pub(crate) use switches;

/// What the command line needs of a switch list: lookup by id, and one
/// message (with its hint) for an id that is not known.
pub trait Switch: Sized + Copy {
    /// The switch with this id, if any.
    fn from_id(id: &str) -> Option<Self>;
    /// "unknown … `id`; did you mean …?"
    fn unknown_message(id: &str) -> String;
    /// Where the full list is printed.
    fn list_hint() -> &'static str;
}

/// "unknown `noun` `id`", with the closest of `known` as a hint, or the
/// whole list when nothing is close: the one wording for an unknown switch,
/// on the command line and in a server config.
pub fn unknown_message(noun: &str, id: &str, known: &[&str]) -> String {
    let closest = known
        .iter()
        .map(|k| (strsim::jaro_winkler(id, k), *k))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match closest {
        Some((score, best)) if score > 0.8 => {
            format!("unknown {noun} `{id}`; did you mean `{best}`?")
        }
        _ => format!("unknown {noun} `{id}`; known: {}", known.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::unknown_message;
    use crate::server::{Flaw, Quirk};

    #[test]
    fn an_unknown_id_names_the_closest_or_lists_them_all() {
        assert_eq!(
            Flaw::unknown_message("code.single_use"),
            "unknown flaw `code.single_use`; did you mean `code.single-use`?"
        );
        let far = Quirk::unknown_message("zzzz");
        assert!(far.starts_with("unknown quirk `zzzz`; known: "), "{far}");
        assert!(far.contains("pkce-required"), "{far}");
        assert_eq!(
            unknown_message("thing", "x", &[]),
            "unknown thing `x`; known: "
        );
    }

    #[test]
    fn switch_ids_are_their_vocabulary_names() {
        assert_eq!(Flaw::NAMES.len(), Flaw::ALL.len());
        for (flaw, name) in Flaw::ALL.iter().zip(Flaw::NAMES) {
            assert_eq!(flaw.id(), *name);
            let json = serde_json::to_string(flaw).expect("serialises");
            assert_eq!(json, format!("\"{name}\""));
            let back: Flaw = serde_json::from_str(&json).expect("deserialises");
            assert_eq!(back, *flaw);
        }
        let err = serde_json::from_str::<Quirk>("\"pkce-requred\"").unwrap_err();
        assert!(
            err.to_string().contains("did you mean `pkce-required`"),
            "{err}"
        );
    }
}
