//! Which database the process uses: the configured one, or the embedded
//! cluster in `DATA_DIR/postgres`, started (or attached to) on demand.

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};

use crate::configuration::Settings;
use crate::embedded_pg::{ClusterOptions, EmbeddedCluster};

/// The database in use. Dropping it releases the embedded cluster (stopping
/// it if no other CivicDesk process uses it).
pub struct Database {
    url: SecretString,
    cluster: Option<EmbeddedCluster>,
}

impl Database {
    pub fn open(settings: &Settings) -> anyhow::Result<Self> {
        if let Some(url) = settings.external_database_url() {
            return Ok(Self {
                url: SecretString::from(url.to_string()),
                cluster: None,
            });
        }
        let options = ClusterOptions {
            service_user: settings.database.embedded_user.clone(),
            ..ClusterOptions::default()
        };
        let cluster = EmbeddedCluster::start(&settings.application.data_dir, &options)
            .context("starting the embedded PostgreSQL cluster")?;
        Ok(Self {
            url: SecretString::from(cluster.database_url()),
            cluster: Some(cluster),
        })
    }

    /// The connection URL (it may hold a password: never log it).
    pub fn url(&self) -> &str {
        self.url.expose_secret()
    }

    pub fn is_embedded(&self) -> bool {
        self.cluster.is_some()
    }

    /// Leaves the embedded cluster running after this process exits (`db-url`).
    pub fn leave_running(self) {
        if let Some(c) = self.cluster {
            c.leave_running();
        }
    }

    /// Stops the embedded cluster if this process was its last user.
    pub fn close(self) -> anyhow::Result<()> {
        if let Some(c) = self.cluster {
            c.release()
                .context("stopping the embedded PostgreSQL cluster")?;
        }
        Ok(())
    }
}
