//! `DingTalk\WorkRecord`.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

use dingtalk_core::{NewRecord, RecordStatus, WorkRecords};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use crate::args::{PhpArray, PhpStr};
use crate::client::Client;
use crate::exceptions::to_php;
use crate::record_arrays::{page_array, record_array, records_array};

/// The work-record (待办) API of one app.
#[php_class]
#[php(name = "DingTalk\\WorkRecord")]
pub struct WorkRecord {
    api: WorkRecords,
}

fn method(name: &str) -> String {
    format!("DingTalk\\WorkRecord::{name}")
}

impl WorkRecord {
    pub(crate) fn of(client: &dingtalk_core::Client) -> Self {
        WorkRecord {
            api: client.work_records(),
        }
    }
}

#[php_impl]
impl WorkRecord {
    /// A record that is not done.
    pub const PENDING: i64 = 0;
    /// A record that is done.
    pub const DONE: i64 = 1;

    /// `new WorkRecord(Client $client)`.
    pub fn __construct(client: &Client) -> Self {
        WorkRecord::of(&client.core)
    }

    /// Creates a record for `$userId`; returns its `recordId`.
    #[php(defaults(forms = PhpArray::empty(), options = PhpArray::empty()))]
    pub fn create(
        &self,
        userId: PhpStr,
        title: PhpStr,
        url: PhpStr,
        forms: PhpArray,
        options: PhpArray,
    ) -> PhpResult<String> {
        let m = method("create");
        let utf8 = |value: &PhpStr, name: &str| value.arg(name, &m).map(str::to_owned);
        let mut record = NewRecord {
            user_id: utf8(&userId, "userId")?,
            title: utf8(&title, "title")?,
            url: utf8(&url, "url")?,
            forms: crate::create_args::forms(&forms)?,
            ..NewRecord::default()
        };
        crate::create_args::apply_options(&mut record, &options)?;
        self.api.create(&record).map_err(|e| to_php(e, &m))
    }

    /// Marks a record done; `$recordId` may also be the record's `biz_id`.
    pub fn complete(&self, userId: PhpStr, recordId: PhpStr) -> PhpResult<bool> {
        let m = method("complete");
        let userId = userId.arg("userId", &m)?;
        let recordId = recordId.arg("recordId", &m)?;
        self.api
            .complete(userId, recordId)
            .map_err(|e| to_php(e, &m))
    }

    /// One page: `['has_more' => bool, 'records' => list]`.
    #[php(defaults(status = 0, offset = 0, limit = 50))]
    pub fn list(
        &self,
        userId: PhpStr,
        status: i64,
        offset: i64,
        limit: i64,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let m = method("list");
        let userId = userId.arg("userId", &m)?;
        let status = RecordStatus::from_code(status).map_err(|e| to_php(e, &m))?;
        let page = self
            .api
            .list(userId, status, offset, limit)
            .map_err(|e| to_php(e, &m))?;
        Ok(page_array(&page))
    }

    /// Every record with `$status`, all pages.
    #[php(defaults(status = 0))]
    pub fn all(&self, userId: PhpStr, status: i64) -> PhpResult<ZBox<ZendHashTable>> {
        let m = method("all");
        let userId = userId.arg("userId", &m)?;
        let status = RecordStatus::from_code(status).map_err(|e| to_php(e, &m))?;
        let records = self.api.all(userId, status).map_err(|e| to_php(e, &m))?;
        Ok(records_array(&records))
    }

    /// The record, pending or done; `null` when the user has no such record.
    pub fn find(&self, userId: PhpStr, recordId: PhpStr) -> PhpResult<Option<ZBox<ZendHashTable>>> {
        let m = method("find");
        let userId = userId.arg("userId", &m)?;
        let recordId = recordId.arg("recordId", &m)?;
        let found = self.api.find(userId, recordId).map_err(|e| to_php(e, &m))?;
        Ok(found.map(|r| record_array(&r)))
    }
}
