//! Limits on public submission: a per-client-address rate limit (a token
//! bucket per IP, refilled steadily, with a small burst).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Shared by all workers of one process.
#[derive(Clone)]
pub struct SubmissionLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    trust_forwarded_for: bool,
}

impl SubmissionLimiter {
    pub fn new(per_hour: NonZeroU32, burst: NonZeroU32, trust_forwarded_for: bool) -> Self {
        let quota = Quota::with_period(Duration::from_secs(3600) / per_hour.get())
            .expect("a positive period")
            .allow_burst(burst);
        Self {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            trust_forwarded_for,
        }
    }

    /// `Err(seconds to wait)` when this client has submitted too much.
    pub fn check(&self, req: &HttpRequest) -> Result<(), u64> {
        let ip = self.client_ip(req);
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs().max(1)
        })?;
        // Forget idle clients now and then so the map stays small.
        if self.limiter.len() > 100_000 {
            self.limiter.retain_recent();
        }
        Ok(())
    }

    fn client_ip(&self, req: &HttpRequest) -> IpAddr {
        let info = req.connection_info();
        let from_proxy = if self.trust_forwarded_for {
            info.realip_remote_addr()
        } else {
            info.peer_addr()
        };
        from_proxy
            .and_then(|s| {
                s.parse::<IpAddr>()
                    .ok()
                    .or_else(|| s.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
            })
            .unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }
}

/// Requests for password reset links, per client address: its own bucket,
/// so they neither use up nor are used up by citizens' submissions. Each
/// request may send an email, hence the low rate.
#[derive(Clone)]
pub struct PasswordResetLimiter(SubmissionLimiter);

impl PasswordResetLimiter {
    /// Steady rate per hour, and the burst allowed before it applies.
    pub const PER_HOUR: u32 = 10;
    pub const BURST: u32 = 5;

    pub fn new(trust_forwarded_for: bool) -> Self {
        Self(SubmissionLimiter::new(
            NonZeroU32::new(Self::PER_HOUR).expect("non-zero"),
            NonZeroU32::new(Self::BURST).expect("non-zero"),
            trust_forwarded_for,
        ))
    }

    /// `Err(seconds to wait)` when this client has asked too often.
    pub fn check(&self, req: &HttpRequest) -> Result<(), u64> {
        self.0.check(req)
    }
}
