//! A client's `Options`: the constructor's `$options` over the `dingtalk.*` ini entries over
//! the core's defaults. Unknown keys are a `ValueError`, wrong types a `TypeError`; the values
//! themselves are checked by the core.

use dingtalk_core::Options;
use ext_php_rs::exception::PhpResult;

use super::ini;
use super::options::OPTIONS;
use crate::php::arg_error::ArgError;
use crate::php::ini::{settings, SettingError};
use crate::php::value::PhpArray;

/// `endpoint` names one server for both hosts; these options name one host each.
const HOSTS: [&str; 2] = ["base_url", "api_base_url"];

/// The host option that a level (the constructor's array, or the ini entries) may not give
/// together with `endpoint`, if it gives one.
fn clash(given: impl Fn(&str) -> bool) -> Option<&'static str> {
    if !given("endpoint") {
        return None;
    }
    HOSTS.into_iter().find(|host| given(host))
}

/// Builds the options: the ini entries of the options the array does not give, then those of
/// the array (`null` for a key means "not given"). Per host, the most specific setting wins:
/// the array's host option, the array's `endpoint`, the entry of the host, `dingtalk.endpoint`.
/// A level that gives `endpoint` with a host option of its own is a `ValueError`.
pub fn options(array: &PhpArray) -> PhpResult<Options> {
    let names = OPTIONS.map(|(name, _)| name);
    let given = array.options(&names)?;
    let in_array = |key: &str| given.iter().any(|(name, _)| *name == key);
    if let Some(host) = clash(in_array) {
        let reason = format!("cannot be combined with options[{host}]: it sets both hosts");
        return Err(ArgError::value("options[endpoint]", reason).into());
    }
    let values = settings(ini::entries().iter().map(String::as_str));
    let entries: Vec<_> = OPTIONS.iter().zip(values).collect();
    let in_ini = |key: &str| {
        entries.iter().any(|((name, _), setting)| {
            *name == key && setting.as_ref().is_some_and(|s| !s.local.is_empty())
        })
    };
    if let Some(host) = clash(in_ini) {
        let reason = format!(
            "cannot be combined with {}: it sets both hosts",
            ini::entry(host)
        );
        let entry = ini::entry("endpoint");
        return Err(SettingError { entry, reason }.into());
    }
    // An entry the array overrides is not even read (a host's entry is overridden by the
    // array's endpoint too).
    let overridden = |key: &str| in_array(key) || (HOSTS.contains(&key) && in_array("endpoint"));
    let mut options = Options::default();
    for ((key, setter), setting) in &entries {
        if let Some(setting) = setting.as_ref().filter(|_| !overridden(key)) {
            options = ini::apply(options, key, *setter, &setting.local)?;
        }
    }
    // In the table's order, so the array's endpoint comes before its (absent) host options.
    for (key, setter) in &OPTIONS {
        if let Some((_, value)) = given.iter().find(|(name, _)| name == key) {
            options = setter.set(options, &format!("options[{key}]"), value)?;
        }
    }
    Ok(options)
}
