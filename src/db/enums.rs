//! How domain enums are stored: as CHECK-constrained text, never bare integers.

use std::io::Write;

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::{priority::Priority, role::Role, ticket_kind::TicketKind};

macro_rules! text_enum {
    ($($ty:ty),* $(,)?) => {$(
        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(self.as_str().as_bytes())?;
                Ok(serialize::IsNull::No)
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let s = std::str::from_utf8(bytes.as_bytes())?;
                Ok(s.parse::<$ty>()?)
            }
        }
    )*};
}

text_enum!(Priority, Role, TicketKind);
