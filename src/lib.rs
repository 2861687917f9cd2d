//! CivicDesk: citizen services and complaint tracking for councils.
//!
//! The module list is the architecture at a glance: `domain` holds the rules
//! (no web, no SQL); `db` the tables and queries; `routes` thin HTTP handlers;
//! `views` the page structs and templates; `email` renders and queues mail,
//! `jobs` delivers it in the background; `startup` wires them together.

pub mod abuse;
pub mod areas;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod configuration;
pub mod database;
pub mod db;
pub mod domain;
pub mod email;
pub mod embedded_pg;
pub mod error;
pub mod generate;
pub mod i18n;
pub mod jobs;
pub mod open311;
pub mod reports;
pub mod requests;
pub mod routes;
pub mod schema;
pub mod seed;
pub mod sla;
pub mod sla_config;
pub mod staff;
pub mod startup;
pub mod telemetry;
pub mod uploads;
pub mod views;
