//! Reading a citizen's `multipart/form-data` submission: the typed fields and
//! up to [`UploadLimits::max_files`] attachments, checked while the body
//! streams in.
//!
//! * Nothing is held beyond a limit: a part is read chunk by chunk and left
//!   behind (read and discarded) the moment it is too large or not a type we
//!   take, so memory stays under `max_total_bytes` whatever the client sends.
//! * Problems with single files ([`FileProblem`]) are reported next to the
//!   form and the rest of what the citizen typed is kept; a body that is too
//!   large or broken as a whole is an [`UploadError`].
//! * An attachment's type comes only from its first bytes
//!   ([`sniff_content_type`]), never from its name or the client's
//!   `Content-Type`.
//!
//! Handlers should build the reader with [`multipart_from_request`], which
//! also caps the raw bytes taken from the socket (`actix_multipart` itself
//! skips a preamble of any length), and put a timeout around
//! [`read_multipart`] against slow clients.

mod filename;
mod sniff;
#[cfg(test)]
pub(crate) mod tests;

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, ResponseError};
use futures_util::stream::{Stream, StreamExt};
use sha2::{Digest, Sha256};

use crate::configuration::Settings;

pub use filename::{sanitize_filename, MAX_FILENAME_CHARS};
pub use sniff::{
    extensions, sniff_content_type, ALLOWED_CONTENT_TYPES, APPLICATION_PDF, IMAGE_GIF, IMAGE_HEIC,
    IMAGE_JPEG, IMAGE_PNG, IMAGE_WEBP, SNIFF_BYTES,
};

/// How much one form may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// Attachments kept; further ones are left off with [`FileProblem::TooMany`].
    pub max_files: usize,
    /// Largest attachment; a larger one is left off with [`FileProblem::TooLarge`].
    pub max_file_bytes: usize,
    /// Largest whole body (part contents plus their headers); beyond it
    /// reading stops with [`UploadError::BodyTooLarge`].
    pub max_total_bytes: usize,
    /// Largest single text field.
    pub max_field_bytes: usize,
    /// Most text fields.
    pub max_fields: usize,
}

impl UploadLimits {
    /// Room for the typed fields and the parts' headers on top of the files.
    pub const FORM_ALLOWANCE_BYTES: usize = 1024 * 1024;
    /// A description in Persian is two bytes a letter; this leaves plenty.
    pub const MAX_FIELD_BYTES: usize = 64 * 1024;
    /// Far more than any of our forms has, repeated values included.
    pub const MAX_FIELDS: usize = 200;

    pub fn from_settings(s: &Settings) -> Self {
        let max_files = s.uploads.max_files;
        let max_file_bytes = s.uploads.max_file_bytes();
        Self {
            max_files,
            max_file_bytes,
            max_total_bytes: max_files * max_file_bytes + Self::FORM_ALLOWANCE_BYTES,
            max_field_bytes: Self::MAX_FIELD_BYTES,
            max_fields: Self::MAX_FIELDS,
        }
    }

    /// The most raw body bytes [`multipart_from_request`] lets through: the
    /// counted total plus slack for boundaries and a preamble.
    pub fn raw_body_limit(&self) -> usize {
        self.max_total_bytes.saturating_add(RAW_BODY_SLACK_BYTES)
    }
}

/// Boundary lines, blank lines and a short preamble are not counted part by
/// part; this covers them when the raw body is capped.
const RAW_BODY_SLACK_BYTES: usize = 64 * 1024;

/// Charged per part for its boundary line and blank lines, on top of its
/// headers, so that thousands of empty parts still add up to a large body.
const PART_FRAMING_BYTES: usize = 96;

/// An attachment that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// Safe to store and show: no path parts, no control characters, 1 to
    /// 255 characters, ending in an extension of `content_type`.
    pub filename: String,
    /// One of [`ALLOWED_CONTENT_TYPES`], decided by the content's magic bytes.
    pub content_type: &'static str,
    /// Never empty.
    pub data: Bytes,
    pub sha256: [u8; 32],
}

impl UploadedFile {
    pub fn size_bytes(&self) -> usize {
        self.data.len()
    }
}

/// A file that was left off; the rest of the form is still there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// More than `max` files were sent; the first `max` were kept.
    TooMany {
        max: usize,
    },
    TooLarge {
        filename: String,
        max_bytes: usize,
    },
    UnsupportedType {
        filename: String,
    },
    Empty {
        filename: String,
    },
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooMany { max } => write!(
                f,
                "You can attach up to {max} files. We kept the first {max}; the others were not added."
            ),
            Self::TooLarge {
                filename,
                max_bytes,
            } => write!(
                f,
                "“{filename}” is too large. Each file can be up to {}.",
                human_size(*max_bytes)
            ),
            Self::UnsupportedType { filename } => write!(
                f,
                "“{filename}” is not a photo or PDF we can accept. Please attach JPEG, PNG, GIF, \
                 WebP or HEIC photos, or PDF documents."
            ),
            Self::Empty { filename } => {
                write!(f, "“{filename}” is empty. Please choose the file again.")
            }
        }
    }
}

/// `10 MB`, `1.5 MB`, `512 KB` (binary units, as the limits are set).
fn human_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB {
        let tenths = (bytes * 10 + MIB / 2) / MIB;
        if tenths.is_multiple_of(10) {
            format!("{} MB", tenths / 10)
        } else {
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// The body as a whole cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// More than `max_total_bytes`; reading stopped there.
    #[error("the form is too large to send")]
    BodyTooLarge,
    #[error("the form could not be read: {0}")]
    Malformed(String),
    #[error("the form field `{field}` is not valid UTF-8 text")]
    InvalidUtf8 { field: String },
    #[error("the form has too many fields")]
    TooManyFields,
    /// A text field over `max_field_bytes`.
    #[error("the form field `{field}` is longer than {max_bytes} bytes")]
    FieldTooLarge { field: String, max_bytes: usize },
}

impl ResponseError for UploadError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BodyTooLarge | Self::FieldTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Malformed(_) | Self::InvalidUtf8 { .. } | Self::TooManyFields => {
                StatusCode::BAD_REQUEST
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(self.to_string())
    }
}

impl From<MultipartError> for UploadError {
    fn from(e: MultipartError) -> Self {
        match e {
            // From the raw-body cap of `multipart_from_request` or a header
            // section beyond the parser's buffer.
            MultipartError::Payload(PayloadError::Overflow) => Self::BodyTooLarge,
            other => Self::Malformed(other.to_string()),
        }
    }
}

/// What the citizen sent: text fields in the order they came, the accepted
/// attachments, and why any others were left off.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MultipartForm {
    fields: Vec<(String, String)>,
    pub files: Vec<UploadedFile>,
    pub file_problems: Vec<FileProblem>,
}

impl MultipartForm {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order (multi-value lists such as `bin_type`).
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Every text field, in order, to decode into the form's own type.
    pub fn into_pairs(self) -> Vec<(String, String)> {
        self.fields
    }

    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// A multipart reader for a request whose raw body may not exceed
/// [`UploadLimits::raw_body_limit`]: a larger `Content-Length` is refused at
/// once, and a body that runs on is cut off with [`UploadError::BodyTooLarge`]
/// from [`read_multipart`].
///
/// ```ignore
/// async fn submit(req: HttpRequest, body: web::Payload, limits: web::Data<UploadLimits>) -> ... {
///     let multipart = uploads::multipart_from_request(req.headers(), body, &limits)?;
///     let form = uploads::read_multipart(multipart, &limits).await?;
/// ```
pub fn multipart_from_request<S>(
    headers: &HeaderMap,
    body: S,
    limits: &UploadLimits,
) -> Result<Multipart, UploadError>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
{
    let cap = limits.raw_body_limit();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > cap as u64) {
        return Err(UploadError::BodyTooLarge);
    }
    Ok(Multipart::new(
        headers,
        CappedBody {
            inner: body,
            remaining: cap,
            done: false,
        },
    ))
}

/// Passes at most `remaining` bytes through, then fails with `Overflow`.
struct CappedBody<S> {
    inner: S,
    remaining: usize,
    done: bool,
}

impl<S> Stream for CappedBody<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) if chunk.len() > self.remaining => {
                self.done = true;
                Poll::Ready(Some(Err(PayloadError::Overflow)))
            }
            Poll::Ready(Some(Ok(chunk))) => {
                self.remaining -= chunk.len();
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

/// Reads the whole form, applying `limits` as the bytes arrive.
///
/// A part with a `filename` is an attachment (an empty file input, with an
/// empty name and no bytes, is skipped); every other part is a text field,
/// which must be UTF-8.
pub async fn read_multipart(
    mut multipart: Multipart,
    limits: &UploadLimits,
) -> Result<MultipartForm, UploadError> {
    let mut reader = Reader {
        limits,
        total_bytes: 0,
        files_offered: 0,
        form: MultipartForm::default(),
    };
    while let Some(field) = multipart.next().await {
        let mut field = field?;
        reader.charge(part_header_bytes(field.headers()))?;
        let name = field
            .name()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| UploadError::Malformed("a part of the form has no name".into()))?
            .to_owned();
        match client_filename(&field) {
            Some(raw_name) => reader.read_file(&raw_name, &mut field).await?,
            None => reader.read_text(name, &mut field).await?,
        }
    }
    Ok(reader.form)
}

fn part_header_bytes(headers: &HeaderMap) -> usize {
    PART_FRAMING_BYTES
        + headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 4)
            .sum::<usize>()
}

/// The file name the client gave (`filename*` preferred), if the part is a file.
fn client_filename(field: &Field) -> Option<String> {
    let cd = field.content_disposition()?;
    if let Some(ext) = cd.get_filename_ext() {
        return Some(match ext.charset {
            header::Charset::Iso_8859_1 => ext.value.iter().map(|&b| char::from(b)).collect(),
            _ => String::from_utf8_lossy(&ext.value).into_owned(),
        });
    }
    cd.get_filename().map(str::to_owned)
}

struct Reader<'a> {
    limits: &'a UploadLimits,
    /// Body bytes seen so far, part headers included.
    total_bytes: usize,
    /// Files the citizen chose (a name or some bytes), kept or not.
    files_offered: usize,
    form: MultipartForm,
}

/// Where a file part stands while its bytes arrive.
enum FileState {
    /// Still collecting; `kind` once enough bytes were seen to sniff.
    Reading {
        buf: Vec<u8>,
        hasher: Sha256,
        kind: Option<&'static str>,
    },
    /// Left off; the rest of the part is read and dropped.
    Discarding(FileProblem),
}

impl Reader<'_> {
    /// Counts `bytes` towards the whole body.
    fn charge(&mut self, bytes: usize) -> Result<(), UploadError> {
        self.total_bytes = self.total_bytes.saturating_add(bytes);
        if self.total_bytes > self.limits.max_total_bytes {
            Err(UploadError::BodyTooLarge)
        } else {
            Ok(())
        }
    }

    /// The next non-empty chunk of `field`, counted.
    async fn next_chunk(&mut self, field: &mut Field) -> Result<Option<Bytes>, UploadError> {
        while let Some(chunk) = field.next().await {
            let chunk = chunk?;
            self.charge(chunk.len())?;
            if !chunk.is_empty() {
                return Ok(Some(chunk));
            }
        }
        Ok(None)
    }

    /// Reads the rest of `field`, keeping nothing but the count.
    async fn drain(&mut self, field: &mut Field) -> Result<(), UploadError> {
        while self.next_chunk(field).await?.is_some() {}
        Ok(())
    }

    async fn read_text(&mut self, name: String, field: &mut Field) -> Result<(), UploadError> {
        if self.form.fields.len() >= self.limits.max_fields {
            return Err(UploadError::TooManyFields);
        }
        let mut buf = Vec::new();
        while let Some(chunk) = self.next_chunk(field).await? {
            if buf.len() + chunk.len() > self.limits.max_field_bytes {
                return Err(UploadError::FieldTooLarge {
                    field: name,
                    max_bytes: self.limits.max_field_bytes,
                });
            }
            append_bounded(&mut buf, &chunk, self.limits.max_field_bytes);
        }
        match String::from_utf8(buf) {
            Ok(value) => {
                self.form.fields.push((name, value));
                Ok(())
            }
            Err(_) => Err(UploadError::InvalidUtf8 { field: name }),
        }
    }

    async fn read_file(&mut self, raw_name: &str, field: &mut Field) -> Result<(), UploadError> {
        let sanitized = sanitize_filename(raw_name);
        let Some(first) = self.next_chunk(field).await? else {
            // A file input left blank sends no name and no bytes: not a file.
            if !raw_name.trim().is_empty() && self.offer() {
                let filename = filename::display_name(&sanitized);
                self.form
                    .file_problems
                    .push(FileProblem::Empty { filename });
            }
            return Ok(());
        };
        if !self.offer() {
            return self.drain(field).await;
        }

        let mut state = FileState::Reading {
            buf: Vec::new(),
            hasher: Sha256::new(),
            kind: None,
        };
        let mut chunk = Some(first);
        while let Some(bytes) = chunk {
            state = self.take_chunk(state, &bytes, &sanitized);
            chunk = self.next_chunk(field).await?;
        }

        match state {
            FileState::Discarding(problem) => self.form.file_problems.push(problem),
            FileState::Reading { buf, hasher, kind } => {
                match kind.or_else(|| sniff_content_type(&buf)) {
                    Some(content_type) => self.form.files.push(UploadedFile {
                        filename: filename::stored_name(&sanitized, content_type),
                        content_type,
                        data: Bytes::from(buf),
                        sha256: hasher.finalize().into(),
                    }),
                    None => self.form.file_problems.push(FileProblem::UnsupportedType {
                        filename: filename::display_name(&sanitized),
                    }),
                }
            }
        }
        Ok(())
    }

    /// Counts a file the citizen chose; whether it is within `max_files`.
    /// The first one beyond adds [`FileProblem::TooMany`], once.
    fn offer(&mut self) -> bool {
        self.files_offered += 1;
        let max = self.limits.max_files;
        if self.files_offered == max + 1 {
            self.form.file_problems.push(FileProblem::TooMany { max });
        }
        self.files_offered <= max
    }

    fn take_chunk(&self, state: FileState, bytes: &[u8], sanitized: &str) -> FileState {
        let FileState::Reading {
            mut buf,
            mut hasher,
            mut kind,
        } = state
        else {
            return state;
        };
        if buf.len() + bytes.len() > self.limits.max_file_bytes {
            return FileState::Discarding(FileProblem::TooLarge {
                filename: filename::display_name(sanitized),
                max_bytes: self.limits.max_file_bytes,
            });
        }
        append_bounded(&mut buf, bytes, self.limits.max_file_bytes);
        hasher.update(bytes);
        if kind.is_none() && buf.len() >= SNIFF_BYTES {
            kind = sniff_content_type(&buf);
            if kind.is_none() {
                return FileState::Discarding(FileProblem::UnsupportedType {
                    filename: filename::display_name(sanitized),
                });
            }
        }
        FileState::Reading { buf, hasher, kind }
    }
}

/// Appends `bytes` to `buf` without letting its capacity pass `cap` (the
/// caller has checked that the content fits), so a file held in memory never
/// costs more than its limit, as doubling growth could.
fn append_bounded(buf: &mut Vec<u8>, bytes: &[u8], cap: usize) {
    const FIRST_ALLOCATION: usize = 8 * 1024;
    let needed = buf.len() + bytes.len();
    if needed > buf.capacity() {
        let target = needed
            .max(buf.capacity() * 2)
            .max(FIRST_ALLOCATION)
            .min(cap)
            .max(needed);
        buf.reserve_exact(target - buf.len());
    }
    buf.extend_from_slice(bytes);
}
