//! The work-record (待办) API: typed requests and answers, and DingTalk's limits checked before
//! anything is sent.
//!
//! There is no `workrecord/get` and no delete: [`WorkRecords::find`] pages `getbyuserid` over
//! both statuses, and "deleting" is [`WorkRecords::complete`].

use serde::{Deserialize, Serialize};

use crate::answer::{missing, reply};
use crate::call::ApiCall;
use crate::client::{require, Client};
use crate::error::{Error, Result};
use crate::new_record::{now_ms, NewRecord};
use crate::record::{Record, RecordPage, RecordStatus};
use crate::retry::Idempotency;

const ADD: &str = "/topapi/workrecord/add";
const UPDATE: &str = "/topapi/workrecord/update";
const LIST: &str = "/topapi/workrecord/getbyuserid";

/// Largest page of `getbyuserid`.
pub const MAX_LIMIT: i64 = 50;
/// The errcode DingTalk gives a second add with the same `biz_id` for the same user.
pub const DUPLICATE_BIZ_ID: i64 = 854001;

/// `workrecord/update`'s body.
#[derive(Serialize)]
struct UpdateBody<'a> {
    userid: &'a str,
    record_id: &'a str,
}

/// `workrecord/getbyuserid`'s body.
#[derive(Serialize)]
struct ListBody<'a> {
    userid: &'a str,
    offset: i64,
    limit: i64,
    status: i64,
}

reply!(
    /// `workrecord/add`'s answer.
    AddAnswer { record_id: String }
);

reply!(
    /// `workrecord/update`'s answer.
    UpdateAnswer { result: bool }
);

reply!(
    /// `workrecord/getbyuserid`'s answer.
    ListAnswer { records: ListRecords }
);

#[derive(Deserialize)]
pub(crate) struct ListRecords {
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    list: Option<Vec<Record>>,
}

/// The work-record API of one app.
#[derive(Debug, Clone)]
pub struct WorkRecords {
    client: Client,
}

fn check_offset_limit(offset: i64, limit: i64) -> Result<()> {
    if offset < 0 {
        return Err(Error::invalid(
            "offset",
            format!("must be 0 or more, {offset} given"),
        ));
    }
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}, {limit} given"),
        ));
    }
    Ok(())
}

impl WorkRecords {
    /// The work-record API of `client`'s app.
    pub fn new(client: Client) -> Self {
        WorkRecords { client }
    }

    /// Creates a record; returns its `record_id`.
    ///
    /// An add is retried after a failure that may have reached DingTalk only when it carries a
    /// `biz_id` (DingTalk rejects the duplicate). If such a retry is answered "duplicate", the
    /// first attempt landed: its record is looked up and its id returned.
    pub fn create(&self, record: &NewRecord) -> Result<String> {
        record.validate()?;
        let create_time = record.create_time.unwrap_or_else(now_ms);
        let body = record.body(create_time);
        let idempotency = if record.biz_id.is_some() {
            Idempotency::Safe
        } else {
            Idempotency::Unsafe
        };
        let call = ApiCall::post(ADD, &body, idempotency)?;
        match self.client.execute::<AddAnswer>(&call) {
            Ok(answer) => answer.record_id.ok_or_else(|| missing(ADD, "record_id")),
            Err(Error::Api(api)) if api.errcode == DUPLICATE_BIZ_ID && call.maybe_landed.get() => {
                match self.find_landed(record, create_time) {
                    Some(record_id) => Ok(record_id),
                    None => Err(Error::Api(api)),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// The id of the pending record an earlier attempt of `record` created, if it can be found.
    fn find_landed(&self, record: &NewRecord, create_time: i64) -> Option<String> {
        let pending = self.all(&record.user_id, RecordStatus::Pending).ok()?;
        pending
            .into_iter()
            .rev()
            .find(|r| {
                r.create_time == create_time && r.title == record.title && r.url == record.url
            })
            .map(|r| r.record_id)
    }

    /// Marks a record done (`workrecord/update`); `record_id` may also be the record's `biz_id`.
    pub fn complete(&self, user_id: &str, record_id: &str) -> Result<bool> {
        require("userId", user_id)?;
        require("recordId", record_id)?;
        let body = UpdateBody {
            userid: user_id,
            record_id,
        };
        let call = ApiCall::post(UPDATE, &body, Idempotency::Safe)?;
        let answer = self.client.execute::<UpdateAnswer>(&call)?;
        answer.result.ok_or_else(|| missing(UPDATE, "result"))
    }

    /// One page of a user's records with `status`, from `offset` (counted in records).
    pub fn list(
        &self,
        user_id: &str,
        status: RecordStatus,
        offset: i64,
        limit: i64,
    ) -> Result<RecordPage> {
        require("userId", user_id)?;
        check_offset_limit(offset, limit)?;
        let body = ListBody {
            userid: user_id,
            offset,
            limit,
            status: status as i64,
        };
        let call = ApiCall::post(LIST, &body, Idempotency::Safe)?;
        let answer = self
            .client
            .execute::<ListAnswer>(&call)?
            .records
            .ok_or_else(|| missing(LIST, "records"))?;
        Ok(RecordPage {
            has_more: answer.has_more,
            records: answer.list.unwrap_or_default(),
        })
    }

    /// Every record of a user with `status`, page by page.
    pub fn all(&self, user_id: &str, status: RecordStatus) -> Result<Vec<Record>> {
        let mut records = Vec::new();
        let mut offset = 0;
        loop {
            let page = self.list(user_id, status, offset, MAX_LIMIT)?;
            let count = page.records.len();
            records.extend(page.records);
            // An empty page that claims more would loop forever: stop there.
            if !page.has_more || count == 0 {
                return Ok(records);
            }
            offset += MAX_LIMIT;
        }
    }

    /// The record `record_id` of a user, pending or done; `None` when absent.
    pub fn find(&self, user_id: &str, record_id: &str) -> Result<Option<Record>> {
        require("userId", user_id)?;
        require("recordId", record_id)?;
        for status in [RecordStatus::Pending, RecordStatus::Done] {
            let mut offset = 0;
            loop {
                let page = self.list(user_id, status, offset, MAX_LIMIT)?;
                let count = page.records.len();
                if let Some(found) = page.records.into_iter().find(|r| r.record_id == record_id) {
                    return Ok(Some(found));
                }
                if !page.has_more || count == 0 {
                    break;
                }
                offset += MAX_LIMIT;
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_offset_and_limit_are_checked_before_sending() {
        assert!(
            matches!(RecordStatus::from_code(2), Err(Error::InvalidArgument { name, .. }) if name == "status")
        );
        assert!(check_offset_limit(-1, 10).is_err());
        assert!(check_offset_limit(0, 0).is_err());
        assert!(check_offset_limit(0, 51).is_err());
        assert!(check_offset_limit(0, 50).is_ok());
    }
}
