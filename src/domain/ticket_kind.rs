use std::fmt;
use std::str::FromStr;

/// What a citizen wants to do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// "Please fix this."
    ServiceRequest,
    Complaint,
    /// A question.
    Inquiry,
    /// A formal request for records.
    InformationRequest,
    Suggestion,
    Compliment,
}

impl TicketKind {
    pub const ALL: [TicketKind; 6] = [
        Self::ServiceRequest,
        Self::Complaint,
        Self::Inquiry,
        Self::InformationRequest,
        Self::Suggestion,
        Self::Compliment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ServiceRequest => "service_request",
            Self::Complaint => "complaint",
            Self::Inquiry => "inquiry",
            Self::InformationRequest => "information_request",
            Self::Suggestion => "suggestion",
            Self::Compliment => "compliment",
        }
    }
}

impl fmt::Display for TicketKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a kind of request")]
pub struct UnknownKind(pub String);

impl FromStr for TicketKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}
