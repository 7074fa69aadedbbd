//! The extension's ini entries: registered at module startup from a list of names, read while a
//! request runs. Knows nothing of what the entries mean.
//!
//! Every entry is `PHP_INI_SYSTEM | PHP_INI_PERDIR`: it can be set in `php.ini`, with `php -d`,
//! in a php-fpm pool (`php_value`, `php_admin_value`) and per directory (`.user.ini`, Apache's
//! `php_value`), but not with `ini_set()` while a script runs. Its default is empty ("not set").

use std::ffi::{c_int, CStr, CString};
use std::sync::OnceLock;

use ext_php_rs::ffi::{zend_ini_entry, zend_register_ini_entries, ZEND_RESULT_CODE_SUCCESS};
use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::types::ZendStr;
use ext_php_rs::zend::{ExecutorGlobals, IniEntryDef};

/// Where an entry may be set: see the module docs.
pub fn permission() -> IniEntryPermission {
    IniEntryPermission::System | IniEntryPermission::PerDir
}

/// Why the table could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadName(pub String);

/// The definitions of entries `names`, each empty by default and settable as [`permission`]
/// says, ended by the marker the engine expects. The names are leaked: the engine keeps
/// pointers to them (and, from PHP 8.5, to the table) for the life of the process.
pub fn table(names: &[String]) -> Result<Vec<IniEntryDef>, BadName> {
    let mut table = Vec::with_capacity(names.len() + 1);
    for name in names {
        // `IniEntryDef::new` asserts the length; refuse a name that would fail it instead.
        if name.is_empty() || u16::try_from(name.len()).is_err() {
            return Err(BadName(name.clone()));
        }
        let c_name = CString::new(name.as_str()).map_err(|_| BadName(name.clone()))?;
        let c_name: &'static CStr = Box::leak(c_name.into_boxed_c_str());
        table.push(IniEntryDef::new(c_name, c"", permission()));
    }
    table.push(IniEntryDef::end());
    Ok(table)
}

/// A table built once per process; a SAPI that starts the module again registers the same one.
struct Table(&'static [IniEntryDef]);

// SAFETY: the table and the names it points to are leaked and never written after they are built.
unsafe impl Send for Table {}
unsafe impl Sync for Table {}

static TABLE: OnceLock<Option<Table>> = OnceLock::new();

/// Registers entries `names` for the module (at module startup). `false` if a name is unusable
/// or the engine refused the table (an entry of that name already exists).
pub fn register(names: &[String], module_number: c_int) -> bool {
    let built = TABLE.get_or_init(|| {
        table(names)
            .ok()
            .map(|defs| Table(Box::leak(defs.into_boxed_slice())))
    });
    let Some(Table(defs)) = built else {
        return false;
    };
    // Called directly rather than through `IniEntryDef::register`, which drops the engine's
    // answer; the table ends with its marker by construction.
    // SAFETY: a `'static` table ended by `IniEntryDef::end()`.
    let result = unsafe { zend_register_ini_entries(defs.as_ptr(), module_number) };
    result == ZEND_RESULT_CODE_SUCCESS
}

/// A value of entry `entry` that cannot be used: `reason` follows the entry's name in the
/// message, which names the entry, not an argument, so that the reader knows to look in the
/// configuration, not the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    pub entry: String,
    pub reason: String,
}

/// An entry's values: the one in force in this request (`local`: a `.user.ini` or pool setting
/// included) and the one set at startup (`master`), as PHP's own `ini_get_all()` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub local: Vec<u8>,
    pub master: Vec<u8>,
}

/// The values of entries `names`, in order; `None` for one that is not registered.
pub fn settings<'n>(names: impl IntoIterator<Item = &'n str>) -> Vec<Option<Setting>> {
    let globals = ExecutorGlobals::get();
    // SAFETY: `EG(ini_directives)` is null before the engine started, valid afterwards.
    let directives = unsafe { globals.ini_directives.as_ref() };
    names
        .into_iter()
        .map(|name| {
            let zval = directives?.get(name)?;
            // SAFETY: the engine files every ini entry as a pointer to its `zend_ini_entry`,
            // which lives as long as the module.
            let entry = unsafe { zval.ptr::<zend_ini_entry>()?.as_ref()? };
            let local = bytes(entry.value);
            let master = if entry.modified != 0 {
                bytes(entry.orig_value)
            } else {
                local.clone()
            };
            Some(Setting { local, master })
        })
        .collect()
}

/// A value's bytes; a missing value is empty, as `ini_get()` returns it.
fn bytes(value: *mut ext_php_rs::ffi::zend_string) -> Vec<u8> {
    // SAFETY: a null pointer or a string owned by the ini entry.
    unsafe { value.cast::<ZendStr>().as_ref() }.map_or_else(Vec::new, |s| s.as_bytes().to_vec())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_every_name_then_the_end_marker() {
        let names = ["ext.a".to_owned(), "ext.long_name".to_owned()];
        let table = table(&names).unwrap();
        assert_eq!(table.len(), 3);
        for (def, name) in table.iter().zip(&names) {
            // SAFETY: built from a leaked CString above.
            let stored = unsafe { CStr::from_ptr(def.name) };
            assert_eq!(stored.to_str().unwrap(), name);
            assert_eq!(usize::from(def.name_length), name.len());
            assert_eq!(def.value_length, 0, "empty by default: not set");
            assert_eq!(u32::from(def.modifiable), permission().bits());
            assert!(
                def.on_modify.is_none(),
                "checked when a client is made, not when set"
            );
        }
        assert!(table[2].name.is_null(), "ended by the marker");
    }

    #[test]
    fn names_the_engine_cannot_take_are_refused() {
        assert_eq!(
            table(&["a\0b".to_owned()]).unwrap_err(),
            BadName("a\0b".into())
        );
        assert!(table(&[String::new()]).is_err());
        assert!(table(&["x".repeat(70_000)]).is_err());
    }

    #[test]
    fn entries_may_be_set_per_directory_but_not_at_run_time() {
        assert_eq!(permission().bits(), 2 | 4); // PHP_INI_PERDIR | PHP_INI_SYSTEM
    }
}
