//! Stored work records, per user.
//!
//! Records are listed ordered by `create_time` (DingTalk: it "only affects
//! ordering"), ties in the order they were added. Each status has its own ordered
//! index, so a page costs O(offset + limit) whatever else the user has, and each
//! record's list entry is serialised once, when it is added.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

/// A `formItemList` entry; listed back as `forms`.
#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub title: String,
    pub content: String,
}

/// A validated `workrecord/add` body.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub userid: String,
    pub create_time: i64,
    pub title: String,
    pub url: String,
    pub forms: Vec<Form>,
    pub pc_url: Option<String>,
    pub pc_open_type: Option<i64>,
    pub originator_user_id: Option<String>,
    pub source_name: Option<String>,
    pub biz_id: Option<String>,
}

struct Stored {
    record_id: String,
    record: NewRecord,
    done: bool,
    /// This record's entry in a `getbyuserid` list, ready to copy.
    list_json: Box<str>,
}

/// The shape of one entry of `getbyuserid`'s `records.list`.
#[derive(Serialize)]
struct ListEntry<'a> {
    record_id: &'a str,
    create_time: i64,
    title: &'a str,
    url: &'a str,
    forms: &'a [Form],
}

/// Everything stored about a record, for `GET /_emulator/records`.
#[derive(Serialize)]
struct FullEntry<'a> {
    record_id: &'a str,
    userid: &'a str,
    biz_id: Option<&'a str>,
    title: &'a str,
    url: &'a str,
    create_time: i64,
    forms: &'a [Form],
    #[serde(rename = "pcUrl")]
    pc_url: Option<&'a str>,
    pc_open_type: Option<i64>,
    source_name: Option<&'a str>,
    originator_user_id: Option<&'a str>,
    /// 0 pending, 1 done, as in `getbyuserid`.
    status: u8,
}

/// Ordering key within a status: `(create_time, insertion index)`.
type Key = (i64, usize);

#[derive(Default)]
struct UserRecords {
    items: Vec<Stored>,
    by_id: HashMap<String, usize>,
    by_biz: HashMap<String, usize>,
    pending: BTreeSet<Key>,
    done: BTreeSet<Key>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum AddError {
    /// The user already has a record with this `biz_id`.
    DuplicateBizId,
}

#[derive(Default)]
pub struct RecordStore {
    users: HashMap<String, UserRecords>,
}

/// One page of a user's records.
pub struct Page {
    /// The list entries, comma-separated, ready to go between `[` and `]`.
    pub list_json: String,
    pub has_more: bool,
}

impl RecordStore {
    pub fn add(&mut self, record: NewRecord, record_id: String) -> Result<(), AddError> {
        let user = self.users.entry(record.userid.clone()).or_default();
        if let Some(biz_id) = &record.biz_id {
            if user.by_biz.contains_key(biz_id) {
                return Err(AddError::DuplicateBizId);
            }
        }
        let entry = ListEntry {
            record_id: &record_id,
            create_time: record.create_time,
            title: &record.title,
            url: &record.url,
            forms: &record.forms,
        };
        // Strings and integers always serialise; "{}" keeps the list valid JSON regardless.
        let list_json = serde_json::to_string(&entry)
            .unwrap_or_else(|_| String::from("{}"))
            .into_boxed_str();
        let index = user.items.len();
        user.pending.insert((record.create_time, index));
        user.by_id.insert(record_id.clone(), index);
        if let Some(biz_id) = &record.biz_id {
            user.by_biz.insert(biz_id.clone(), index);
        }
        user.items.push(Stored {
            record_id,
            record,
            done: false,
            list_json,
        });
        Ok(())
    }

    /// Marks the record done; `id` is its record id or its `biz_id`. Marking a done
    /// record again succeeds. `false` when the user has no such record.
    pub fn complete(&mut self, userid: &str, id: &str) -> bool {
        let Some(user) = self.users.get_mut(userid) else {
            return false;
        };
        let Some(&index) = user.by_id.get(id).or_else(|| user.by_biz.get(id)) else {
            return false;
        };
        let Some(stored) = user.items.get_mut(index) else {
            return false;
        };
        if !stored.done {
            stored.done = true;
            let key = (stored.record.create_time, index);
            user.pending.remove(&key);
            user.done.insert(key);
        }
        true
    }

    /// Records `offset..offset + limit` of one status (`done` false = pending).
    pub fn page(&self, userid: &str, done: bool, offset: usize, limit: usize) -> Page {
        let mut page = Page {
            list_json: String::new(),
            has_more: false,
        };
        let Some(user) = self.users.get(userid) else {
            return page;
        };
        let index = if done { &user.done } else { &user.pending };
        if offset >= index.len() {
            return page;
        }
        page.has_more = index.len() - offset > limit;
        for (n, (_, i)) in index.iter().skip(offset).take(limit).enumerate() {
            if n > 0 {
                page.list_json.push(',');
            }
            if let Some(stored) = user.items.get(*i) {
                page.list_json.push_str(&stored.list_json);
            }
        }
        page
    }

    /// Everything stored for a user, in the order added, as a JSON array.
    pub fn dump_json(&self, userid: &str) -> String {
        let entries: Vec<FullEntry<'_>> = self
            .users
            .get(userid)
            .map(|user| {
                user.items
                    .iter()
                    .map(|s| FullEntry {
                        record_id: &s.record_id,
                        userid: &s.record.userid,
                        biz_id: s.record.biz_id.as_deref(),
                        title: &s.record.title,
                        url: &s.record.url,
                        create_time: s.record.create_time,
                        forms: &s.record.forms,
                        pc_url: s.record.pc_url.as_deref(),
                        pc_open_type: s.record.pc_open_type,
                        source_name: s.record.source_name.as_deref(),
                        originator_user_id: s.record.originator_user_id.as_deref(),
                        status: u8::from(s.done),
                    })
                    .collect()
            })
            .unwrap_or_default();
        serde_json::to_string(&entries).unwrap_or_else(|_| String::from("[]"))
    }

    pub fn clear(&mut self) {
        self.users.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(userid: &str, create_time: i64, biz_id: Option<&str>) -> NewRecord {
        NewRecord {
            userid: userid.into(),
            create_time,
            title: "t".into(),
            url: "https://example.invalid".into(),
            forms: vec![],
            pc_url: None,
            pc_open_type: None,
            originator_user_id: None,
            source_name: None,
            biz_id: biz_id.map(Into::into),
        }
    }

    fn ids(page: &Page) -> Vec<String> {
        let list: serde_json::Value =
            serde_json::from_str(&format!("[{}]", page.list_json)).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|e| e["record_id"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn ordered_by_create_time_then_insertion() {
        let mut store = RecordStore::default();
        store.add(record("u", 30, None), "c".into()).unwrap();
        store.add(record("u", 10, None), "a".into()).unwrap();
        store.add(record("u", 30, None), "d".into()).unwrap();
        store.add(record("u", 20, None), "b".into()).unwrap();
        let page = store.page("u", false, 0, 50);
        assert_eq!(ids(&page), ["a", "b", "c", "d"]);
        assert!(!page.has_more);
        let page = store.page("u", false, 1, 2);
        assert_eq!(ids(&page), ["b", "c"]);
        assert!(page.has_more);
    }

    #[test]
    fn complete_moves_between_statuses_by_id_or_biz_id() {
        let mut store = RecordStore::default();
        store.add(record("u", 1, Some("x")), "a".into()).unwrap();
        store.add(record("u", 2, None), "b".into()).unwrap();
        assert!(store.complete("u", "x"));
        assert!(store.complete("u", "x"));
        assert!(store.complete("u", "b"));
        assert!(!store.complete("u", "zzz"));
        assert!(!store.complete("other", "a"));
        assert_eq!(ids(&store.page("u", true, 0, 50)), ["a", "b"]);
        assert!(ids(&store.page("u", false, 0, 50)).is_empty());
    }

    #[test]
    fn biz_id_is_unique_per_user() {
        let mut store = RecordStore::default();
        store.add(record("u", 1, Some("x")), "a".into()).unwrap();
        assert_eq!(
            store.add(record("u", 1, Some("x")), "b".into()),
            Err(AddError::DuplicateBizId)
        );
        store.add(record("v", 1, Some("x")), "c".into()).unwrap();
    }
}
