//! Making a client's file name safe to store, show and offer for download.

use super::sniff;

/// Longest file name the `attachments` table accepts, in characters.
pub const MAX_FILENAME_CHARS: usize = 255;

/// Used when nothing is left of the name the browser sent.
const FALLBACK_STEM: &str = "attachment";

/// Extensions longer than this are not treated as extensions when shortening.
const MAX_EXTENSION_CHARS: usize = 16;

/// The last path component of `raw`, without control characters or
/// direction overrides, trimmed, and at most [`MAX_FILENAME_CHARS`]
/// characters (the extension is kept when shortening). May be empty.
///
/// Browsers send only a base name, but old ones and scripts send
/// `C:\Users\...\photo.jpg` or `../../etc/passwd`; neither `/` nor `\` can
/// survive. Right-to-left overrides are dropped so `photo\u{202E}gpj.exe` cannot pose
/// as `photoexe.jpg`; ordinary marks used in Persian names (ZWNJ, RLM) stay.
pub fn sanitize_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !is_unsafe(*c)).collect();
    let trimmed = cleaned.trim();
    // `.`, `..` and the like name no file.
    if trimmed.chars().all(|c| c == '.') {
        return String::new();
    }
    shorten(trimmed, MAX_FILENAME_CHARS)
}

/// The name an accepted file is stored under: the sanitised name, with an
/// extension matching `content_type` appended when the name's own extension
/// does not (so `invoice.html` holding a PDF is kept as `invoice.html.pdf` and
/// never opens as a web page once downloaded), or `attachment.<ext>` when
/// nothing was left of the name.
pub(super) fn stored_name(sanitized: &str, content_type: &str) -> String {
    let extensions = sniff::extensions(content_type);
    let Some(preferred) = extensions.first() else {
        return display_name(sanitized);
    };
    if sanitized.is_empty() {
        return format!("{FALLBACK_STEM}.{preferred}");
    }
    let matches = extension(sanitized)
        .is_some_and(|ext| extensions.iter().any(|e| e.eq_ignore_ascii_case(ext)));
    if matches {
        return sanitized.to_string();
    }
    let suffix = format!(".{preferred}");
    let room = MAX_FILENAME_CHARS - suffix.chars().count();
    format!("{}{suffix}", shorten(sanitized, room))
}

/// The name to show in a message about a file that was not accepted.
pub(super) fn display_name(sanitized: &str) -> String {
    if sanitized.is_empty() {
        FALLBACK_STEM.to_string()
    } else {
        sanitized.to_string()
    }
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional embeddings, overrides and isolates.
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            // Line and paragraph separators, byte-order mark / zero-width no-break space.
            | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
        )
}

/// The extension of `name` (after the last dot), when there is a stem before it.
fn extension(name: &str) -> Option<&str> {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => Some(ext),
        _ => None,
    }
}

/// `name` cut to at most `max` characters, keeping a short extension.
fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_string();
    }
    let ext = extension(name).filter(|e| e.chars().count() <= MAX_EXTENSION_CHARS);
    match ext {
        Some(ext) => {
            let keep = max - ext.chars().count() - 1;
            let stem: String = name.chars().take(keep).collect();
            format!("{}.{ext}", stem.trim_end())
        }
        None => name
            .chars()
            .take(max)
            .collect::<String>()
            .trim_end()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parts_are_removed() {
        for (raw, want) in [
            ("../../etc/passwd", "passwd"),
            ("/etc/shadow", "shadow"),
            ("..\\..\\windows\\system32\\evil.dll", "evil.dll"),
            ("C:\\Users\\Sara\\Pictures\\pothole.jpg", "pothole.jpg"),
            ("a/b\\c/../photo.png", "photo.png"),
            ("..", ""),
            ("../..", ""),
            ("...", ""),
            ("dir/", ""),
            ("photo.jpg", "photo.jpg"),
        ] {
            assert_eq!(sanitize_filename(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn control_characters_and_overrides_are_removed() {
        assert_eq!(sanitize_filename("pho\0to\r\n.jpg"), "photo.jpg");
        assert_eq!(sanitize_filename("\u{7}bell\u{1b}[31m.png"), "bell[31m.png");
        assert_eq!(sanitize_filename("\u{85}next\u{7f}.pdf"), "next.pdf");
        // "invoice\u{202E}fdp.exe" displays as "invoiceexe.pdf" with the override.
        assert_eq!(
            sanitize_filename("invoice\u{202E}fdp.exe"),
            "invoicefdp.exe"
        );
        assert_eq!(sanitize_filename("\u{FEFF}a\u{2028}b.gif"), "ab.gif");
        assert_eq!(sanitize_filename("  spaced name.jpg \t"), "spaced name.jpg");
        // Persian names keep their zero-width non-joiner.
        assert_eq!(sanitize_filename("عکس\u{200C}ها.jpg"), "عکس\u{200C}ها.jpg");
    }

    #[test]
    fn long_names_are_cut_to_255_characters_keeping_the_extension() {
        let long = format!("{}.jpeg", "ب".repeat(400));
        let cut = sanitize_filename(&long);
        assert_eq!(cut.chars().count(), MAX_FILENAME_CHARS);
        assert!(cut.ends_with(".jpeg"));
        let no_ext = "x".repeat(300);
        assert_eq!(
            sanitize_filename(&no_ext).chars().count(),
            MAX_FILENAME_CHARS
        );
    }

    #[test]
    fn stored_names_end_in_an_extension_of_their_real_type() {
        assert_eq!(
            stored_name("IMG_0001.JPG", sniff::IMAGE_JPEG),
            "IMG_0001.JPG"
        );
        assert_eq!(stored_name("scan.jpeg", sniff::IMAGE_JPEG), "scan.jpeg");
        assert_eq!(
            stored_name("invoice.html", sniff::APPLICATION_PDF),
            "invoice.html.pdf"
        );
        assert_eq!(stored_name("passwd", sniff::IMAGE_PNG), "passwd.png");
        assert_eq!(stored_name("", sniff::IMAGE_HEIC), "attachment.heic");
        assert_eq!(stored_name(".png", sniff::IMAGE_PNG), ".png.png");
        let long = "y".repeat(MAX_FILENAME_CHARS);
        let stored = stored_name(&long, sniff::IMAGE_WEBP);
        assert_eq!(stored.chars().count(), MAX_FILENAME_CHARS);
        assert!(stored.ends_with(".webp"));
        assert_eq!(display_name(""), "attachment");
    }
}
