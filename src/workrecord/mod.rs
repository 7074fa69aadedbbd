//! `DingTalk\WorkRecord`.
// PHP parameter names are the Rust names: camelCase, as PHP code spells them.
#![allow(non_snake_case)]

mod input;
mod output;

use dingtalk_core::{NewRecord, RecordStatus, WorkRecords};
use ext_php_rs::boxed::ZBox;
use ext_php_rs::exception::PhpResult;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use crate::batch;
use crate::client::Client;
use crate::exceptions::OrThrow;
use crate::php::args::{ArrayArg, PhpStr};
use output::{one_record, page_array, records_array};

/// The work-record (待办) API of one app.
#[php_class]
#[php(name = "DingTalk\\WorkRecord")]
pub struct WorkRecord {
    api: WorkRecords,
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
    #[php(defaults(forms = ArrayArg::Empty, options = ArrayArg::Empty))]
    pub fn create(
        &self,
        userId: PhpStr,
        title: PhpStr,
        url: PhpStr,
        forms: ArrayArg,
        options: ArrayArg,
    ) -> PhpResult<String> {
        let utf8 = |value: &PhpStr, name: &str| value.arg(name).map(str::to_owned);
        let mut record = NewRecord {
            user_id: utf8(&userId, "userId")?,
            title: utf8(&title, "title")?,
            url: utf8(&url, "url")?,
            forms: input::forms(&forms.copy("forms")?, "forms")?,
            ..NewRecord::default()
        };
        input::apply_options(&mut record, &options.copy("options")?)?;
        self.api.create(&record).or_throw()
    }

    /// Creates many records, several at a time: `['ok' => true, 'id' => recordId]` or
    /// `['ok' => false, 'error' => DingTalk\Exception]` per record, under its key, in order.
    #[php(defaults(options = ArrayArg::Empty))]
    pub fn create_many(
        &self,
        records: ArrayArg,
        options: ArrayArg,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let records = records.copy("records")?;
        let (keys, new) = batch::items(&records, "records", input::record)?;
        let batch = batch::options(&options.copy("options")?, &[], |_, _| Ok(()))?;
        let results = self.api.create_many(&new, &batch).or_throw()?;
        batch::results(&keys, results, 0, |entry, id| {
            entry.insert("id", id.as_str())?;
            Ok(())
        })
    }

    /// Marks a record done; `$recordId` may also be the record's `biz_id`.
    pub fn complete(&self, userId: PhpStr, recordId: PhpStr) -> PhpResult<bool> {
        let userId = userId.arg("userId")?;
        let recordId = recordId.arg("recordId")?;
        self.api.complete(userId, recordId).or_throw()
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
        let userId = userId.arg("userId")?;
        let status = RecordStatus::from_code(status).or_throw()?;
        page_array(&self.api.list(userId, status, offset, limit).or_throw()?)
    }

    /// Every record with `$status`, all pages.
    #[php(defaults(status = 0))]
    pub fn all(&self, userId: PhpStr, status: i64) -> PhpResult<ZBox<ZendHashTable>> {
        let userId = userId.arg("userId")?;
        let status = RecordStatus::from_code(status).or_throw()?;
        records_array(&self.api.all(userId, status).or_throw()?)
    }

    /// The record, pending or done; `null` when the user has no such record.
    pub fn find(&self, userId: PhpStr, recordId: PhpStr) -> PhpResult<Option<ZBox<ZendHashTable>>> {
        let userId = userId.arg("userId")?;
        let recordId = recordId.arg("recordId")?;
        let found = self.api.find(userId, recordId).or_throw()?;
        found.as_ref().map(one_record).transpose()
    }
}
