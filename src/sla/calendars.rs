//! Business calendars as the SLA engine holds them while it works: built
//! once per use case or sweep from the stored rows (by
//! [`crate::sla_config::calendars`], which also keeps admins from saving
//! rows that do not make a calendar) into [`BusinessCalendar`]s, the pure
//! arithmetic.

use std::collections::HashMap;

use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::domain::business_time::BusinessCalendar;
use crate::sla_config::calendars::{load_stored, StoredCalendar};

/// Calendars by id, each with the `updated_at` it was loaded at.
#[derive(Debug, Default, Clone)]
pub struct Calendars {
    by_id: HashMap<i64, (BusinessCalendar, DateTime<Utc>)>,
}

impl Calendars {
    /// Every calendar (a council has a handful).
    pub fn load_all(conn: &mut PgConnection) -> anyhow::Result<Self> {
        Self::built(load_stored(conn, None).context("loading calendars")?)
    }

    /// Just these calendars.
    pub fn load(conn: &mut PgConnection, ids: &[i64]) -> anyhow::Result<Self> {
        Self::built(load_stored(conn, Some(ids)).context("loading calendars")?)
    }

    fn built(stored: Vec<StoredCalendar>) -> anyhow::Result<Self> {
        let by_id = stored
            .into_iter()
            .map(|s| Ok((s.calendar.id, (s.build()?, s.calendar.updated_at))))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { by_id })
    }

    pub fn get(&self, id: i64) -> anyhow::Result<&BusinessCalendar> {
        self.by_id
            .get(&id)
            .map(|(c, _)| c)
            .ok_or_else(|| anyhow!("business calendar {id} does not exist"))
    }

    pub fn contains(&self, id: i64) -> bool {
        self.by_id.contains_key(&id)
    }

    /// Loads `ids` not loaded yet.
    pub fn ensure(&mut self, conn: &mut PgConnection, ids: &[i64]) -> anyhow::Result<()> {
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !self.by_id.contains_key(id))
            .collect();
        if !missing.is_empty() {
            let more = Self::load(conn, &missing)?;
            self.by_id.extend(more.by_id);
        }
        Ok(())
    }

    pub fn versions(&self) -> impl Iterator<Item = (i64, DateTime<Utc>)> + '_ {
        self.by_id.iter().map(|(id, (_, at))| (*id, *at))
    }
}
