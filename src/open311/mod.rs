//! Open311 GeoReport v2 (<http://wiki.open311.org/GeoReport_v2>) under
//! `/open311/v2`: existing 311 apps list the services, submit requests and
//! follow them. Requests that arrive this way are ordinary tickets (channel
//! `api`); the GET calls show every ticket as GeoReport's public view of it.
//! Where the spec is silent or ambiguous this follows FixMyStreet and its
//! open311-adapter (see the README's "Open311" section).
//!
//! [`params`] reads GeoReport's parameters, [`read`] and [`submit`] are the
//! use cases, [`answers`] shapes them as [`document::Document`]s, which are
//! written as XML or JSON.

pub mod answers;
pub mod api_keys;
pub mod document;
pub mod params;
pub mod read;
pub mod submit;
