use std::fmt;
use std::str::FromStr;

/// A staff member's role (see the roles table in docs/overview).
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
pub enum Role {
    /// Handles tickets of their departments.
    Agent,
    /// Heads one or more departments.
    Supervisor,
    /// Reads organisation-wide aggregates.
    Leader,
    /// Configures the system.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Self::Agent, Self::Supervisor, Self::Leader, Self::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Supervisor => "supervisor",
            Self::Leader => "leader",
            Self::Admin => "admin",
        }
    }

    /// Whether the role works tickets inside departments (and so needs memberships).
    pub fn belongs_to_departments(self) -> bool {
        matches!(self, Self::Agent | Self::Supervisor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a role; use agent, supervisor, leader or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == lower)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}
