//! A ticket's status and every transition between statuses, in one place.
//! `apply` is one exhaustive match over (status, action) with no catch-all arm,
//! so adding a status or an action does not compile until every pair is decided.

use std::fmt;
use std::str::FromStr;

use super::ticket::ResolutionCode;

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
pub enum TicketStatus {
    New,
    Triaged,
    Assigned,
    InProgress,
    WaitingOnCitizen,
    Resolved,
    Closed,
    Reopened,
}

/// Something that changes a ticket's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// Staff checked the category and department.
    Triage,
    /// Someone took ownership.
    Assign,
    /// Work started (or resumed).
    StartWork,
    /// Staff asked the citizen something; SLA clocks pause.
    WaitOnCitizen,
    /// The citizen answered or added information.
    CitizenReplied,
    Resolve,
    Close(ResolutionCode),
    /// A supervisor (or the citizen, within the reopen window) reopened it.
    Reopen,
    /// The citizen no longer wants it.
    Withdraw,
    /// Staff moved it to another department, which has to pick it up again:
    /// it loses its assignee.
    Transfer,
}

/// What a citizen is told: internal statuses fold into plain words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CitizenStatus {
    Received,
    InProgress,
    WaitingForYourReply,
    Resolved,
    Closed,
}

/// What the SLA clocks do in a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockEffect {
    Running,
    Paused,
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a ticket that is {status}: {reason}")]
pub struct TransitionError {
    pub status: TicketStatus,
    pub action: &'static str,
    pub reason: &'static str,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 8] = [
        Self::New,
        Self::Triaged,
        Self::Assigned,
        Self::InProgress,
        Self::WaitingOnCitizen,
        Self::Resolved,
        Self::Closed,
        Self::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Triaged => "triaged",
            Self::Assigned => "assigned",
            Self::InProgress => "in_progress",
            Self::WaitingOnCitizen => "waiting_on_citizen",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Reopened => "reopened",
        }
    }

    /// Neither resolved nor closed.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Closed)
    }

    pub fn citizen_status(self) -> CitizenStatus {
        match self {
            Self::New | Self::Triaged | Self::Assigned => CitizenStatus::Received,
            Self::InProgress | Self::Reopened => CitizenStatus::InProgress,
            Self::WaitingOnCitizen => CitizenStatus::WaitingForYourReply,
            Self::Resolved => CitizenStatus::Resolved,
            Self::Closed => CitizenStatus::Closed,
        }
    }

    pub fn clock_effect(self) -> ClockEffect {
        match self {
            Self::New | Self::Triaged | Self::Assigned | Self::InProgress | Self::Reopened => {
                ClockEffect::Running
            }
            Self::WaitingOnCitizen => ClockEffect::Paused,
            Self::Resolved | Self::Closed => ClockEffect::Stopped,
        }
    }

    /// The status after `action`, or why it is not allowed.
    pub fn apply(self, action: StatusAction) -> Result<TicketStatus, TransitionError> {
        use StatusAction as A;
        use TicketStatus as S;
        let refuse = |reason: &'static str| {
            Err(TransitionError {
                status: self,
                action: action.verb(),
                reason,
            })
        };
        match (self, action) {
            (S::New, A::Triage) => Ok(S::Triaged),
            (S::Triaged, A::Triage) => refuse("it has already been triaged"),
            (S::Assigned | S::InProgress | S::WaitingOnCitizen | S::Reopened, A::Triage) => {
                refuse("it is already being handled")
            }

            (S::New | S::Triaged | S::Assigned, A::Assign) => Ok(S::Assigned),
            // Reassigning a ticket in hand keeps its status.
            (S::InProgress | S::WaitingOnCitizen | S::Reopened, A::Assign) => Ok(self),

            (
                S::New | S::Triaged | S::Assigned | S::WaitingOnCitizen | S::Reopened,
                A::StartWork,
            ) => Ok(S::InProgress),
            (S::InProgress, A::StartWork) => refuse("work is already in progress"),

            (S::New | S::Triaged | S::Assigned | S::InProgress | S::Reopened, A::WaitOnCitizen) => {
                Ok(S::WaitingOnCitizen)
            }
            (S::WaitingOnCitizen, A::WaitOnCitizen) => {
                refuse("it is already waiting on the citizen")
            }

            (S::WaitingOnCitizen, A::CitizenReplied) => Ok(S::InProgress),
            // Extra information on a ticket not waiting for it changes nothing.
            (
                S::New | S::Triaged | S::Assigned | S::InProgress | S::Reopened | S::Resolved,
                A::CitizenReplied,
            ) => Ok(self),
            (S::Closed, A::CitizenReplied) => refuse("it is closed; please make a new request"),

            (
                S::New
                | S::Triaged
                | S::Assigned
                | S::InProgress
                | S::WaitingOnCitizen
                | S::Reopened,
                A::Resolve,
            ) => Ok(S::Resolved),
            (S::Resolved, A::Resolve) => refuse("it is already resolved"),

            (
                S::New
                | S::Triaged
                | S::Assigned
                | S::InProgress
                | S::WaitingOnCitizen
                | S::Reopened
                | S::Resolved,
                A::Close(_),
            ) => Ok(S::Closed),

            (S::Resolved | S::Closed, A::Reopen) => Ok(S::Reopened),
            (
                S::New
                | S::Triaged
                | S::Assigned
                | S::InProgress
                | S::WaitingOnCitizen
                | S::Reopened,
                A::Reopen,
            ) => refuse("it is still open"),

            (
                S::New
                | S::Triaged
                | S::Assigned
                | S::InProgress
                | S::WaitingOnCitizen
                | S::Reopened
                | S::Resolved,
                A::Withdraw,
            ) => Ok(S::Closed),

            // The new department has looked at nothing yet, but the ticket has
            // been triaged (it was sent there on purpose); without an assignee
            // it is no longer `assigned`.
            (S::Assigned, A::Transfer) => Ok(S::Triaged),
            (
                S::New | S::Triaged | S::InProgress | S::WaitingOnCitizen | S::Reopened,
                A::Transfer,
            ) => Ok(self),

            (
                S::Resolved | S::Closed,
                A::Triage | A::Assign | A::StartWork | A::WaitOnCitizen | A::Transfer,
            ) => refuse("it must be reopened first"),
            (S::Closed, A::Resolve | A::Close(_) | A::Withdraw) => refuse("it is already closed"),
        }
    }
}

impl StatusAction {
    pub fn verb(self) -> &'static str {
        match self {
            Self::Triage => "triage",
            Self::Assign => "assign",
            Self::StartWork => "start work on",
            Self::WaitOnCitizen => "wait on the citizen for",
            Self::CitizenReplied => "add a citizen's reply to",
            Self::Resolve => "resolve",
            Self::Close(_) => "close",
            Self::Reopen => "reopen",
            Self::Withdraw => "withdraw",
            Self::Transfer => "transfer",
        }
    }
}

impl CitizenStatus {
    /// The message key for the citizen's words.
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Received => "status-received",
            Self::InProgress => "status-in-progress",
            Self::WaitingForYourReply => "status-waiting",
            Self::Resolved => "status-resolved",
            Self::Closed => "status-closed",
        }
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a status")]
pub struct UnknownStatus(pub String);

impl FromStr for TicketStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatusAction as A;
    use TicketStatus as S;

    #[test]
    fn the_lifecycle_of_a_ticket() {
        let s = S::New.apply(A::Triage).unwrap();
        let s = s.apply(A::Assign).unwrap();
        let s = s.apply(A::StartWork).unwrap();
        let s = s.apply(A::WaitOnCitizen).unwrap();
        assert_eq!(s.clock_effect(), ClockEffect::Paused);
        let s = s.apply(A::CitizenReplied).unwrap();
        assert_eq!(s, S::InProgress);
        let s = s.apply(A::Resolve).unwrap();
        assert_eq!(s.citizen_status(), CitizenStatus::Resolved);
        let s = s.apply(A::Reopen).unwrap();
        assert_eq!(s.clock_effect(), ClockEffect::Running);
        let s = s.apply(A::Close(ResolutionCode::Fixed)).unwrap();
        assert_eq!(s, S::Closed);
    }

    #[test]
    fn refusals_say_why() {
        let e = S::Closed.apply(A::StartWork).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot start work on a ticket that is closed: it must be reopened first"
        );
        assert!(S::New.apply(A::Reopen).is_err());
        assert!(S::Closed.apply(A::Withdraw).is_err());
        assert!(S::Closed.apply(A::CitizenReplied).is_err());
    }

    #[test]
    fn a_transfer_drops_the_assignee_and_needs_an_open_ticket() {
        assert_eq!(S::Assigned.apply(A::Transfer), Ok(S::Triaged));
        assert_eq!(S::InProgress.apply(A::Transfer), Ok(S::InProgress));
        assert_eq!(
            S::Closed.apply(A::Transfer).unwrap_err().to_string(),
            "cannot transfer a ticket that is closed: it must be reopened first"
        );
    }

    #[test]
    fn every_status_round_trips() {
        for s in S::ALL {
            assert_eq!(s.as_str().parse::<S>(), Ok(s));
        }
    }
}
