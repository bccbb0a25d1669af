//! The one declaration behind each closed list of names: those a suite or
//! profile may use (capabilities, timing names, the fields of built-in
//! variables) and the OAuth names the harness and the server share (client
//! authentication methods, grant types, error codes). `vocabulary!` turns a
//! list of `Variant = "name"` lines into an enum with its names, lookup,
//! `Display` and serde, so a name is written once and a new one cannot be
//! validated without being resolved (every consumer matches the enum
//! exhaustively). A variant may accept other spellings when read:
//! `Variant = "name" | "alias"`.

/// Declares a closed vocabulary:
/// `vocabulary! { /// doc \n pub enum Name { /// doc \n Variant = "name" [| "alias" …], … } }`.
///
/// `vocabulary! { @names … }` (same body) declares everything but
/// `Deserialize`, for a list that words its own message for an unknown name
/// (the server's flaw and quirk switches, `server::switch`).
macro_rules! vocabulary {
    (
        $(#[$enum_meta:meta])*
        pub enum $name:ident {
            $( $(#[$doc:meta])* $variant:ident = $text:literal $(| $alias:literal)*, )*
        }
    ) => {
        $crate::oauth::vocab::vocabulary! {
            @names
            $(#[$enum_meta])*
            pub enum $name {
                $( $(#[$doc])* $variant = $text $(| $alias)*, )*
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                struct NameVisitor;

                impl serde::de::Visitor<'_> for NameVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " name"))
                    }

                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::from_name(v).ok_or_else(|| E::unknown_variant(v, $name::NAMES))
                    }
                }

                deserializer.deserialize_str(NameVisitor)
            }
        }
    };
    (
        @names
        $(#[$enum_meta:meta])*
        pub enum $name:ident {
            $( $(#[$doc:meta])* $variant:ident = $text:literal $(| $alias:literal)*, )*
        }
    ) => {
        $(#[$enum_meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$doc])* $variant, )*
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// Every name, in declaration order (for messages and hints).
            pub const NAMES: &'static [&'static str] = &[$($text),*];

            /// The name written in YAML.
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// The value with this name (or one of its other spellings);
            /// `None` for an unknown one (callers suggest the closest name).
            pub fn from_name(name: &str) -> Option<$name> {
                match name { $($text $(| $alias)* => Some($name::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.name())
            }
        }
    };
}

pub(crate) use vocabulary;

#[cfg(test)]
mod tests {
    vocabulary! {
        /// A test vocabulary.
        pub enum Colour {
            Red = "red",
            DarkBlue = "dark_blue" | "navy",
        }
    }

    #[test]
    fn names_lookup_and_serde_agree() {
        assert_eq!(Colour::NAMES, ["red", "dark_blue"]);
        for c in Colour::ALL {
            assert_eq!(Colour::from_name(c.name()), Some(*c));
        }
        assert_eq!(Colour::from_name("blue"), None);
        assert_eq!(Colour::from_name("navy"), Some(Colour::DarkBlue));
        assert_eq!(
            serde_json::to_string(&Colour::DarkBlue).unwrap(),
            "\"dark_blue\""
        );
        let back: Colour = serde_json::from_str("\"red\"").unwrap();
        assert_eq!(back, Colour::Red);
        let err = serde_json::from_str::<Colour>("\"green\"").unwrap_err();
        assert!(err.to_string().contains("unknown variant `green`"), "{err}");
    }
}
