use diesel::RunQueryDsl;

use crate::helpers::spawn_app;

#[tokio::test]
async fn home_lists_the_seeded_catalogue_grouped() {
    let app = spawn_app().await;
    app.seed_demo();
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = res.text().await.unwrap();
    for name in civicdesk::seed::CATEGORIES.iter().map(|c| c.name) {
        let escaped = name.replace('&', "&amp;");
        assert!(html.contains(&escaped), "home page lacks {name}");
    }
    assert!(html.contains("Bins and recycling"));
    assert!(html.contains(r#"<html lang="en" dir="ltr">"#));
}

#[tokio::test]
async fn home_without_services_says_so() {
    let app = spawn_app().await;
    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains("No services are available online yet"));
}

#[tokio::test]
async fn language_switch_sets_a_cookie_and_rtl() {
    let app = spawn_app().await;
    let res = app.get("/lang/fa?next=/").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains(r#"<html lang="fa" dir="rtl">"#), "{html}");
    assert!(html.contains("چگونه می‌توانیم کمک کنیم؟"));

    // Off-site "next" targets are ignored.
    let res = app.get("/lang/en?next=//evil.example/").await;
    assert_eq!(res.headers()["location"], "/");
    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en" dir="ltr">"#));
}

#[tokio::test]
async fn accept_language_chooses_the_default_language() {
    let app = spawn_app().await;
    let html = reqwest::Client::new()
        .get(app.url("/"))
        .header("Accept-Language", "fa-IR,fa;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"dir="rtl""#));
}

#[tokio::test]
async fn unknown_pages_get_the_404_page() {
    let app = spawn_app().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("<html"));
}

#[tokio::test]
async fn server_errors_get_the_500_page_with_a_request_id_and_no_details() {
    let app = spawn_app().await;
    // Break the database under the running app.
    diesel::sql_query("DROP TABLE categories CASCADE")
        .execute(&mut app.conn())
        .unwrap();
    let res = app.get("/").await;
    assert_eq!(res.status(), 500);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    let html = res.text().await.unwrap();
    assert!(html.contains("Sorry, something went wrong"));
    assert!(html.contains(&id), "the page shows the request id");
    assert!(!html.contains("categories"), "no database details leak");
    assert!(!html.to_lowercase().contains("relation"));
}

#[tokio::test]
async fn static_assets_are_served_with_cache_headers() {
    let app = spawn_app().await;
    let html = app.get("/").await.text().await.unwrap();
    let start = html.find("/static/app.css?v=").expect("hashed css link");
    let end = html[start..].find('"').unwrap() + start;
    let res = app.get(&html[start..end]).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    let cache = res.headers()["cache-control"].to_str().unwrap();
    assert!(cache.contains("max-age=31536000") && cache.contains("immutable"));
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let res = app
        .client
        .get(app.url("/static/app.css"))
        .header("If-None-Match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(app.get("/static/nope.css").await.status(), 404);
}
