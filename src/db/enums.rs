//! How domain enums are stored: as CHECK-constrained text, never bare integers.

use std::io::Write;

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::priority::Priority;
use crate::domain::role::Role;
use crate::domain::sla::{ClockKind, ClockStatus};
use crate::domain::ticket::{Channel, ResolutionCode};
use crate::domain::ticket_kind::TicketKind;
use crate::domain::ticket_status::TicketStatus;

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
                s.parse::<$ty>().map_err(|e| e.to_string().into())
            }
        }
    )*};
}

text_enum!(
    Priority,
    Role,
    TicketKind,
    TicketStatus,
    Channel,
    ResolutionCode,
    ClockKind,
    ClockStatus
);
