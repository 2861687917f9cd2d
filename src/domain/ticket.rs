//! Small vocabularies of a ticket: the channel it came through and how it ended.

use std::fmt;
use std::str::FromStr;

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $err:literal { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!($err, s))
            }
        }
    };
}

vocabulary!(
    /// How a request reached the council (kept for channel reports).
    Channel, "`{}` is not a channel" {
        Web => "web",
        Email => "email",
        Phone => "phone",
        Counter => "counter",
        Api => "api",
        Staff => "staff",
    }
);

vocabulary!(
    /// Why a ticket was closed.
    ResolutionCode, "`{}` is not a resolution code" {
        Fixed => "fixed",
        Answered => "answered",
        Duplicate => "duplicate",
        Referred => "referred",
        Withdrawn => "withdrawn",
        NoAction => "no_action",
    }
);
