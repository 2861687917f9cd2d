use actix_web::http::header::{self, CacheControl, CacheDirective, EntityTag};
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::views::assets;

/// Files compiled in from `static/`. Hashed URLs (`?v=`) are immutable for a year;
/// an `If-None-Match` with the current ETag gets 304.
#[get("/static/{path:.*}")]
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    let Some((data, etag)) = assets::get(&path) else {
        return HttpResponse::NotFound().finish();
    };
    let tag = EntityTag::new_strong(etag);
    let cache = if req.query_string().starts_with("v=") {
        CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(31_536_000),
            CacheDirective::Extension("immutable".into(), None),
        ])
    } else {
        CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(300)])
    };
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_matches('"') == tag.tag());
    if matches {
        return HttpResponse::NotModified()
            .insert_header(cache)
            .insert_header(header::ETag(tag))
            .finish();
    }
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    HttpResponse::Ok()
        .content_type(mime)
        .insert_header(cache)
        .insert_header(header::ETag(tag))
        .body(data.into_owned())
}
