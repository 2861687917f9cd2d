//! Who may do what, in one place (see the roles table in the design overview).
//! Handlers ask [`Staff::may`]; queries scope with [`Staff::ticket_scope`].
//! Pure rules: no web, no SQL.

use crate::domain::role::Role;

/// A signed-in staff member, as the rules need them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Staff {
    pub id: i64,
    pub role: Role,
    pub name: String,
    pub email: String,
    /// Departments they belong to (agents) or head (supervisors).
    pub departments: Vec<i64>,
}

/// What a ticket's access depends on.
#[derive(Debug, Clone, Copy)]
pub struct TicketAccess {
    pub department_id: i64,
    pub assignee_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Reply,
    Note,
    /// Assign a ticket that is unassigned or assigned to oneself.
    Assign,
    /// Take a ticket away from the colleague who holds it.
    Reassign,
    Transfer,
    ChangeStatus,
    ChangePriority,
    ChangeCategory,
    /// Correct the address or coordinates (and so the area).
    ChangeLocation,
    Merge,
    Reopen,
    ExtendSla,
}

/// Why not. `hide` means answer 404: the person must not learn the ticket exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Denied {
    pub reason: &'static str,
    pub hide: bool,
}

impl Staff {
    pub fn works_tickets(&self) -> bool {
        self.role.belongs_to_departments()
    }

    pub fn in_department(&self, department_id: i64) -> bool {
        self.departments.contains(&department_id)
    }

    /// Agents and supervisors see their departments' tickets and those assigned
    /// to them; leaders read aggregates only; admins configure.
    pub fn can_see(&self, t: TicketAccess) -> bool {
        self.works_tickets()
            && (self.in_department(t.department_id) || t.assignee_id == Some(self.id))
    }

    pub fn may(&self, action: Action, t: TicketAccess) -> Result<(), Denied> {
        if !self.can_see(t) {
            return Err(Denied {
                reason: "not one of your departments' tickets",
                hide: true,
            });
        }
        let supervisor_here = self.role == Role::Supervisor && self.in_department(t.department_id);
        let holds_it = t.assignee_id.is_none_or(|a| a == self.id);
        match action {
            Action::View
            | Action::Reply
            | Action::Note
            | Action::ChangeStatus
            | Action::ChangePriority
            | Action::ChangeCategory
            | Action::ChangeLocation
            | Action::Transfer
            | Action::Merge => Ok(()),
            Action::Assign if holds_it || supervisor_here => Ok(()),
            Action::Assign => Err(Denied {
                reason: "a colleague holds this ticket; ask a supervisor to reassign it",
                hide: false,
            }),
            Action::Reassign | Action::Reopen | Action::ExtendSla if supervisor_here => Ok(()),
            Action::Reassign => Err(Denied {
                reason: "only a supervisor of this department can reassign it",
                hide: false,
            }),
            Action::Reopen => Err(Denied {
                reason: "only a supervisor of this department can reopen it",
                hide: false,
            }),
            Action::ExtendSla => Err(Denied {
                reason: "only a supervisor of this department can extend the SLA",
                hide: false,
            }),
        }
    }

    /// May assign tickets of `department_id` to `assignee` (who must belong to it).
    pub fn may_assign_to(&self, assignee_departments: &[i64], department_id: i64) -> bool {
        assignee_departments.contains(&department_id)
    }

    /// Staff accounts (create, deactivate, roles, departments) are the
    /// administrators' alone.
    pub fn may_manage_staff(&self) -> bool {
        self.role == Role::Admin
    }

    /// Areas (wards, districts) are imported by administrators.
    pub fn may_manage_areas(&self) -> bool {
        self.role == Role::Admin
    }

    /// SLA policies and business calendars (and which service uses which
    /// policy) are configured by administrators alone.
    pub fn may_configure_sla(&self) -> bool {
        self.role == Role::Admin
    }

    /// `(departments, user)`: a ticket is in scope when its department is one of
    /// these, or it is assigned to this user. `None` = sees no tickets.
    pub fn ticket_scope(&self) -> Option<(Vec<i64>, i64)> {
        self.works_tickets()
            .then(|| (self.departments.clone(), self.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, departments: Vec<i64>) -> Staff {
        Staff {
            id: 1,
            role,
            name: "n".into(),
            email: "e@x.org".into(),
            departments,
        }
    }
    const MINE: TicketAccess = TicketAccess {
        department_id: 10,
        assignee_id: None,
    };
    const OTHERS: TicketAccess = TicketAccess {
        department_id: 20,
        assignee_id: None,
    };

    #[test]
    fn agents_work_their_departments_and_their_own_tickets() {
        let a = staff(Role::Agent, vec![10]);
        assert!(a.may(Action::Reply, MINE).is_ok());
        assert!(a.may(Action::View, OTHERS).unwrap_err().hide);
        assert!(a
            .may(
                Action::View,
                TicketAccess {
                    department_id: 20,
                    assignee_id: Some(1)
                }
            )
            .is_ok());
        assert!(!a.may(Action::Reopen, MINE).unwrap_err().hide);
        assert!(a
            .may(
                Action::Assign,
                TicketAccess {
                    assignee_id: Some(2),
                    ..MINE
                }
            )
            .is_err());
    }

    #[test]
    fn supervisors_reassign_and_reopen_in_their_departments() {
        let s = staff(Role::Supervisor, vec![10]);
        assert!(s.may(Action::Reopen, MINE).is_ok());
        assert!(s
            .may(
                Action::Reassign,
                TicketAccess {
                    assignee_id: Some(2),
                    ..MINE
                }
            )
            .is_ok());
        assert!(s.may(Action::Reopen, OTHERS).is_err());
    }

    #[test]
    fn only_admins_manage_staff_accounts() {
        for role in Role::ALL {
            assert_eq!(
                staff(role, vec![10]).may_manage_staff(),
                role == Role::Admin,
                "{role}"
            );
        }
    }

    #[test]
    fn only_admins_configure_sla_policies_and_calendars() {
        for role in Role::ALL {
            assert_eq!(
                staff(role, vec![10]).may_configure_sla(),
                role == Role::Admin,
                "{role}"
            );
        }
    }

    #[test]
    fn leaders_and_admins_see_no_tickets() {
        for role in [Role::Leader, Role::Admin] {
            let p = staff(role, vec![10]);
            assert!(p.may(Action::View, MINE).unwrap_err().hide);
            assert!(p.ticket_scope().is_none());
        }
    }
}
