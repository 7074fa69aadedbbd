//! The work-record (待办) API: typed requests and answers, and DingTalk's limits checked before
//! anything is sent.
//!
//! There is no `workrecord/get` and no delete: [`WorkRecords::find`] pages `getbyuserid` over
//! both statuses, and "deleting" is [`WorkRecords::complete`].
//!
//! Every walk over pages (`all`, `find`, the duplicate lookup of `create`) is one call: one
//! deadline (`options[timeout]`), one allowance of answer bytes (`options[max_answer_bytes]`),
//! and at most [`MAX_PAGES`] pages, whatever a server says about `has_more`.

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use crate::answer::{missing, reply};
use crate::call::{ApiCall, Budget};
use crate::client::{require, Client};
use crate::error::{Error, ErrorKind, Result, TransportError, TransportErrorKind};
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
/// The most pages one walk reads (50,000 records at 50 a page).
pub const MAX_PAGES: usize = 1000;

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
    /// first attempt may have landed: its record is looked up, within the same budget, and its
    /// id returned only when it is provably this call's (see [`Self::find_landed`]); otherwise the
    /// error is an [`ErrorKind::Conflict`]: the outcome is unknown.
    pub fn create(&self, record: &NewRecord) -> Result<String> {
        record.validate()?;
        let budget = self.client.budget();
        let create_time = record.create_time.unwrap_or_else(now_ms);
        let body = record.body(create_time);
        let idempotency = if record.biz_id.is_some() {
            Idempotency::Safe
        } else {
            Idempotency::Unsafe
        };
        let call = ApiCall::post(ADD, &body, idempotency)?;
        match self.client.execute_within::<AddAnswer>(&call, &budget) {
            Ok(answer) => answer.record_id.ok_or_else(|| missing(ADD, "record_id")),
            Err(Error::Api(mut api))
                if api.errcode == DUPLICATE_BIZ_ID && call.maybe_landed.get() =>
            {
                match self.find_landed(record, create_time, &budget) {
                    Some(record_id) => Ok(record_id),
                    None => {
                        api.kind = ErrorKind::Conflict;
                        Err(Error::Api(api))
                    }
                }
            }
            Err(error) => Err(error),
        }
    }

    /// The id of the record an earlier attempt of this call created, when it can be proven.
    ///
    /// The listing shows no `biz_id`, so the proof is the content: the `create_time` must have
    /// been made by this call (to the millisecond; a caller's own `create_time` may be shared by
    /// a whole batch), and exactly one pending record must match everything that was sent and
    /// is listed (title, url, forms, create_time). Anything less, or a lookup that fails, proves
    /// nothing.
    fn find_landed(&self, record: &NewRecord, create_time: i64, budget: &Budget) -> Option<String> {
        if record.create_time.is_some() {
            return None;
        }
        let mut matches = Vec::new();
        let walk = self.walk(&record.user_id, &[RecordStatus::Pending], budget, |page| {
            matches.extend(page.into_iter().filter(|r| {
                r.create_time == create_time
                    && r.title == record.title
                    && r.url == record.url
                    && r.forms == record.forms
            }));
            if matches.len() > 1 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        match (walk, matches.as_slice()) {
            (Ok(None), [only]) => Some(only.record_id.clone()),
            _ => None,
        }
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
        self.page(user_id, status, offset, limit, &self.client.budget())
    }

    fn page(
        &self,
        user_id: &str,
        status: RecordStatus,
        offset: i64,
        limit: i64,
        budget: &Budget,
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
            .execute_within::<ListAnswer>(&call, budget)?
            .records
            .ok_or_else(|| missing(LIST, "records"))?;
        Ok(RecordPage {
            has_more: answer.has_more,
            records: answer.list.unwrap_or_default(),
        })
    }

    /// Hands every page of a user's records with each of `statuses`, in order, to `visit`,
    /// until it breaks (its value is returned) or the pages end. Within `budget`, and at most
    /// [`MAX_PAGES`] pages in all: a server that always claims more ends in a transport error.
    fn walk<B>(
        &self,
        user_id: &str,
        statuses: &[RecordStatus],
        budget: &Budget,
        mut visit: impl FnMut(Vec<Record>) -> ControlFlow<B>,
    ) -> Result<Option<B>> {
        require("userId", user_id)?;
        let mut pages = 0;
        for &status in statuses {
            let mut offset = 0;
            loop {
                if pages == MAX_PAGES {
                    return Err(TransportError::new(
                        LIST,
                        TransportErrorKind::Decode,
                        format!(
                            "still more records after {MAX_PAGES} pages ({} records): refused",
                            MAX_PAGES as i64 * MAX_LIMIT
                        ),
                    )
                    .into());
                }
                pages += 1;
                let page = self.page(user_id, status, offset, MAX_LIMIT, budget)?;
                let count = page.records.len();
                if let ControlFlow::Break(value) = visit(page.records) {
                    return Ok(Some(value));
                }
                // An empty page that claims more would loop forever: stop there.
                if !page.has_more || count == 0 {
                    break;
                }
                offset += MAX_LIMIT;
            }
        }
        Ok(None)
    }

    /// Every record of a user with `status`, page by page, as one call (see the module docs).
    pub fn all(&self, user_id: &str, status: RecordStatus) -> Result<Vec<Record>> {
        let mut records = Vec::new();
        self.walk(user_id, &[status], &self.client.budget(), |page| {
            records.extend(page);
            ControlFlow::<()>::Continue(())
        })?;
        Ok(records)
    }

    /// The record `record_id` of a user, pending or done; `None` when absent. One call (see the
    /// module docs).
    pub fn find(&self, user_id: &str, record_id: &str) -> Result<Option<Record>> {
        require("userId", user_id)?;
        require("recordId", record_id)?;
        let statuses = [RecordStatus::Pending, RecordStatus::Done];
        self.walk(user_id, &statuses, &self.client.budget(), |page| match page
            .into_iter()
            .find(|r| r.record_id == record_id)
        {
            Some(found) => ControlFlow::Break(found),
            None => ControlFlow::Continue(()),
        })
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
