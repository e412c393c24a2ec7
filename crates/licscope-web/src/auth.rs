//! Basic authentication against bcrypt hashes, as exporter-toolkit checks it: every path behind
//! it, the password compared by bcrypt (in constant time), an unknown user costing the same
//! bcrypt as a known one, and results cached so that a scrape every few seconds does not pay a
//! bcrypt each time.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;

/// What an unknown user's password is compared with, so that an unknown user takes as long as
/// a known one (cost 10, as the hashes `htpasswd -nBC 10` writes).
const DUMMY: &str = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
/// Cached outcomes kept at most; the cache starts again empty when full.
const CACHE: usize = 256;

pub(crate) struct Users {
    hashes: BTreeMap<String, String>,
    /// SHA-256 of (hash, user, password) to the outcome: the password itself is never kept.
    cache: Mutex<HashMap<[u8; 32], bool>>,
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Users")
            .field("users", &self.hashes.len())
            .finish_non_exhaustive()
    }
}

impl Users {
    /// Checks that every password is a bcrypt hash; the error names the user, not the hash.
    pub(crate) fn new(hashes: BTreeMap<String, String>) -> Result<Users, String> {
        for (user, hash) in &hashes {
            if hash.parse::<bcrypt::HashParts>().is_err() {
                return Err(format!(
                    "basic_auth_users.{user}: the password is not a bcrypt hash ($2a$, $2b$ or \
                     $2y$, as `htpasswd -nBC 10 {user}` writes)"
                ));
            }
        }
        Ok(Users {
            hashes,
            cache: Mutex::default(),
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether an `Authorization` header value carries a known user and its password.
    pub(crate) fn allows(&self, authorization: Option<&[u8]>) -> bool {
        let Some((user, password)) = authorization.and_then(basic_credentials) else {
            return false;
        };
        let known = std::str::from_utf8(&user)
            .ok()
            .and_then(|u| self.hashes.get(u));
        let hash = known.map_or(DUMMY, String::as_str);
        let key = cache_key(hash, &user, &password);
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .copied();
        let matches = cached.unwrap_or_else(|| {
            let matches = bcrypt::verify(&password, hash).unwrap_or(false);
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if cache.len() >= CACHE {
                cache.clear();
            }
            cache.insert(key, matches);
            matches
        });
        known.is_some() && matches
    }
}

fn cache_key(hash: &str, user: &[u8], password: &[u8]) -> [u8; 32] {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [hash.as_bytes(), user, password] {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part);
    }
    let mut key = [0; 32];
    key.copy_from_slice(context.finish().as_ref());
    key
}

/// The user and password of `Basic BASE64(user:password)`; the scheme in any case.
fn basic_credentials(value: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let value = value.trim_ascii();
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case(b"basic ") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim_ascii())
        .ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some((decoded[..colon].to_vec(), decoded[colon + 1..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::{Users, basic_credentials};
    use base64::Engine as _;
    use std::collections::BTreeMap;

    fn header(user: &str, password: &str) -> Vec<u8> {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
        .into_bytes()
    }

    fn users(pairs: &[(&str, String)]) -> Users {
        Users::new(
            pairs
                .iter()
                .map(|(u, h)| ((*u).to_owned(), h.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
        .unwrap()
    }

    #[test]
    fn the_right_password_of_a_known_user_is_allowed_in_every_hash_version() {
        let hash = bcrypt::hash("s3cret:with colon", 4).unwrap();
        let twoy = hash.replacen("$2b$", "$2y$", 1);
        let twoa = hash.replacen("$2b$", "$2a$", 1);
        let users = users(&[("b", hash), ("y", twoy), ("a", twoa)]);
        for user in ["a", "b", "y"] {
            assert!(
                users.allows(Some(&header(user, "s3cret:with colon"))),
                "{user}"
            );
            // Twice: the second answer comes from the cache and must be the same.
            assert!(
                users.allows(Some(&header(user, "s3cret:with colon"))),
                "{user}"
            );
            assert!(!users.allows(Some(&header(user, "s3cret"))), "{user}");
        }
    }

    #[test]
    fn unknown_users_missing_or_malformed_credentials_are_refused() {
        let users = users(&[("prometheus", bcrypt::hash("pw", 4).unwrap())]);
        assert!(!users.allows(Some(&header("nobody", "pw"))));
        assert!(!users.allows(None));
        assert!(!users.allows(Some(b"Bearer abc")));
        assert!(!users.allows(Some(b"Basic !!!not base64")));
        assert!(!users.allows(Some(b"Basic")));
        // The scheme in any case, as RFC 7617 says.
        let lower = header("prometheus", "pw")
            .iter()
            .enumerate()
            .map(|(i, b)| if i < 5 { b.to_ascii_lowercase() } else { *b })
            .collect::<Vec<u8>>();
        assert!(users.allows(Some(&lower)));
    }

    #[test]
    fn a_password_that_is_not_a_bcrypt_hash_is_refused_naming_the_user_only() {
        let mut hashes = BTreeMap::new();
        hashes.insert("prometheus".to_owned(), "plain-text-password".to_owned());
        let e = Users::new(hashes).unwrap_err();
        assert!(e.starts_with("basic_auth_users.prometheus: "), "{e}");
        assert!(!e.contains("plain-text-password"), "{e}");
    }

    #[test]
    fn credentials_split_at_the_first_colon() {
        assert_eq!(
            basic_credentials(&header("u", "a:b")),
            Some((b"u".to_vec(), b"a:b".to_vec()))
        );
        assert_eq!(basic_credentials(b"Basic dXNlcg=="), None); // "user", no colon
    }
}
