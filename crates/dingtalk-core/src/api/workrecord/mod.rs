//! The work-record (待办) API: typed requests and answers, and DingTalk's limits checked before
//! anything is sent.
//!
//! There is no `workrecord/get` and no delete: [`WorkRecords::find`] pages `getbyuserid` over
//! both statuses, and "deleting" is [`WorkRecords::complete`].

mod new_record;
mod record;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use new_record::{NewRecord, MAX_FORMS, MAX_TITLE_CHARS};
pub use record::{FormItem, Record, RecordPage, RecordStatus};

use crate::api::page::{self, Page};
use crate::budget::Budget;
use crate::dialect::{missing, Family};
use crate::error::{Conflict, Error, Result};
use crate::exec::batch::{self, Batch};
use crate::exec::{ApiRequest, Executor, Failure, Repeat};
use crate::time::now_ms;
use crate::validate::require;

const ADD: &str = "/topapi/workrecord/add";
const UPDATE: &str = "/topapi/workrecord/update";
const LIST: &str = "/topapi/workrecord/getbyuserid";

/// Largest page of `getbyuserid`.
pub const MAX_LIMIT: i64 = 50;
/// The errcode DingTalk gives a second add with the same `biz_id` for the same user.
pub const DUPLICATE_BIZ_ID: i64 = 854001;

/// What a [`Conflict`] of `create()` adds to DingTalk's answer: what is unknown, and what the
/// caller can do about it.
const CONFLICT_ADVICE: &str = "outcome unknown: this create was retried after its first \
     attempt's answer was lost, and DingTalk already holds a record with this biz_id, but that \
     record cannot be proven to be the one the first attempt created. The biz_id is taken either \
     way: look for the record among the user's pending records (all()) before creating it again \
     under another biz_id; complete() accepts the biz_id";

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

/// `workrecord/add`'s answer.
#[derive(Deserialize)]
struct AddAnswer {
    record_id: Option<String>,
}

/// `workrecord/update`'s answer.
#[derive(Deserialize)]
struct UpdateAnswer {
    result: Option<bool>,
}

/// `workrecord/getbyuserid`'s answer.
#[derive(Deserialize)]
struct ListAnswer {
    records: Option<ListRecords>,
}

#[derive(Deserialize)]
struct ListRecords {
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    list: Option<Vec<Record>>,
}

/// The work-record API of one app.
#[derive(Clone)]
pub struct WorkRecords {
    exec: Arc<Executor>,
}

impl std::fmt::Debug for WorkRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkRecords").finish_non_exhaustive()
    }
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
    pub(crate) fn new(exec: Arc<Executor>) -> Self {
        WorkRecords { exec }
    }

    /// Creates a record; returns its `record_id`.
    ///
    /// An add is retried after a failure that may have reached DingTalk only when it carries a
    /// `biz_id` (DingTalk rejects the duplicate). If such a retry is answered "duplicate", the
    /// first attempt landed: its record is looked up and its id returned.
    pub fn create(&self, record: &NewRecord) -> Result<String> {
        record.validate()?;
        self.create_within(record, &self.exec.budget())
    }

    /// Creates many records, `batch`'s concurrency at a time; one result per record, in
    /// order, each as [`WorkRecords::create`] would give it (retries and the duplicate
    /// recovery included). Every record is checked first: one that is wrong is an error
    /// naming it (`records[3][title]`) and nothing is sent.
    pub fn create_many(&self, records: &[NewRecord], batch: &Batch) -> Result<Vec<Result<String>>> {
        for (i, record) in records.iter().enumerate() {
            record.validate_as(&format!("records[{i}]"))?;
        }
        Ok(batch::run(
            &self.exec,
            batch,
            ADD,
            records,
            |record, budget| self.create_within(record, budget),
        ))
    }

    /// `create()` of a checked record within `budget`.
    fn create_within(&self, record: &NewRecord, budget: &Budget) -> Result<String> {
        let create_time = record.create_time.unwrap_or_else(now_ms);
        let repeat = Repeat::for_create(record.biz_id.is_some());
        let request = ApiRequest::post(Family::Oapi, ADD, &record.body(create_time), repeat)?;
        match self.exec.execute::<AddAnswer>(&request, budget) {
            Ok(answer) => answer.record_id.ok_or_else(|| missing(ADD, "record_id")),
            Err(Failure {
                error: Error::Api(api),
                maybe_delivered: true,
            }) if api.errcode() == Some(DUPLICATE_BIZ_ID) => {
                match self.find_landed(record, create_time, budget) {
                    Some(record_id) => Ok(record_id),
                    None => Err(Error::Conflict(Box::new(Conflict {
                        detail: format!("{api}: {CONFLICT_ADVICE}"),
                        answer: *api,
                    }))),
                }
            }
            Err(failure) => Err(failure.error),
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
        let walk = self.walk(&record.user_id, RecordStatus::Pending, budget, |page| {
            matches.extend(page.into_iter().filter(|r| {
                r.create_time == create_time
                    && r.title == record.title
                    && r.url == record.url
                    && r.forms == record.forms
            }));
            // A second match already proves nothing: stop reading.
            (matches.len() > 1).then_some(())
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
        let request = ApiRequest::post(Family::Oapi, UPDATE, &body, Repeat::Safe)?;
        let answer: UpdateAnswer = self.exec.execute(&request, &self.exec.budget())?;
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
        self.page(user_id, status, offset, limit, &self.exec.budget())
    }

    fn page(
        &self,
        user_id: &str,
        status: RecordStatus,
        offset: i64,
        limit: i64,
        budget: &Budget,
    ) -> Result<RecordPage> {
        let body = ListBody {
            userid: user_id,
            offset,
            limit,
            status: status as i64,
        };
        let request = ApiRequest::post(Family::Oapi, LIST, &body, Repeat::Safe)?;
        let answer = self
            .exec
            .execute::<ListAnswer>(&request, budget)?
            .records
            .ok_or_else(|| missing(LIST, "records"))?;
        Ok(RecordPage {
            has_more: answer.has_more,
            records: answer.list.unwrap_or_default(),
        })
    }

    /// Pages through a user's records with `status` within `budget`, handing each page to
    /// `visit` until it returns a result.
    fn walk<R>(
        &self,
        user_id: &str,
        status: RecordStatus,
        budget: &Budget,
        visit: impl FnMut(Vec<Record>) -> Option<R>,
    ) -> Result<Option<R>> {
        let fetch = |offset: &i64| {
            let page = self.page(user_id, status, *offset, MAX_LIMIT, budget)?;
            // An empty page that claims more is taken as the end.
            let more = page.has_more && !page.records.is_empty();
            Ok(Page {
                next: more.then_some(offset + MAX_LIMIT),
                items: page.records,
            })
        };
        page::walk(LIST, 0, fetch, visit)
    }

    fn collect(&self, user_id: &str, status: RecordStatus, budget: &Budget) -> Result<Vec<Record>> {
        let mut records = Vec::new();
        self.walk(user_id, status, budget, |page| {
            records.extend(page);
            None::<()>
        })?;
        Ok(records)
    }

    /// Every record of a user with `status`, page by page, within one time budget.
    pub fn all(&self, user_id: &str, status: RecordStatus) -> Result<Vec<Record>> {
        require("userId", user_id)?;
        self.collect(user_id, status, &self.exec.budget())
    }

    /// The record `record_id` of a user, pending or done; `None` when absent. One time budget
    /// for the whole search.
    pub fn find(&self, user_id: &str, record_id: &str) -> Result<Option<Record>> {
        require("userId", user_id)?;
        require("recordId", record_id)?;
        let budget = self.exec.budget();
        for status in [RecordStatus::Pending, RecordStatus::Done] {
            let found = self.walk(user_id, status, &budget, |page| {
                page.into_iter().find(|r| r.record_id == record_id)
            })?;
            if found.is_some() {
                return Ok(found);
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
