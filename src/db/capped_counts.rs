//! Several capped counts of tickets in one statement.
//!
//! A queue page shows how many tickets each queue holds, each count stopping
//! at [`COUNT_CAP`] + 1 ("more than 1,000"). Run as separate statements, every
//! count paid a round trip and its own planning (PostgreSQL plans a cached
//! statement afresh while its custom plans look cheaper), which at 5,000
//! tickets was most of the page's time. Here they are sub-selects of one
//! `SELECT ARRAY[...]`, each still free to use its own index:
//!
//! ```sql
//! SELECT ARRAY[(SELECT count(*) FROM (SELECT tickets.id FROM tickets
//!                WHERE <scope> AND <queue> LIMIT $n) AS part), ...]::int8[]
//! ```

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt};

use crate::db::filters::{Predicate, Scope};
use crate::db::models::ticket::Ticket;
use crate::schema::tickets;
use crate::staff::queues::COUNT_CAP;

/// `SELECT ARRAY[count of part 1, count of part 2, ...]`, each part the
/// tickets in scope for which all its conditions hold, counted up to
/// [`COUNT_CAP`] + 1.
pub struct CappedCounts {
    parts: Vec<tickets::BoxedQuery<'static, Pg, BigInt>>,
}

impl CappedCounts {
    pub fn new(scope: &Scope, parts: Vec<Vec<Predicate>>) -> Self {
        let parts = parts
            .into_iter()
            .map(|predicates| {
                let mut q = tickets::table.into_boxed().filter(Ticket::in_scope(scope));
                for p in predicates {
                    q = q.filter(p);
                }
                q.select(tickets::id).limit(COUNT_CAP + 1)
            })
            .collect();
        Self { parts }
    }

    /// The counts, in the order of the parts.
    pub fn load(self, conn: &mut PgConnection) -> QueryResult<Vec<i64>> {
        if self.parts.is_empty() {
            return Ok(vec![]);
        }
        self.get_result(conn)
    }
}

impl QueryFragment<Pg> for CappedCounts {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT ARRAY[");
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_sql("(SELECT count(*) FROM (");
            QueryFragment::<Pg>::walk_ast(part, out.reborrow())?;
            out.push_sql(") AS part)");
        }
        out.push_sql("]::int8[]");
        Ok(())
    }
}

impl QueryId for CappedCounts {
    type QueryId = ();
    // The statement's text depends on the parts; diesel caches it by text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for CappedCounts {
    type SqlType = Array<BigInt>;
}

impl RunQueryDsl<PgConnection> for CappedCounts {}
