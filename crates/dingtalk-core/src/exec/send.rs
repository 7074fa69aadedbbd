//! One attempt on the wire: the request built for its family's dialect (token, signature,
//! body), sent within the budget's time and bytes, its answer judged and decoded.

use serde::de::DeserializeOwned;

use super::request::ApiRequest;
use super::url::url_under;
use super::Executor;
use crate::budget::Budget;
use crate::dialect::{self, Disclosure};
use crate::error::Result;
use crate::http::{self as transport, AnswerLimit, Exchange};
use crate::time::now_ms;

impl Executor {
    /// Sends the request once with `token`, judges the answer and decodes it.
    pub(super) fn send_once<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        token: &str,
        budget: &Budget,
    ) -> Result<T> {
        let dialect = request.family.dialect();
        let timeout = budget.remaining(&request.path)?;
        let url = url_under(dialect.base_url(&self.options), &request.path)?;
        let http = self.http.client()?;
        let mut builder = http.request(request.method.clone(), url);
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if request.with_token {
            builder = dialect.authorize(builder, token);
        }
        // Made at the moment of sending: DingTalk accepts a signature for an hour.
        let signature = self.caller.signature(now_ms());
        if let Some(signature) = &signature {
            let query = [
                ("timestamp", &signature.timestamp),
                ("sign", &signature.sign),
            ];
            builder = builder.query(&query);
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        self.counters.request();
        let signed = signature.as_ref().map_or("", |s| s.sign.as_str());
        let mut secrets = vec![self.caller.secret(), token, signed];
        secrets.extend(request.hidden.iter().map(String::as_str));
        let (left, option) = budget.bytes();
        let exchange = Exchange {
            path: &request.path,
            timeout,
            user_agent: &self.options.user_agent,
            limit: AnswerLimit { left, option },
            secrets: &secrets,
        };
        let raw = transport::send(builder, &exchange)?;
        let disclosure = Disclosure::hiding(&secrets);
        let answer = dialect::read(request.family, &request.path, &raw, disclosure)?;
        budget.charge(raw.body.len());
        Ok(answer)
    }
}
