//! What an `ApiException` carries besides `\Exception`'s message and code: the names of its
//! protected properties, which the getters read, the constructor writes and the binding fills
//! with DingTalk's answer, and the handler type of those methods.

use ext_php_rs::types::Zval;
use ext_php_rs::zend::ExecuteData;

/// DingTalk's `errmsg` (oapi) or `message` (v1.0).
pub const ERRMSG: &str = "errmsg";
/// DingTalk's request id.
pub const REQUEST_ID: &str = "requestId";
/// The `sub_code` of an oapi errcode 88 answer.
pub const SUB_CODE: &str = "subCode";
/// DingTalk's code as it sent it.
pub const ERROR_CODE: &str = "errorCode";
/// A `DuplicateException`'s: the id of the task that holds the create's own id.
pub const EXISTING_ID: &str = "existingId";

/// A method's handler, as `FunctionBuilder` takes it.
pub type Handler = extern "C" fn(&mut ExecuteData, &mut Zval);
