//! Who a user is in each family: oapi names users by userid, v1.0 by unionId.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::app_id::AppId;
use crate::dialect::{missing, Family};
use crate::error::Result;
use crate::exec::{ApiRequest, Executor, Repeat};
use crate::validate::require;

const USER_GET: &str = "/topapi/v2/user/get";

/// A unionId never changes, so it is cached for the life of the process. An app with more users
/// than this starts the cache afresh rather than grow without bound.
const MAX_CACHED: usize = 100_000;

static UNION_IDS: LazyLock<Mutex<HashMap<(AppId, String), String>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

#[derive(Serialize)]
struct UserGetBody<'a> {
    userid: &'a str,
}

#[derive(Deserialize)]
struct UserGetAnswer {
    result: Option<UserResult>,
}

#[derive(Deserialize)]
struct UserResult {
    unionid: Option<String>,
}

/// The unionId of the user `user_id` (`/topapi/v2/user/get`), cached per app and process.
pub(crate) fn union_id(exec: &Executor, user_id: &str) -> Result<String> {
    require("userId", user_id)?;
    let key = (exec.app_id().clone(), user_id.to_owned());
    // The map only ever holds finished entries, so a poisoned lock still guards valid data.
    if let Some(cached) = UNION_IDS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Ok(cached.clone());
    }
    let body = UserGetBody { userid: user_id };
    let request = ApiRequest::post(Family::Oapi, USER_GET, &body, Repeat::Safe)?;
    let answer: UserGetAnswer = exec.execute(&request, &exec.budget())?;
    let union_id = answer
        .result
        .and_then(|r| r.unionid)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| missing(USER_GET, "result.unionid"))?;
    let mut cache = UNION_IDS.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= MAX_CACHED {
        cache.clear();
    }
    cache.insert(key, union_id.clone());
    Ok(union_id)
}
