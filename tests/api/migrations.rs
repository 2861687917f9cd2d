use diesel::prelude::*;
use diesel_migrations::MigrationHarness;

use crate::helpers::cluster;

#[derive(QueryableByName, Debug, PartialEq)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
}

fn tables(conn: &mut PgConnection) -> Vec<String> {
    diesel::sql_query(
        "SELECT table_name::text AS table_name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' ORDER BY 1",
    )
    .load::<TableName>(conn)
    .unwrap()
    .into_iter()
    .map(|t| t.table_name)
    .collect()
}

#[test]
fn migrations_run_from_zero_then_down_then_up() {
    let url = cluster().empty_database();
    let mut conn = PgConnection::establish(&url).unwrap();
    assert!(tables(&mut conn).is_empty());

    let applied = civicdesk::db::migrate(&mut conn).unwrap();
    assert!(!applied.is_empty());
    let after_up = tables(&mut conn);
    assert!(after_up.contains(&"categories".to_string()));

    // Every migration reverts cleanly...
    conn.revert_all_migrations(civicdesk::db::MIGRATIONS)
        .unwrap();
    assert!(tables(&mut conn).is_empty(), "down leaves nothing behind");

    // ...and applies again to the same schema.
    civicdesk::db::migrate(&mut conn).unwrap();
    assert_eq!(tables(&mut conn), after_up);
    assert!(
        civicdesk::db::migrate(&mut conn).unwrap().is_empty(),
        "nothing left pending"
    );
}

#[test]
fn constraints_live_in_the_database() {
    let url = cluster().new_database();
    let mut conn = PgConnection::establish(&url).unwrap();
    // A category pointing at no department, a bad priority, a bad slug: all refused.
    for sql in [
        "INSERT INTO categories (slug, name, group_name, default_department_id) VALUES ('x', 'X', 'G', 999)",
        "INSERT INTO business_calendars (name, time_zone) VALUES ('', 'UTC')",
        "INSERT INTO departments (slug, name, calendar_id) VALUES ('Bad Slug', 'n', 1)",
        "INSERT INTO users (email, name, role, password_hash) VALUES ('a@b.c', 'A', 'wizard', 'x')",
        "INSERT INTO sla_policies (name, first_response_minutes, resolution_minutes) VALUES ('p', 0, 10)",
    ] {
        assert!(diesel::sql_query(sql).execute(&mut conn).is_err(), "accepted: {sql}");
    }
    diesel::sql_query(
        "INSERT INTO users (email, name, role, password_hash) VALUES ('A@b.c', 'A', 'admin', 'x')",
    )
    .execute(&mut conn)
    .unwrap();
    assert!(
        diesel::sql_query("INSERT INTO users (email, name, role, password_hash) VALUES ('a@B.C', 'A', 'admin', 'x')")
            .execute(&mut conn)
            .is_err(),
        "emails are unique whatever their case"
    );
}
