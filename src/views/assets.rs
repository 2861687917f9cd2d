//! Static assets (CSS, icons, small progressive-enhancement scripts) compiled
//! into the binary, served with long cache lifetimes under content-hashed URLs.

use std::collections::HashMap;
use std::sync::OnceLock;

use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "static/"]
pub struct StaticFiles;

/// The first 10 hex digits of each file's SHA-256, computed once.
fn hashes() -> &'static HashMap<String, String> {
    static HASHES: OnceLock<HashMap<String, String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        StaticFiles::iter()
            .filter_map(|name| {
                let file = StaticFiles::get(&name)?;
                let digest = hex::encode(Sha256::digest(&file.data));
                Some((name.into_owned(), digest[..10].to_string()))
            })
            .collect()
    })
}

/// `/static/app.css?v=0123456789`: the URL changes whenever the file does, so
/// browsers may cache it for a year.
pub fn url(path: &str) -> String {
    match hashes().get(path) {
        Some(h) => format!("/static/{path}?v={h}"),
        None => format!("/static/{path}"),
    }
}

/// The file and its strong ETag.
pub fn get(path: &str) -> Option<(std::borrow::Cow<'static, [u8]>, String)> {
    let file = StaticFiles::get(path)?;
    let etag = hashes().get(path).cloned().unwrap_or_default();
    Some((file.data, etag))
}

/// tera: `{{ asset(path="app.css") }}`.
pub struct AssetUrl;

impl tera::Function for AssetUrl {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let path = args
            .get("path")
            .and_then(|v| v.as_str())
            .ok_or_else(|| tera::Error::msg("asset() needs path=\"...\""))?;
        Ok(tera::Value::String(url(path)))
    }

    fn is_safe(&self) -> bool {
        true
    }
}
