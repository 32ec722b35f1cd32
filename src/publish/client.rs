//! A small GitHub REST client on octocrab: JSON in and out, every page of a list (`Link`
//! headers), and retries with backoff for 5xx answers, rate limits and lost connections. Errors
//! are typed, because callers branch on them (403 from a fork's read-only token, 422).

use http::{HeaderMap, Method, StatusCode};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("GitHub answered {status} to {method} {path}: {message}")]
    Status {
        method: Method,
        path: String,
        status: StatusCode,
        message: String,
    },
    #[error("cannot reach GitHub for {method} {path}: {reason}")]
    Transport {
        method: Method,
        path: String,
        reason: String,
    },
    #[error("GitHub's answer to {method} {path} is not what its API documents: {reason}")]
    Unexpected {
        method: Method,
        path: String,
        reason: String,
    },
}

impl ApiError {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A 403 that is not a rate limit: the token may not write here (a fork's pull request).
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN)
    }
}

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_delay: Duration,
    /// No wait is longer than this, whatever Retry-After says.
    pub longest_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_delay: Duration::from_secs(1),
            longest_delay: Duration::from_secs(60),
        }
    }
}

pub struct GitHub {
    octocrab: Octocrab,
    retry: RetryPolicy,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl GitHub {
    /// `api_url` is GITHUB_API_URL (https://api.github.com, or GitHub Enterprise's
    /// https://HOST/api/v3).
    pub fn new(api_url: &str, token: &str, retry: RetryPolicy) -> anyhow::Result<GitHub> {
        let octocrab = Octocrab::builder()
            .base_uri(api_url)
            .map_err(|e| anyhow::anyhow!("GITHUB_API_URL `{api_url}` is not a URL: {e}"))?
            .personal_token(token.to_string())
            .add_header(http::header::ACCEPT, "application/vnd.github+json".into())
            .add_header(
                http::header::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".into(),
            )
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(60)))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot set up the GitHub client: {e}"))?;
        Ok(GitHub { octocrab, retry })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let answer = self.send(Method::GET, path, None).await?;
        parse(&Method::GET, path, &answer.body)
    }

    /// Every item of a list endpoint, 100 per page, following `Link: <...>; rel="next"`.
    pub async fn get_all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, ApiError> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{separator}per_page=100"));
        let mut items = Vec::new();
        while let Some(page) = next.take() {
            let answer = self.send(Method::GET, &page, None).await?;
            items.extend(parse::<Vec<T>>(&Method::GET, &page, &answer.body)?);
            next = next_page(&answer.headers);
        }
        Ok(items)
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, ApiError> {
        let answer = self.send(Method::POST, path, Some(body)).await?;
        parse(&Method::POST, path, &answer.body)
    }

    pub async fn patch<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<T, ApiError> {
        let answer = self.send(Method::PATCH, path, Some(body)).await?;
        parse(&Method::PATCH, path, &answer.body)
    }

    pub async fn put<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T, ApiError> {
        let answer = self.send(Method::PUT, path, Some(body)).await?;
        parse(&Method::PUT, path, &answer.body)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ApiError> {
        let mut attempt = 1;
        loop {
            let result = self.send_once(&method, path, body).await;
            let wait = match &result {
                Ok(answer) if answer.status.is_success() => return result,
                Ok(answer) => retry_wait(answer, attempt, &self.retry),
                Err(_) => Some(backoff(attempt, &self.retry)),
            };
            match wait {
                Some(wait) if attempt < self.retry.attempts => {
                    tracing::warn!(%method, path, attempt, ?wait, "GitHub did not answer; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => {
                    let answer = result?;
                    return Err(ApiError::Status {
                        method,
                        path: strip_query(path),
                        status: answer.status,
                        message: error_message(&answer.body),
                    });
                }
            }
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, ApiError> {
        let transport = |e: octocrab::Error| ApiError::Transport {
            method: method.clone(),
            path: strip_query(path),
            reason: e.to_string(),
        };
        let response = match *method {
            Method::GET => self.octocrab._get(path).await,
            Method::POST => self.octocrab._post(path, body).await,
            Method::PATCH => self.octocrab._patch(path, body).await,
            Method::PUT => self.octocrab._put(path, body).await,
            _ => unreachable!("only the methods above are used"),
        }
        .map_err(transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = self
            .octocrab
            .body_to_string(response)
            .await
            .map_err(transport)?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

fn parse<T: DeserializeOwned>(method: &Method, path: &str, body: &str) -> Result<T, ApiError> {
    let body = if body.trim().is_empty() { "null" } else { body };
    serde_json::from_str(body).map_err(|e| ApiError::Unexpected {
        method: method.clone(),
        path: strip_query(path),
        reason: e.to_string(),
    })
}

fn strip_query(path: &str) -> String {
    path.split('?').next().unwrap_or(path).to_string()
}

/// GitHub's error body: `{"message": ..., "errors": [...]}`.
fn error_message(body: &str) -> String {
    match serde_json::from_str::<Value>(body) {
        Ok(value) => {
            let mut message = value["message"]
                .as_str()
                .unwrap_or("no message")
                .to_string();
            if let Some(errors) = value["errors"].as_array().filter(|e| !e.is_empty()) {
                let details: Vec<String> = errors
                    .iter()
                    .map(|e| {
                        e.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| e.to_string())
                    })
                    .collect();
                message.push_str(&format!(" ({})", details.join("; ")));
            }
            message
        }
        Err(_) => body.chars().take(200).collect(),
    }
}

/// Whether (and how long) to wait before retrying an unsuccessful answer.
fn retry_wait(answer: &Answer, attempt: u32, policy: &RetryPolicy) -> Option<Duration> {
    let header = |name: &str| answer.headers.get(name).and_then(|v| v.to_str().ok());
    let rate_limited = answer.status == StatusCode::TOO_MANY_REQUESTS
        || (answer.status == StatusCode::FORBIDDEN
            && (header("x-ratelimit-remaining") == Some("0")
                || header("retry-after").is_some()
                || answer.body.to_lowercase().contains("rate limit")));
    if !(rate_limited || answer.status.is_server_error()) {
        return None;
    }
    if let Some(seconds) = header("retry-after").and_then(|s| s.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(seconds).min(policy.longest_delay));
    }
    if let Some(reset) = header("x-ratelimit-reset").and_then(|s| s.trim().parse::<u64>().ok()) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        return Some(Duration::from_secs(reset.saturating_sub(now) + 1).min(policy.longest_delay));
    }
    Some(backoff(attempt, policy))
}

fn backoff(attempt: u32, policy: &RetryPolicy) -> Duration {
    (policy.first_delay * 2u32.saturating_pow(attempt - 1)).min(policy.longest_delay)
}

/// The `rel="next"` URL of a `Link` header.
fn next_page(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(http::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_reads_the_link_header() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::LINK,
            "<https://api.github.com/repositories/1/pulls/2/files?per_page=100&page=2>; \
             rel=\"next\", \
             <https://api.github.com/repositories/1/pulls/2/files?per_page=100&page=3>; \
             rel=\"last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_page(&headers).as_deref(),
            Some("https://api.github.com/repositories/1/pulls/2/files?per_page=100&page=2")
        );
        headers.insert(
            http::header::LINK,
            "<https://x/y?page=1>; rel=\"prev\"".parse().unwrap(),
        );
        assert_eq!(next_page(&headers), None);
    }

    fn answer(status: u16, headers: &[(&'static str, &str)], body: &str) -> Answer {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: body.into(),
        }
    }

    #[test]
    fn rate_limits_and_server_errors_are_retried_and_nothing_else() {
        let policy = RetryPolicy::default();
        let wait = |a: &Answer| retry_wait(a, 1, &policy);
        assert_eq!(wait(&answer(502, &[], "")), Some(Duration::from_secs(1)));
        assert_eq!(
            wait(&answer(429, &[("retry-after", "7")], "")),
            Some(Duration::from_secs(7))
        );
        // A secondary rate limit: 403 with Retry-After.
        assert_eq!(
            wait(&answer(
                403,
                &[("retry-after", "3")],
                r#"{"message": "You have exceeded a secondary rate limit"}"#
            )),
            Some(Duration::from_secs(3))
        );
        // The primary limit: wait for the reset, within reason.
        let reset = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600)
            .to_string();
        assert_eq!(
            wait(&answer(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", &reset)
                ],
                "{}"
            )),
            Some(Duration::from_secs(60))
        );
        // A fork's read-only token, a bad request, a missing resource: no retry.
        assert_eq!(
            wait(&answer(
                403,
                &[],
                r#"{"message": "Resource not accessible by integration"}"#
            )),
            None
        );
        assert_eq!(wait(&answer(422, &[], "{}")), None);
        assert_eq!(wait(&answer(404, &[], "{}")), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(backoff(1, &policy), Duration::from_secs(1));
        assert_eq!(backoff(3, &policy), Duration::from_secs(4));
        assert_eq!(backoff(30, &policy), Duration::from_secs(60));
    }
}
