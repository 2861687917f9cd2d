//! The API's error shape, always JSON:
//! `{"error": {"code": "...", "message": "...", "fields": {...}}}`.

use std::collections::BTreeMap;

use actix_web::error::JsonPayloadError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde_json::json;

use crate::db::DbError;
use crate::error::AppError;
use crate::requests::RequestError;
use crate::uploads::UploadError;

pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: BTreeMap<String, String>,
    pub retry_after: Option<u64>,
    /// The resource as it now stands, on a 409: what the caller must look at
    /// before trying again (`error.current`).
    pub current: Option<Box<serde_json::Value>>,
    /// The cause, for the log only.
    pub source: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after: None,
            current: None,
            source: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "No such request, or the token does not match.",
        )
    }

    pub fn validation(fields: BTreeMap<String, String>) -> Self {
        Self {
            fields,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Some fields are missing or invalid; see `fields`.",
            )
        }
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many submissions from this address; try again later.",
            )
        }
    }

    fn internal(source: anyhow::Error) -> Self {
        Self {
            source: Some(source),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on our side.",
            )
        }
    }
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)?;
        if let Some(s) = &self.source {
            write!(f, "\n{s:?}")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(source) = &self.source {
            tracing::error!(error = ?source, code = self.code, "API request failed");
        }
        let mut body = json!({ "code": self.code, "message": self.message });
        if !self.fields.is_empty() {
            body["fields"] = json!(self.fields);
        }
        if let Some(current) = &self.current {
            body["current"] = (**current).clone();
        }
        let mut res = HttpResponse::build(self.status);
        if let Some(s) = self.retry_after {
            res.insert_header(("Retry-After", s.to_string()));
        }
        res.json(json!({ "error": body }))
    }
}

/// The optional `Idempotency-Key` header: a UUID. Sent again with the same
/// key, a submission makes nothing new and answers 409 `already_submitted`
/// naming the request the first one made.
pub fn idempotency_key(req: &actix_web::HttpRequest) -> Result<Option<uuid::Uuid>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_idempotency_key",
                "Idempotency-Key must be a UUID, e.g. 3f1e9c1a-7b2d-4c5e-9f00-1a2b3c4d5e6f",
            )
        })
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::NotFound => Self::not_found(),
            RequestError::NotAllowed(key) => {
                let status = if key.starts_with("error-comment") {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    StatusCode::CONFLICT
                };
                Self::new(status, "not_allowed", crate::i18n::Locale::En.text(key))
            }
            RequestError::AlreadySubmitted(reference) => Self::new(
                StatusCode::CONFLICT,
                "already_submitted",
                format!(
                    "A request with this Idempotency-Key was already made: {reference}. \
                     Its tracking token was given in the first answer only."
                ),
            ),
            RequestError::Db(e) => DbError::Query(e).into(),
            RequestError::Other(e) => Self::internal(e),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Query(diesel::result::Error::NotFound) => Self::not_found(),
            DbError::Unavailable(_) => Self {
                retry_after: Some(5),
                source: Some(e.into()),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "The service is temporarily unavailable.",
                )
            },
            other => Self::internal(other.into()),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => Self::not_found(),
            AppError::BadRequest(m) => Self::new(StatusCode::BAD_REQUEST, "bad_request", m),
            AppError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", m),
            AppError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            AppError::TooLarge(m) => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", m),
            AppError::Unavailable(e) => Self {
                source: Some(e),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "The service is temporarily unavailable.",
                )
            },
            AppError::Unexpected(e) => Self::internal(e),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> Self {
        let status = e.status_code();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "malformed"
        };
        Self::new(status, code, e.to_string())
    }
}

/// Bad JSON bodies: 415 for the wrong content type, 413 when too big, 400 otherwise.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as application/json.",
        ),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "The request body is too large.",
            )
        }
        JsonPayloadError::Deserialize(e) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("The body is not valid JSON for this operation: {e}"),
        ),
        other => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("The body could not be read: {other}"),
        ),
    };
    actix_web::error::InternalError::from_response(err, api.error_response()).into()
}

/// Unknown `/api` paths.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "No such API route.",
    ))
}
