//! Any API call, for what the typed APIs do not cover: the token is added, the answer judged
//! by its family's rules and returned whole.

use reqwest::Method;
use serde_json::Value;

use crate::dialect::Family;
use crate::error::{Error, Result};
use crate::exec::{ApiRequest, Executor, Repeat};
use crate::validate;

/// Any oapi `GET`.
pub(crate) fn oapi_get(exec: &Executor, path: &str, query: &[(String, String)]) -> Result<Value> {
    validate::api_path(path, "/topapi/v2/user/get")?;
    validate::query_keys(query, Family::Oapi.dialect().reserved_query_keys())?;
    let request =
        ApiRequest::new(Family::Oapi, Method::GET, path, Repeat::Safe).query(query.to_vec());
    Ok(exec.execute(&request, &exec.budget())?)
}

/// Any oapi `POST` with a JSON body. It may not be safe to send twice, so it is retried only
/// after failures that surely did not reach DingTalk.
pub(crate) fn oapi_post(exec: &Executor, path: &str, body: &Value) -> Result<Value> {
    validate::api_path(path, "/topapi/workrecord/add")?;
    let request = ApiRequest::post(Family::Oapi, path, body, Repeat::Unsafe)?;
    Ok(exec.execute(&request, &exec.budget())?)
}

/// The HTTP methods v1.0 APIs use, and whether a request with each may be sent twice.
fn method(name: &str) -> Result<(Method, Repeat)> {
    match name.to_ascii_uppercase().as_str() {
        "GET" => Ok((Method::GET, Repeat::Safe)),
        "PUT" => Ok((Method::PUT, Repeat::Safe)),
        "DELETE" => Ok((Method::DELETE, Repeat::Safe)),
        "POST" => Ok((Method::POST, Repeat::Unsafe)),
        "PATCH" => Ok((Method::PATCH, Repeat::Unsafe)),
        _ => Err(Error::invalid(
            "method",
            format!("must be GET, POST, PUT, PATCH or DELETE, \"{name}\" given"),
        )),
    }
}

/// Any v1.0 call: the token in its header, `body` as JSON, the answer decoded (`{}` when
/// empty). GET, PUT and DELETE are resent after a failure that may have reached DingTalk;
/// POST and PATCH are not.
pub(crate) fn v1_request(
    exec: &Executor,
    method_name: &str,
    path: &str,
    query: &[(String, String)],
    body: Option<&Value>,
) -> Result<Value> {
    let (method, repeat) = method(method_name)?;
    validate::api_path(path, "/v1.0/todo/users/{unionId}/tasks")?;
    validate::query_keys(query, Family::V1.dialect().reserved_query_keys())?;
    let mut request = ApiRequest::new(Family::V1, method, path, repeat).query(query.to_vec());
    if let Some(body) = body {
        request = request.json(body)?;
    }
    Ok(exec.execute(&request, &exec.budget())?)
}
