//! The one declaration behind flaw and quirk switches: an enum of named
//! behaviours of the reference server, each with a stable id (what users
//! type after `--flaw` / `--quirk` and write in a config) and a one-line
//! description, with lookup, serde and a "did you mean" message for an
//! unknown id. Both lists are declared once, in `flaw.rs` and `quirk.rs`.

/// Declares a switch enum: `switches! { /// doc \n Name, "noun", "hint"; Variant = "id": "description", … }`.
macro_rules! switches {
    (
        $(#[$enum_doc:meta])*
        $name:ident, $noun:literal, $list_hint:literal;
        $( $(#[$doc:meta])* $variant:ident = $id:literal : $description:literal, )*
    ) => {
        $(#[$enum_doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$doc])* $variant, )*
        }

        impl $name {
            /// Every switch, in declaration order.
            pub const ALL: &[$name] = &[$($name::$variant),*];

            /// Its stable id.
            pub fn id(self) -> &'static str {
                match self { $($name::$variant => $id,)* }
            }

            /// One line saying what the server then does.
            pub fn description(self) -> &'static str {
                match self { $($name::$variant => $description,)* }
            }

            /// The switch with this id, if any.
            pub fn from_id(id: &str) -> Option<$name> {
                match id { $($id => Some($name::$variant),)* _ => None }
            }

            /// The message for an unknown id, with the closest known id as a
            /// hint, or the whole list when nothing is close.
            pub fn unknown_message(id: &str) -> String {
                let closest = $name::ALL
                    .iter()
                    .map(|s| (strsim::jaro_winkler(id, s.id()), s.id()))
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                match closest {
                    Some((score, best)) if score > 0.8 => {
                        format!("unknown {} `{id}`; did you mean `{best}`?", $noun)
                    }
                    _ => {
                        let known: Vec<&str> = $name::ALL.iter().map(|s| s.id()).collect();
                        format!("unknown {} `{id}`; known: {}", $noun, known.join(", "))
                    }
                }
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

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.id())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.id())
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
