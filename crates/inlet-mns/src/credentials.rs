//! Keys the queue requests are signed with, and where they come from.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::error::MnsError;

/// An AccessKey pair, plus the STS token when the pair is temporary. `Debug` never shows the
/// secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: String,
    pub security_token: Option<String>,
}

impl Credentials {
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
        }
    }

    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// What [`CredentialProvider::credentials`] returns; boxed so the trait stays object-safe.
pub type CredentialsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, MnsError>> + Send + 'a>>;

/// A source of signing keys, shared as `Arc<dyn CredentialProvider>`.
pub trait CredentialProvider: Send + Sync {
    /// Keys to sign the next request with (possibly cached).
    fn credentials(&self) -> CredentialsFuture<'_>;

    /// The service refused the keys last handed out (HTTP 403); the next call must not reuse them.
    fn invalidate(&self);
}

/// Fixed keys: a long-term AccessKey, or STS keys obtained elsewhere (tests, the local queue).
#[derive(Debug, Clone)]
pub struct StaticCredentials {
    credentials: Credentials,
}

impl StaticCredentials {
    pub fn new(credentials: Credentials) -> Self {
        Self { credentials }
    }
}

impl CredentialProvider for StaticCredentials {
    fn credentials(&self) -> CredentialsFuture<'_> {
        let credentials = self.credentials.clone();
        Box::pin(async move { Ok(credentials) })
    }

    /// Nothing to refresh: fixed keys stay wrong until the operator changes them.
    fn invalidate(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn debug_redacts_secret_and_token() {
        let c = Credentials::new("LTAIid", "very-secret").with_security_token("token-value");
        let shown = format!("{c:?}");
        assert!(shown.contains("LTAIid"));
        assert!(
            !shown.contains("very-secret") && !shown.contains("token-value"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn static_provider_hands_out_its_keys_through_the_trait_object() {
        let provider: Arc<dyn CredentialProvider> = Arc::new(StaticCredentials::new(
            Credentials::new("id", "secret").with_security_token("t"),
        ));
        provider.invalidate();
        let got = provider.credentials().await.unwrap();
        assert_eq!(got.access_key_id, "id");
        assert_eq!(got.security_token.as_deref(), Some("t"));
    }
}
