//! Who the executor calls for: an app (its key and secret, and the token fetched with them) or
//! a group's webhook robot (its own access_token, and a signature when it has a secret). The
//! retry loop is the same for both; only where the token comes from and what a request carries
//! besides it differ.

use crate::auth::TokenCache;
use crate::dialect::webhook::{Robot, Signature};

/// An app: its credentials and its token cache.
pub(crate) struct App {
    pub(crate) key: String,
    pub(crate) secret: String,
    pub(crate) tokens: TokenCache,
}

/// Who the calls are for.
pub(crate) enum Caller {
    App(App),
    /// Nothing to fetch: the robot's access_token is its token.
    Robot(Robot),
}

impl Caller {
    /// The app, when this is one.
    pub(crate) fn app(&self) -> Option<&App> {
        match self {
            Caller::App(app) => Some(app),
            Caller::Robot(_) => None,
        }
    }

    /// The secret besides the token that no error text may show (the app secret, the robot's
    /// signing secret); "" when there is none.
    pub(crate) fn secret(&self) -> &str {
        match self {
            Caller::App(app) => &app.secret,
            Caller::Robot(robot) => robot.secret.as_deref().unwrap_or(""),
        }
    }

    /// The signature a request sent at `now_ms` carries: a robot's with a secret; else none.
    pub(crate) fn signature(&self, now_ms: i64) -> Option<Signature> {
        match self {
            Caller::App(_) => None,
            Caller::Robot(robot) => robot.signature(now_ms),
        }
    }
}
