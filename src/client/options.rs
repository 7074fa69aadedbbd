//! Every option of `DingTalk\Client`, and how each is set: one table, so that the keys the
//! constructor's `$options` knows, how each is read and the `dingtalk.*` ini entries (one per
//! option: see [`super::ini`]) cannot disagree. The values themselves are checked by the core's
//! setters.

use dingtalk_core::Options;

use crate::setter::Setter;

/// Every option the client knows, in the order the README lists them.
pub const OPTIONS: [(&str, Setter<Options>); 13] = [
    ("endpoint", Setter::Text(Options::endpoint)),
    ("base_url", Setter::Text(Options::base_url)),
    ("api_base_url", Setter::Text(Options::api_base_url)),
    ("timeout", Setter::Seconds(Options::timeout)),
    ("connect_timeout", Setter::Seconds(Options::connect_timeout)),
    ("retries", Setter::Int(Options::retries)),
    ("token_margin", Setter::Seconds(Options::token_margin)),
    ("ca_file", Setter::Text(Options::ca_file)),
    ("proxy", Setter::Text(Options::proxy)),
    ("user_agent", Setter::Text(Options::user_agent)),
    ("max_answer_bytes", Setter::Bytes(Options::max_answer_bytes)),
    ("token_store", Setter::Text(Options::token_store)),
    ("rate_limit", Setter::Number(Options::rate_limit)),
];
