//! One integration-test binary: every test talks to the real app over HTTP
//! against a real PostgreSQL database of its own.

mod api_requests;
mod cli;
mod config;
mod embedded;
mod health;
mod helpers;
mod home;
mod mail;
mod migrations;
mod seed;
mod smtp_capture;
