//! What a file really is, decided from its first bytes alone.
//!
//! Only the six types the `attachments` table accepts are recognised. Text
//! formats (SVG, HTML, XML) are never recognised: they cannot be told apart
//! from a script by their first bytes, and a browser would run them.

pub const IMAGE_JPEG: &str = "image/jpeg";
pub const IMAGE_PNG: &str = "image/png";
pub const IMAGE_GIF: &str = "image/gif";
pub const IMAGE_WEBP: &str = "image/webp";
pub const IMAGE_HEIC: &str = "image/heic";
pub const APPLICATION_PDF: &str = "application/pdf";

/// The content types an attachment may have; the same list as the
/// `attachments.content_type` check in the database.
pub const ALLOWED_CONTENT_TYPES: [&str; 6] = [
    IMAGE_JPEG,
    IMAGE_PNG,
    IMAGE_GIF,
    IMAGE_WEBP,
    IMAGE_HEIC,
    APPLICATION_PDF,
];

/// How many leading bytes [`sniff_content_type`] may look at; a prefix this
/// long gives the same answer as the whole file.
pub const SNIFF_BYTES: usize = 512;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// ISO-BMFF brands of HEIF images coded with HEVC (what phones save as .heic).
const HEIC_BRANDS: [&[u8; 4]; 8] = [
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
];
/// Generic HEIF brands; the codec is then named among the compatible brands.
const HEIF_GENERIC_BRANDS: [&[u8; 4]; 2] = [b"mif1", b"msf1"];

/// The content type of `bytes` judged by their magic numbers: JPEG, PNG, GIF,
/// WebP, HEIC/HEIF or PDF, and `None` for anything else (including SVG,
/// HTML and AVIF). Only the first [`SNIFF_BYTES`] bytes are examined.
pub fn sniff_content_type(bytes: &[u8]) -> Option<&'static str> {
    let b = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(IMAGE_JPEG)
    } else if b.starts_with(PNG_SIGNATURE) {
        Some(IMAGE_PNG)
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Some(IMAGE_GIF)
    } else if is_webp(b) {
        Some(IMAGE_WEBP)
    } else if b.starts_with(b"%PDF-") {
        Some(APPLICATION_PDF)
    } else if is_heic(b) {
        Some(IMAGE_HEIC)
    } else {
        None
    }
}

/// File-name extensions usual for `content_type`, the first preferred.
pub fn extensions(content_type: &str) -> &'static [&'static str] {
    match content_type {
        IMAGE_JPEG => &["jpg", "jpeg", "jpe", "jfif"],
        IMAGE_PNG => &["png"],
        IMAGE_GIF => &["gif"],
        IMAGE_WEBP => &["webp"],
        IMAGE_HEIC => &["heic", "heif", "hif"],
        APPLICATION_PDF => &["pdf"],
        _ => &[],
    }
}

/// `RIFF <size> WEBP` followed by a VP8, VP8L or VP8X chunk.
fn is_webp(b: &[u8]) -> bool {
    b.len() >= 16
        && &b[0..4] == b"RIFF"
        && &b[8..12] == b"WEBP"
        && matches!(&b[12..16], b"VP8 " | b"VP8L" | b"VP8X")
}

/// An ISO-BMFF `ftyp` box whose major brand is a HEVC-coded HEIF, or a
/// generic HEIF brand with one of those among its compatible brands.
fn is_heic(b: &[u8]) -> bool {
    if b.len() < 16 || &b[4..8] != b"ftyp" {
        return false;
    }
    let size = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    // A box of major brand, minor version and whole compatible brands.
    if size < 16 || !size.is_multiple_of(4) {
        return false;
    }
    let major: &[u8] = &b[8..12];
    if HEIC_BRANDS.iter().any(|brand| major == *brand) {
        return true;
    }
    HEIF_GENERIC_BRANDS.iter().any(|brand| major == *brand)
        && b[16..size.min(b.len())]
            .chunks_exact(4)
            .any(|compatible| HEIC_BRANDS.iter().any(|brand| compatible == *brand))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uploads::tests::{TINY_JPEG, TINY_PDF, TINY_PNG};

    #[test]
    fn recognises_a_real_tiny_png_jpeg_and_pdf() {
        assert_eq!(sniff_content_type(TINY_PNG), Some(IMAGE_PNG));
        assert_eq!(sniff_content_type(TINY_JPEG), Some(IMAGE_JPEG));
        assert_eq!(sniff_content_type(TINY_PDF), Some(APPLICATION_PDF));
        // Phones write an Exif APP1 segment instead.
        assert_eq!(
            sniff_content_type(b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00"),
            Some(IMAGE_JPEG)
        );
    }

    #[test]
    fn recognises_gif_webp_and_heic() {
        assert_eq!(
            sniff_content_type(b"GIF89a\x01\x00\x01\x00\x80\x00\x00"),
            Some(IMAGE_GIF)
        );
        assert_eq!(sniff_content_type(b"GIF87a\x01\x00"), Some(IMAGE_GIF));
        assert_eq!(
            sniff_content_type(b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00"),
            Some(IMAGE_WEBP)
        );
        // An iPhone photo: major brand heic.
        let iphone = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic";
        assert_eq!(sniff_content_type(iphone), Some(IMAGE_HEIC));
        // Generic HEIF naming HEVC among its compatible brands.
        let generic = b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1MiHEheic";
        assert_eq!(sniff_content_type(generic), Some(IMAGE_HEIC));
    }

    #[test]
    fn recognises_nothing_else() {
        for bytes in [
            &b""[..],
            b"\xff\xd8",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",
            b"\x7fELF\x02\x01\x01\x00",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
            b"<?xml version=\"1.0\"?><svg/>",
            b"<!DOCTYPE html><html><script>alert(1)</script>",
            b"PK\x03\x04\x14\x00\x06\x00",
            // AVIF: HEIF-based but not one of the allowed types.
            b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",
            b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf",
            // MP4 video.
            b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2",
            // RIFF but a WAV file.
            b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00",
            // A PDF signature later in the file does not count.
            b"<html>%PDF-1.4",
        ] {
            assert_eq!(sniff_content_type(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn a_sniffing_prefix_decides_like_the_whole_file() {
        let mut long = TINY_PNG.to_vec();
        long.resize(10 * SNIFF_BYTES, 0);
        assert_eq!(
            sniff_content_type(&long[..SNIFF_BYTES]),
            sniff_content_type(&long)
        );
    }

    #[test]
    fn the_allowed_list_matches_the_database_check() {
        let migration = include_str!("../../migrations/2026-11-22-000002_citizen_requests/up.sql");
        let check = migration
            .split("content_type TEXT NOT NULL CHECK (content_type IN (")
            .nth(1)
            .and_then(|rest| rest.split("))").next())
            .expect("the attachments content_type check");
        let mut in_db: Vec<&str> = check
            .split(',')
            .map(|s| s.trim().trim_matches('\''))
            .collect();
        in_db.sort_unstable();
        let mut ours = ALLOWED_CONTENT_TYPES.to_vec();
        ours.sort_unstable();
        assert_eq!(in_db, ours);
        for ct in ALLOWED_CONTENT_TYPES {
            assert!(!extensions(ct).is_empty(), "{ct}");
        }
    }
}
