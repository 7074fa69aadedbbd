//! Bodies of `status` faults, the way a hostile or broken server sends them: a given text or a
//! JSON object padded to a size, optionally gzip-encoded, optionally trickled a byte at a time.
//!
//! Made as a stream, chunk by chunk, only as fast as the client reads: a 512 MiB (decoded) gzip
//! bomb costs the emulator nothing a client does not ask for.

use std::io::Write;
use std::time::Duration;

use axum::body::{Body, Bytes};
use flate2::write::GzEncoder;
use flate2::Compression;

/// What a raw answer's body holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// This text; `{query}` in it is replaced with the request's raw query.
    Given(String),
    /// `{"errcode":0,"pad":"xx…x"}`, exactly this many bytes: valid JSON of any size.
    Padded(u64),
}

/// The head and tail of a padded body; a padded body is at least their length.
const PAD_HEAD: &[u8] = br#"{"errcode":0,"pad":""#;
const PAD_TAIL: &[u8] = br#""}"#;
pub const MIN_PADDED: u64 = (PAD_HEAD.len() + PAD_TAIL.len()) as u64;

/// How much plain body is made (and compressed) at a time.
const CHUNK: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBody {
    pub text: Text,
    /// Sent with `Content-Encoding: gzip`.
    pub gzip: bool,
    /// One byte of the (encoded) body per this pause.
    pub trickle: Option<Duration>,
}

/// The plain body, chunk by chunk.
enum Plain {
    Given(Option<Vec<u8>>),
    Padded {
        head: bool,
        pad_left: u64,
        tail: bool,
    },
}

impl Plain {
    fn next_chunk(&mut self) -> Option<Vec<u8>> {
        match self {
            Plain::Given(text) => text.take(),
            Plain::Padded {
                head,
                pad_left,
                tail,
            } => {
                if std::mem::take(head) {
                    Some(PAD_HEAD.to_vec())
                } else if *pad_left > 0 {
                    let n = (*pad_left).min(CHUNK);
                    *pad_left -= n;
                    Some(vec![b'x'; usize::try_from(n).unwrap_or(0)])
                } else if std::mem::take(tail) {
                    Some(PAD_TAIL.to_vec())
                } else {
                    None
                }
            }
        }
    }
}

/// The body as sent: plain chunks, through the encoder if any.
struct Producer {
    plain: Plain,
    gzip: Option<GzEncoder<Vec<u8>>>,
}

impl Producer {
    fn next_chunk(&mut self) -> Option<Vec<u8>> {
        loop {
            let Some(chunk) = self.plain.next_chunk() else {
                // The end: what the encoder still holds, then nothing.
                return self.gzip.take().and_then(|e| e.finish().ok());
            };
            let Some(encoder) = self.gzip.as_mut() else {
                return Some(chunk);
            };
            encoder.write_all(&chunk).ok()?;
            let out = std::mem::take(encoder.get_mut());
            if !out.is_empty() {
                return Some(out);
            }
        }
    }
}

impl RawBody {
    /// The length of the body as sent, when it is known before sending.
    pub fn announced_length(&self) -> Option<u64> {
        match (&self.text, self.gzip) {
            (Text::Padded(n), false) => Some(*n),
            _ => None,
        }
    }

    /// The HTTP body for a request whose raw query is `query`.
    pub fn into_body(self, query: &str) -> Body {
        let plain = match self.text {
            Text::Given(text) => {
                let text = fill(&text, query);
                if !self.gzip && self.trickle.is_none() {
                    return Body::from(text);
                }
                Plain::Given(Some(text.into_bytes()))
            }
            Text::Padded(n) => Plain::Padded {
                head: true,
                pad_left: n.saturating_sub(MIN_PADDED),
                tail: true,
            },
        };
        let producer = Producer {
            plain,
            gzip: self
                .gzip
                .then(|| GzEncoder::new(Vec::new(), Compression::fast())),
        };
        let state = (producer, Vec::new(), 0_usize, self.trickle);
        let stream = futures_util::stream::unfold(
            state,
            |(mut producer, mut buf, mut at, trickle)| async move {
                let Some(pause) = trickle else {
                    let chunk = producer.next_chunk()?;
                    return Some((
                        Ok::<_, std::io::Error>(Bytes::from(chunk)),
                        (producer, buf, at, trickle),
                    ));
                };
                while at >= buf.len() {
                    buf = producer.next_chunk()?;
                    at = 0;
                }
                tokio::time::sleep(pause).await;
                let byte = Bytes::copy_from_slice(&buf[at..=at]);
                at += 1;
                Some((Ok(byte), (producer, buf, at, trickle)))
            },
        );
        Body::from_stream(stream)
    }
}

/// `text` with every `{query}` replaced by the request's raw query (as the client encoded it):
/// an answer that echoes the request, like some gateways' error pages.
pub fn fill(text: &str, query: &str) -> String {
    text.replace("{query}", query)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn produce(text: Text, gzip: bool) -> Vec<u8> {
        let mut producer = Producer {
            plain: match text {
                Text::Given(t) => Plain::Given(Some(t.into_bytes())),
                Text::Padded(n) => Plain::Padded {
                    head: true,
                    pad_left: n.saturating_sub(MIN_PADDED),
                    tail: true,
                },
            },
            gzip: gzip.then(|| GzEncoder::new(Vec::new(), Compression::fast())),
        };
        let mut out = Vec::new();
        while let Some(chunk) = producer.next_chunk() {
            out.extend(chunk);
        }
        out
    }

    #[test]
    fn padded_bodies_are_json_of_exactly_their_size() {
        for n in [MIN_PADDED, 100, CHUNK * 3 + 7] {
            let body = produce(Text::Padded(n), false);
            assert_eq!(body.len() as u64, n);
            let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(value["errcode"], 0);
        }
    }

    #[test]
    fn gzip_bodies_inflate_to_the_plain_body() {
        let n = 5 * CHUNK;
        let packed = produce(Text::Padded(n), true);
        assert!((packed.len() as u64) < n / 50, "{} bytes", packed.len());
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated, produce(Text::Padded(n), false));
    }

    #[test]
    fn query_placeholders_are_filled() {
        assert_eq!(fill("bad {query}!", "a=1&b=%2B"), "bad a=1&b=%2B!");
    }
}
