//! The tokens a server accepts: read from a TOML file (or the same text in an environment
//! variable), kept only as SHA-256 hashes, and matched in constant time.
//!
//! ```toml
//! [[tokens]]
//! name = "support"
//! sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//! scopes = ["read"]
//! departments = ["customer_service"]   # optional: only these inboxes and exports
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;

use hearken_core::Caller;
use ring::rand::SecureRandom as _;
use subtle::ConstantTimeEq as _;

/// What a token may do. A token holds any set of them; none implies another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Send mentions (and, for the enrich worker, authors and interactions).
    Ingest,
    /// Read reports, mentions, scores and classifications, and work the inboxes.
    Read,
    /// Change what the server does: topics, training, alert rules, recomputation.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Ingest, Scope::Read, Scope::Admin];

    pub fn name(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Read => "read",
            Scope::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Scope {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.name() == text)
            .ok_or_else(|| format!("unknown scope {text:?}; expected ingest, read or admin"))
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a tokens file was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    #[error("not a tokens file: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("tokens[{index}].{field}: {reason}")]
    Invalid {
        index: usize,
        field: &'static str,
        reason: String,
    },
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    #[serde(default)]
    tokens: Vec<TokenEntry>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    name: String,
    sha256: String,
    scopes: Vec<String>,
    departments: Option<Vec<String>>,
}

/// One accepted token.
#[derive(Debug, Clone)]
pub struct Token {
    /// Lowercase hex of the SHA-256 of the secret.
    sha256: String,
    pub scopes: BTreeSet<Scope>,
    pub caller: Caller,
}

/// Every accepted token.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    tokens: Vec<Token>,
}

impl Tokens {
    /// Parses and checks a tokens file's text; the errors name the entry and field.
    pub fn parse(text: &str) -> Result<Self, TokensError> {
        let file: TokensFile = toml::from_str(text)?;
        let mut tokens = Vec::with_capacity(file.tokens.len());
        let mut names = BTreeSet::new();
        for (index, entry) in file.tokens.into_iter().enumerate() {
            let invalid = |field, reason: String| TokensError::Invalid {
                index,
                field,
                reason,
            };
            let name = entry.name.trim().to_owned();
            if name.is_empty() {
                return Err(invalid("name", "is empty".into()));
            }
            if !names.insert(name.clone()) {
                return Err(invalid("name", format!("{name:?} names two tokens")));
            }
            let sha256 = entry.sha256.trim().to_ascii_lowercase();
            if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(
                    "sha256",
                    "must be 64 hex digits, as `hearken token hash` prints".into(),
                ));
            }
            let scopes = entry
                .scopes
                .iter()
                .map(|scope| scope.parse())
                .collect::<Result<BTreeSet<Scope>, String>>()
                .map_err(|reason| invalid("scopes", reason))?;
            if scopes.is_empty() {
                return Err(invalid("scopes", "a token needs at least one scope".into()));
            }
            if entry.departments.as_ref().is_some_and(Vec::is_empty) {
                return Err(invalid(
                    "departments",
                    "an empty list would hide every inbox; leave it out to allow all".into(),
                ));
            }
            tokens.push(Token {
                sha256,
                scopes,
                caller: Caller {
                    name,
                    departments: entry.departments,
                },
            });
        }
        Ok(Self { tokens })
    }

    /// Both sets of tokens; a name given twice is an error.
    pub fn merge(mut self, other: Tokens) -> Result<Self, TokensError> {
        for token in other.tokens {
            if self
                .tokens
                .iter()
                .any(|t| t.caller.name == token.caller.name)
            {
                return Err(TokensError::Invalid {
                    index: self.tokens.len(),
                    field: "name",
                    reason: format!("{:?} names two tokens", token.caller.name),
                });
            }
            self.tokens.push(token);
        }
        Ok(self)
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The token whose hash matches `secret`'s. Every stored hash is compared, each in
    /// constant time, so the time taken tells nothing about which (or whether one) matched.
    pub fn find(&self, secret: &str) -> Option<&Token> {
        let hash = sha256_hex(secret);
        let mut found = None;
        for token in &self.tokens {
            if bool::from(token.sha256.as_bytes().ct_eq(hash.as_bytes())) {
                found = Some(token);
            }
        }
        found
    }
}

/// Lowercase hex of the SHA-256 of `secret`: what a tokens file stores.
pub fn sha256_hex(secret: &str) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, secret.as_bytes()).as_ref())
}

/// A new secret: `hk_` and 32 random bytes in hex.
pub fn mint() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("the system's random number generator failed"))?;
    Ok(format!("hk_{}", hex(&bytes)))
}

/// The `[[tokens]]` entry to add to a tokens file for `secret`.
pub fn entry(name: &str, secret: &str, scopes: &[Scope], departments: &[String]) -> String {
    let quoted = |items: &mut dyn Iterator<Item = String>| {
        items
            .map(|item| format!("{item:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "[[tokens]]\nname = {name:?}\nsha256 = \"{}\"\nscopes = [{}]\n",
        sha256_hex(secret),
        quoted(&mut scopes.iter().map(|s| s.name().to_owned()))
    );
    if !departments.is_empty() {
        let _ = writeln!(
            text,
            "departments = [{}]",
            quoted(&mut departments.iter().cloned())
        );
    }
    text
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_matches_its_printed_entry() {
        let secret = mint().unwrap();
        assert!(secret.starts_with("hk_") && secret.len() == 67, "{secret}");
        let text = entry(
            "support",
            &secret,
            &[Scope::Read, Scope::Ingest],
            &["customer_service".into()],
        );
        let tokens = Tokens::parse(&text).unwrap();
        let token = tokens.find(&secret).unwrap();
        assert_eq!(token.caller.name, "support");
        assert_eq!(token.scopes, BTreeSet::from([Scope::Ingest, Scope::Read]));
        assert_eq!(
            token.caller.departments,
            Some(vec!["customer_service".to_owned()])
        );
        assert!(tokens.find("hk_wrong").is_none());
    }

    #[test]
    fn sha256_is_the_standard_digest() {
        assert_eq!(
            sha256_hex("test"),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
    }

    #[test]
    fn bad_entries_name_the_entry_and_field() {
        let hash = sha256_hex("x");
        let cases = [
            (
                format!("[[tokens]]\nname = \"a\"\nsha256 = \"{hash}\"\nscopes = [\"write\"]"),
                "tokens[0].scopes: unknown scope \"write\"",
            ),
            (
                "[[tokens]]\nname = \"a\"\nsha256 = \"abc\"\nscopes = [\"read\"]".to_owned(),
                "tokens[0].sha256",
            ),
            (
                format!(
                    "[[tokens]]\nname = \"a\"\nsha256 = \"{hash}\"\nscopes = [\"read\"]\n\
                     [[tokens]]\nname = \"a\"\nsha256 = \"{hash}\"\nscopes = [\"read\"]"
                ),
                "tokens[1].name: \"a\" names two tokens",
            ),
            (
                format!(
                    "[[tokens]]\nname = \"a\"\nsha256 = \"{hash}\"\nscopes = [\"read\"]\ndepartments = []"
                ),
                "tokens[0].departments",
            ),
        ];
        for (text, expected) in cases {
            let error = Tokens::parse(&text).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error}");
        }
    }
}
