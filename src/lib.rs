//! The `dingtalk` PHP extension: binding layer only.
