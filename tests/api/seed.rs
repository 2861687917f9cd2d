use diesel::prelude::*;

use crate::helpers::spawn_app;
use civicdesk::schema::{business_calendars, calendar_holidays, categories, departments, users};

fn counts(conn: &mut PgConnection) -> Vec<i64> {
    vec![
        departments::table.count().get_result(conn).unwrap(),
        categories::table.count().get_result(conn).unwrap(),
        users::table.count().get_result(conn).unwrap(),
        business_calendars::table.count().get_result(conn).unwrap(),
        calendar_holidays::table.count().get_result(conn).unwrap(),
    ]
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let app = spawn_app().await;
    let first = app.seed_demo();
    assert!(first.created_rows > 0);
    assert_eq!(first.logins.len(), civicdesk::seed::STAFF.len());
    let mut conn = app.conn();
    let before = counts(&mut conn);
    let stamp: Option<chrono::DateTime<chrono::Utc>> = users::table
        .select(diesel::dsl::max(users::updated_at))
        .get_result(&mut conn)
        .unwrap();

    let second = app.seed_demo();
    assert_eq!(second.created_rows, 0);
    assert!(
        second.logins.is_empty(),
        "no password is reset or shown again"
    );
    assert_eq!(counts(&mut conn), before);
    let stamp_after: Option<chrono::DateTime<chrono::Utc>> = users::table
        .select(diesel::dsl::max(users::updated_at))
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(stamp, stamp_after);

    assert_eq!(before[0], 8, "eight departments");
    assert!(before[1] >= 30, "about thirty services");
    assert_eq!(before[3], 2, "office and 24x7 calendars");
    assert_eq!(before[4], 16, "two years of bank holidays");
}

#[tokio::test]
async fn the_seed_has_staff_of_every_role() {
    let app = spawn_app().await;
    app.seed_demo();
    let roles: Vec<String> = users::table
        .select(users::role)
        .distinct()
        .load(&mut app.conn())
        .unwrap();
    for role in ["agent", "supervisor", "leader", "admin"] {
        assert!(roles.iter().any(|r| r == role), "no {role}");
    }
}
