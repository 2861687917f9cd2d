//! One integration-test binary: every test talks to the real app over HTTP
//! against a real PostgreSQL database of its own.

mod api_requests;
mod areas;
mod authz_matrix;
mod browser;
mod citizen_api;
mod citizen_pages;
mod cli;
mod clock;
mod config;
mod embedded;
mod fast_reports;
mod generate;
mod health;
mod helpers;
mod home;
mod idempotency;
mod mail;
mod migrations;
mod open311;
mod report_jobs;
mod report_pages;
mod reports;
mod seed;
mod sla;
mod sla_admin;
mod smtp_capture;
mod staff_accounts;
mod staff_auth;
mod staff_helpers;
mod staff_queues;
mod staff_tickets;
