//! `POST requests`: the spec's example, an Open311 request as an ordinary
//! ticket, keys, every refusal (in both formats, writing nothing), the
//! attribute forms, optional parameters, batch mode and tokens, rate limits.

use civicdesk::domain::ticket::Channel;
use civicdesk::schema::{contacts, open311_requests, tickets};
use diesel::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::helpers::spawn_app;

/// The spec's example request, with a key of ours instead of `xyz`.
fn spec_example(key: &str) -> String {
    format!(
        "api_key={key}&jurisdiction_id=city.gov&service_code=001&lat=37.76524078&long=-122.4212043\
         &address_string=1234+5th+street&email=smit333%40sfgov.edu&device_id=tt222111\
         &account_id=123456&first_name=john&last_name=smith&phone=111111111\
         &description=A+large+sinkhole+is+destroying+the+street\
         &media_url=http%3A%2F%2Ffarm3.static.flickr.com%2F2002%2F2212426634_5ed477a060.jpg\
         &attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001"
    )
}

async fn spec_desk() -> TestApp {
    let app = desk_with(&[("open311.jurisdiction_id", "city.gov")]).await;
    add_service(
        &app,
        "001",
        "Sinkhole",
        &json!([
            {"code": "WHISPAWN", "label": "Pawn number", "datatype": "string", "required": true},
            {"code": "WHISDORN", "label": "Dorn code", "datatype": "string", "required": false}
        ]),
    );
    app
}

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

#[tokio::test]
async fn the_specs_example_request_is_taken_as_an_ordinary_ticket() {
    let app = spec_desk().await;
    let key = api_key(&app);
    let a = post_raw(
        &app,
        &format!("{BASE}/requests.json"),
        FORM,
        spec_example(&key),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let answer = a.json();
    let list = answer.as_array().expect("a bare array");
    assert_eq!(list.len(), 1);
    let id = list[0]["service_request_id"]
        .as_str()
        .expect("an id, as a string");
    assert!(id.starts_with("CD-"), "{id}");
    assert_eq!(
        list[0],
        json!({ "service_request_id": id, "service_notice": null, "account_id": "123456" })
    );
    assert!(
        list[0].get("token").is_none(),
        "realtime: an id, not a token"
    );

    // The same in XML, element for element as the spec shows it.
    let a = post_raw(
        &app,
        &format!("{BASE}/requests.xml"),
        FORM,
        spec_example(&key),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let x = a.xml();
    assert_eq!(x.name, "service_requests");
    let request = x.child("request");
    assert_eq!(
        request.names(),
        ["service_request_id", "service_notice", "account_id"]
    );
    assert_eq!(request.text_of("account_id"), "123456");
    assert_ne!(request.text_of("service_request_id"), id);

    // An ordinary ticket, channel api, with everything the client sent.
    let mut conn = app.conn();
    let (channel, lat, long, address, extra, contact_id): (
        Channel,
        Option<f64>,
        Option<f64>,
        Option<String>,
        Value,
        i64,
    ) = tickets::table
        .filter(tickets::reference.eq(id))
        .select((
            tickets::channel,
            tickets::latitude,
            tickets::longitude,
            tickets::address,
            tickets::extra_fields,
            tickets::contact_id,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!(channel, Channel::Api);
    assert_eq!((lat, long), (Some(37.76524078), Some(-122.4212043)));
    assert_eq!(address.as_deref(), Some("1234 5th street"));
    assert_eq!(extra, json!({"WHISPAWN": "123456", "WHISDORN": "COISL001"}));
    let (name, email, phone, anonymous): (String, Option<String>, Option<String>, bool) =
        contacts::table
            .find(contact_id)
            .select((
                contacts::name,
                contacts::email,
                contacts::phone,
                contacts::anonymous,
            ))
            .first(&mut conn)
            .unwrap();
    assert_eq!(name, "john smith");
    assert_eq!(email.as_deref(), Some("smit333@sfgov.edu"));
    assert_eq!(phone.as_deref(), Some("111111111"));
    assert!(!anonymous);
    let (device, account, media): (Option<String>, Option<String>, Option<String>) =
        open311_requests::table
            .inner_join(tickets::table)
            .filter(tickets::reference.eq(id))
            .select((
                open311_requests::device_id,
                open311_requests::account_id,
                open311_requests::media_url,
            ))
            .first(&mut conn)
            .unwrap();
    assert_eq!(device.as_deref(), Some("tt222111"));
    assert_eq!(account.as_deref(), Some("123456"));
    assert_eq!(
        media.as_deref(),
        Some("http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg")
    );

    // The citizen is emailed (through the outbox, to the SMTP server).
    let report = app.run_pending_jobs();
    assert_eq!(report.sent, 2, "{report:?}");
    let mails: Vec<_> = app
        .emails()
        .into_iter()
        .filter(|m| m.text.contains(id))
        .collect();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "smit333@sfgov.edu");

    // Staff find it in their queue like any other request.
    let token = staff_token(&app, "agent@roads.example", "agent", "roads").await;
    let queue: Value = app
        .client
        .get(app.url("/api/v1/tickets"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let item = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["reference"] == id)
        .expect("in the Roads queue");
    assert_eq!(item["channel"], "api");
    assert_eq!(item["subject"], "A large sinkhole is destroying the street");

    // And GET requests shows what was sent.
    let (_, found, _) = both(&app, &format!("requests/{id}"), "").await;
    let r = &found[0];
    assert_eq!(r["service_code"], "001");
    assert_eq!(
        r["description"],
        "A large sinkhole is destroying the street"
    );
    assert_eq!(r["lat"], json!(37.76524078));
    assert_eq!(r["long"], json!(-122.4212043));
    assert_eq!(r["address"], "1234 5th street");
    assert_eq!(
        r["media_url"],
        "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"
    );
}

#[tokio::test]
async fn a_missing_wrong_or_revoked_key_is_403_and_writes_nothing() {
    let app = desk().await;
    let key = api_key(&app);
    let before = written(&app);
    let without: Vec<_> = pothole(&key)
        .into_iter()
        .filter(|(k, _)| *k != "api_key")
        .collect();
    let mut empty = without.clone();
    empty.push(("api_key", ""));
    let mut wrong = without.clone();
    wrong.push((
        "api_key",
        "cd311_not-a-real-key-000000000000000000000000000",
    ));
    let mut foreign = without.clone();
    foreign.push(("api_key", "xyz"));
    for format in ["json", "xml"] {
        assert_error(
            &post(&app, format, &without).await,
            403,
            "api_key was not provided",
        );
        assert_error(
            &post(&app, format, &empty).await,
            403,
            "api_key was not provided",
        );
        assert_error(&post(&app, format, &wrong).await, 403, "Invalid api_key");
        assert_error(&post(&app, format, &foreign).await, 403, "Invalid api_key");
    }
    // The key is checked before anything else is looked at.
    assert_error(
        &post(
            &app,
            "json",
            &[("api_key", "xyz"), ("service_code", "nope")],
        )
        .await,
        403,
        "Invalid api_key",
    );
    assert_eq!(written(&app), before);

    // A key in the query string works too.
    let res = app
        .client
        .post(app.url(&format!("{BASE}/requests.json?api_key={key}")))
        .form(&without)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Revoked: refused at once.
    let id: i64 = civicdesk::schema::api_keys::table
        .select(civicdesk::schema::api_keys::id)
        .first(&mut app.conn())
        .unwrap();
    civicdesk::open311::api_keys::revoke(&mut app.conn(), id, None, chrono::Utc::now()).unwrap();
    let before = written(&app);
    for format in ["json", "xml"] {
        assert_error(
            &post(&app, format, &pothole(&key)).await,
            403,
            "Invalid api_key",
        );
    }
    assert_eq!(written(&app), before);
}

/// Each case: the fields changed from a valid pothole report, and the
/// parameter the error must name.
#[tokio::test]
async fn every_malformed_submission_is_400_naming_the_problem_and_writes_nothing() {
    let app = desk().await;
    let key = api_key(&app);
    let long_description = "a".repeat(4001);
    let without = |names: &[&str]| -> Vec<(&str, &str)> {
        pothole(&key)
            .into_iter()
            .filter(|(k, _)| !names.contains(k))
            .collect()
    };
    let with = |names: &[&str], extra: &[(&'static str, &'static str)]| {
        let mut f = without(names);
        f.extend_from_slice(extra);
        f
    };
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            without(&["lat", "long", "address_string"]),
            "location: Give a location",
        ),
        (
            without(&["long", "address_string"]),
            "long: Give both latitude and longitude",
        ),
        (
            without(&["attribute[size]"]),
            "attribute[size]: Answer this question",
        ),
        (
            with(&["attribute[size]"], &[("attribute[size]", "huge")]),
            "attribute[size]: Choose one",
        ),
        (
            with(&[], &[("attribute[depth_cm]", "deep")]),
            "attribute[depth_cm]: Enter a number",
        ),
        (with(&["lat"], &[("lat", "91")]), "lat: Latitude must be"),
        (
            with(&["long"], &[("long", "east")]),
            "long: Longitude must be",
        ),
        (
            with(&["email"], &[("email", "not an email")]),
            "email: Enter an email address",
        ),
        (
            with(&[], &[("phone", "call me")]),
            "phone: Enter a phone number",
        ),
        (
            with(&[], &[("media_url", "javascript:alert(1)")]),
            "media_url:",
        ),
        (with(&[], &[("device_id", "x\u{1}y")]), "device_id:"),
        (
            with(&[], &[("attribute[size", "large")]),
            "attribute[size: Name attributes",
        ),
        (without(&["service_code"]), "service_code was not provided"),
    ];
    let mut cases: Vec<(Vec<(&str, &str)>, String)> =
        cases.into_iter().map(|(f, n)| (f, n.to_string())).collect();
    let mut too_long = without(&["description"]);
    too_long.push(("description", &long_description));
    cases.push((
        too_long,
        "description: The description must be 4,000".into(),
    ));
    let before = written(&app);
    for (fields, needle) in &cases {
        for format in ["json", "xml"] {
            let a = post(&app, format, fields).await;
            assert_error(&a, 400, needle);
        }
    }
    // Several problems come back together.
    let a = post(
        &app,
        "json",
        &without(&["lat", "long", "address_string", "attribute[size]"]),
    )
    .await;
    assert_eq!(errors_of(&a).len(), 2, "{}", a.body);
    // An unknown service is 404.
    let mut unknown = without(&["service_code"]);
    unknown.push(("service_code", "no-such-service"));
    for format in ["json", "xml"] {
        assert_error(&post(&app, format, &unknown).await, 404, "no-such-service");
    }
    // Not a form, or too big a body.
    let as_json =
        serde_json::to_string(&json!({"api_key": key, "service_code": "pothole"})).unwrap();
    for format in ["json", "xml"] {
        let path = format!("{BASE}/requests.{format}");
        assert_error(
            &post_raw(&app, &path, "application/json", as_json.clone()).await,
            400,
            "application/x-www-form-urlencoded",
        );
        let huge = format!(
            "api_key={key}&service_code=pothole&description={}",
            "a".repeat(300_000)
        );
        assert_error(&post_raw(&app, &path, FORM, huge).await, 400, "too large");
    }
    assert_eq!(written(&app), before, "nothing half-written");
}

#[tokio::test]
async fn descriptions_of_up_to_4000_characters_are_taken() {
    let app = desk().await;
    let key = api_key(&app);
    let text = "é".repeat(4000);
    let mut fields = pothole(&key);
    fields.retain(|(k, _)| *k != "description");
    fields.push(("description", &text));
    let id = submit(&app, &fields).await;
    let description: String = tickets::table
        .filter(tickets::reference.eq(&id))
        .select(tickets::description)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(description.chars().count(), 4000);
}

#[tokio::test]
async fn multi_value_lists_and_empty_optional_parameters() {
    let app = desk().await;
    let key = api_key(&app);
    // Empty optional parameters count as absent (here: no email, no phone,
    // no lat/long, no bin number); the multi-value list takes both values.
    let id = submit(
        &app,
        &[
            ("api_key", &key),
            ("service_code", "new-bin"),
            ("jurisdiction_id", ""),
            ("lat", ""),
            ("long", ""),
            ("address_string", ""),
            ("address_id", "UPRN-100023336956"),
            ("email", "ada@example.org"),
            ("phone", ""),
            ("first_name", ""),
            ("last_name", ""),
            ("device_id", ""),
            ("account_id", ""),
            ("media_url", ""),
            ("attribute[bin_number]", ""),
            ("attribute[bin_type][]", "general"),
            ("attribute[bin_type][]", "food"),
            ("description", ""),
        ],
    )
    .await;
    let mut conn = app.conn();
    let (extra, address, lat, description): (Value, Option<String>, Option<f64>, String) =
        tickets::table
            .filter(tickets::reference.eq(&id))
            .select((
                tickets::extra_fields,
                tickets::address,
                tickets::latitude,
                tickets::description,
            ))
            .first(&mut conn)
            .unwrap();
    assert_eq!(extra, json!({"bin_type": ["general", "food"]}));
    assert_eq!((address, lat), (None, None));
    assert_eq!(
        description, "New or replacement bin",
        "the service's name stands in"
    );
    let (account, device, media, address_id): (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ) = open311_requests::table
        .inner_join(tickets::table)
        .filter(tickets::reference.eq(&id))
        .select((
            open311_requests::account_id,
            open311_requests::device_id,
            open311_requests::media_url,
            open311_requests::address_id,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!((account, device, media), (None, None, None));
    assert_eq!(address_id.as_deref(), Some("UPRN-100023336956"));
    let (_, found, _) = both(&app, &format!("requests/{id}"), "").await;
    assert_eq!(found[0]["address_id"], "UPRN-100023336956");

    // attribute[CODE] without brackets repeats into the same list.
    let id = submit(
        &app,
        &[
            ("api_key", &key),
            ("service_code", "new-bin"),
            ("address_id", "1"),
            ("email", "ada@example.org"),
            ("attribute[bin_type]", "recycling"),
            ("attribute[bin_type]", "garden"),
        ],
    )
    .await;
    let extra: Value = tickets::table
        .filter(tickets::reference.eq(&id))
        .select(tickets::extra_fields)
        .first(&mut conn)
        .unwrap();
    assert_eq!(extra, json!({"bin_type": ["recycling", "garden"]}));
    // A value not in the list is refused.
    let a = post(
        &app,
        "xml",
        &[
            ("api_key", &key),
            ("service_code", "new-bin"),
            ("address_id", "1"),
            ("attribute[bin_type][]", "general"),
            ("attribute[bin_type][]", "sofa"),
        ],
    )
    .await;
    assert_error(&a, 400, "attribute[bin_type]");
}

#[tokio::test]
async fn an_anonymous_request_is_taken_and_nobody_is_emailed() {
    let app = desk().await;
    let key = api_key(&app);
    let id = submit(
        &app,
        &[
            ("api_key", &key),
            ("service_code", "pothole"),
            ("lat", "51.5"),
            ("long", "-0.12"),
            ("attribute[size]", "small"),
            ("device_id", "phone-123"),
        ],
    )
    .await;
    let (name, email, phone, anonymous): (String, Option<String>, Option<String>, bool) =
        tickets::table
            .inner_join(contacts::table)
            .filter(tickets::reference.eq(&id))
            .select((
                contacts::name,
                contacts::email,
                contacts::phone,
                contacts::anonymous,
            ))
            .first(&mut app.conn())
            .unwrap();
    assert_eq!((email, phone, anonymous), (None, None, true));
    assert_eq!(name, "Name not given");
    assert_eq!(app.count("outbox"), 0, "no one to email");

    // A phone number alone is a contact, not anonymous.
    let id = submit(
        &app,
        &[
            ("api_key", &key),
            ("service_code", "pothole"),
            ("address_string", "1 Low Road"),
            ("attribute[size]", "small"),
            ("phone", "01632 960 001"),
        ],
    )
    .await;
    let (phone, anonymous): (Option<String>, bool) = tickets::table
        .inner_join(contacts::table)
        .filter(tickets::reference.eq(&id))
        .select((contacts::phone, contacts::anonymous))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((phone.as_deref(), anonymous), (Some("01632960001"), false));

    // Every other channel still needs a way to reach the citizen.
    let res = app
        .client
        .post(app.url("/api/v1/requests"))
        .json(&json!({
            "category": "pothole", "kind": "service_request", "subject": "Hole",
            "description": "Deep", "name": "Jo", "address": "1 High St",
            "privacy_consent": true, "extra_fields": {"size": "small"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn in_batch_mode_a_token_is_returned_and_turned_into_the_id() {
    let app = desk_with(&[("open311.service_type", "batch")]).await;
    let key = api_key(&app);
    let (_, services, _) = both(&app, "services", "").await;
    assert!(services
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["type"] == "batch"));
    let a = post(&app, "json", &pothole(&key)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let answer = a.json();
    assert!(
        answer[0].get("service_request_id").is_none(),
        "a token, not an id"
    );
    let token = answer[0]["token"].as_str().unwrap().to_string();
    let a = post(&app, "xml", &pothole(&key)).await;
    assert_eq!(
        a.xml().child("request").names(),
        ["token", "service_notice", "account_id"]
    );

    let (status, found, x) = both(&app, &format!("tokens/{token}"), "").await;
    assert_eq!(status, 200);
    assert_eq!(x.name, "service_requests");
    let id = found[0]["service_request_id"].as_str().unwrap();
    assert_eq!(found[0]["token"], token.as_str());
    let reference: String = open311_requests::table
        .inner_join(tickets::table)
        .filter(open311_requests::token.eq(&token))
        .select(tickets::reference)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(id, reference);

    for unknown in ["0123456789abcdef0123456789abcdef", "nope", "%3Cscript%3E"] {
        assert_get_error(&app, &format!("tokens/{unknown}"), "", 404, "was not found").await;
    }
}

#[tokio::test]
async fn submissions_are_rate_limited_like_every_public_submission() {
    let app = spawn_app().await;
    // The default burst is 10; the 11th in a row is refused.
    for _ in 0..10 {
        let a = post(&app, "json", &[("service_code", "pothole")]).await;
        assert_eq!(a.status, 403);
    }
    let a = post(&app, "xml", &[("service_code", "pothole")]).await;
    assert_error(&a, 429, "Too many submissions");
    let res = app
        .client
        .post(app.url(&format!("{BASE}/requests.json")))
        .form(&[("service_code", "pothole")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
}
