//! Who exists, for the identity calls: userid ↔ unionId.
//!
//! By default every userid exists and its unionId is derived from it (`union-` +
//! userid), so tests need no set-up and the two ids can never be confused. Users
//! given in the config keep the unionId given there; with `strict_users` only they
//! exist. Fixed at start, so lookups take no lock.

use std::collections::HashMap;

use crate::config::Config;

/// What a derived unionId starts with.
const DERIVED_PREFIX: &str = "union-";

pub struct Users {
    strict: bool,
    /// The configured userids, in the order given.
    configured: Vec<String>,
    union_of: HashMap<String, String>,
    user_of: HashMap<String, String>,
}

/// The unionId a userid has when the config does not name it.
pub fn derived_union_id(userid: &str) -> String {
    format!("{DERIVED_PREFIX}{userid}")
}

impl Users {
    pub fn new(config: &Config) -> Self {
        let mut union_of = HashMap::new();
        let mut user_of = HashMap::new();
        let mut configured = Vec::new();
        for (userid, union_id) in &config.users {
            // The first entry wins, for either id, so no id ever has two partners.
            if union_of.contains_key(userid) || user_of.contains_key(union_id) {
                continue;
            }
            union_of.insert(userid.clone(), union_id.clone());
            user_of.insert(union_id.clone(), userid.clone());
            configured.push(userid.clone());
        }
        Users {
            strict: config.strict_users,
            configured,
            union_of,
            user_of,
        }
    }

    /// The users given in the config (`--user`), in that order: everyone a work notice
    /// `to_all_user` reaches, since the emulator knows nobody else by name.
    pub fn configured(&self) -> Vec<String> {
        self.configured.clone()
    }

    /// The unionId of a userid, or `None` when no such user exists.
    pub fn union_id(&self, userid: &str) -> Option<String> {
        match self.union_of.get(userid) {
            Some(union_id) => Some(union_id.clone()),
            None if self.strict => None,
            None => Some(derived_union_id(userid)),
        }
    }

    /// The userid behind a unionId, or `None` when no such user exists.
    pub fn userid(&self, union_id: &str) -> Option<String> {
        if let Some(userid) = self.user_of.get(union_id) {
            return Some(userid.clone());
        }
        if self.strict {
            return None;
        }
        let userid = union_id.strip_prefix(DERIVED_PREFIX)?;
        // A configured user has the unionId of the config, not the derived one.
        (!userid.is_empty() && !self.union_of.contains_key(userid)).then(|| userid.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(pairs: &[(&str, &str)], strict: bool) -> Users {
        Users::new(&Config {
            users: pairs
                .iter()
                .map(|(u, n)| ((*u).to_owned(), (*n).to_owned()))
                .collect(),
            strict_users: strict,
            ..Config::default()
        })
    }

    #[test]
    fn every_userid_exists_by_default_with_a_derived_union_id() {
        let users = users(&[("boss", "U-BOSS")], false);
        assert_eq!(
            users.union_id("manager1").as_deref(),
            Some("union-manager1")
        );
        assert_eq!(users.userid("union-manager1").as_deref(), Some("manager1"));
        assert_eq!(users.union_id("boss").as_deref(), Some("U-BOSS"));
        assert_eq!(users.userid("U-BOSS").as_deref(), Some("boss"));
        // The derived id of a configured user is not theirs.
        assert_eq!(users.userid("union-boss"), None);
        assert_eq!(users.userid("not-derived"), None);
        assert_eq!(users.userid("union-"), None);
    }

    #[test]
    fn strict_users_are_only_the_configured_ones() {
        let users = users(
            &[("boss", "U-BOSS"), ("boss", "U-2"), ("b", "U-BOSS")],
            true,
        );
        assert_eq!(users.union_id("boss").as_deref(), Some("U-BOSS"));
        assert_eq!(users.union_id("b"), None);
        assert_eq!(users.union_id("manager1"), None);
        assert_eq!(users.userid("union-manager1"), None);
        assert_eq!(users.userid("U-2"), None);
        assert_eq!(users.configured(), ["boss"]);
    }
}
