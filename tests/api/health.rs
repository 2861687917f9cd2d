use civicdesk::embedded_pg::EmbeddedCluster;

use crate::helpers::{scratch_dir, spawn_app, spawn_app_on, throwaway_options};

#[tokio::test]
async fn healthz_answers_and_echoes_a_request_id() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let id = res
        .headers()
        .get("x-request-id")
        .expect("request id header");
    assert!(!id.is_empty());
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app().await;
    let res = app.get("/").await;
    let h = res.headers();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
}

#[tokio::test]
async fn readyz_follows_the_database_down_and_up() {
    // A cluster of its own: this test stops it.
    let root = scratch_dir("civicdesk-ready-");
    let cluster = EmbeddedCluster::start(&root, &throwaway_options()).expect("cluster");
    let app = spawn_app_on(cluster.database_url()).await;

    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);

    cluster.force_stop().expect("stopping");
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert!(body["checks"]["database"].is_string());

    cluster.restart_server().expect("restarting");
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);

    cluster.release().expect("release");
    let _ = std::fs::remove_dir_all(root);
}
