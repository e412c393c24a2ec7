//! What a URL names: the API, the request to send, the server, and the origin label.

use std::fmt;

use ureq::http::Uri;

use crate::{FetchError, FetchErrorKind};

/// The API a target answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Api {
    /// An Automation 360 Control Room: `GET <control-room>/v2/license/details`.
    Automation360,
    /// A Cisco Prime Infrastructure server: `GET /webacs/api/v3/op/info/license`.
    CiscoPrime,
}

/// The path of the license-details resource of a Control Room.
const A360_DETAILS: &str = "/v2/license/details";
/// The Control Room's product list (seats per product and feature), relative to its base.
const A360_PRODUCTS: &str = "/v2/license/product/list";
/// The Control Room's login, relative to its base.
const A360_LOGIN: &str = "/v2/authentication";
/// Prime's license-info operation, in XML.
const PRIME_LICENSE: &str = "/webacs/api/v3/op/info/license";

/// A parsed target URL: what to request and where.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    api: Api,
    /// `scheme://authority`.
    origin: String,
    /// Everything before `/v2/license/details` in an Automation 360 path (a Control Room served
    /// under a prefix); empty otherwise.
    prefix: String,
    /// The path and query to GET.
    path_and_query: String,
    /// Automation 360 given by its base URL alone: the product list is asked for too.
    seats: bool,
    host: String,
    port: u16,
    https: bool,
}

impl Endpoint {
    /// Parses an `http://` or `https://` URL. The API is `api` when given, else recognized from
    /// the path: one ending in `/v2/license/details` is Automation 360, one under `/webacs/api/`
    /// is Cisco Prime. A URL without a path takes the API's default resource
    /// (`/v2/license/details`; `/webacs/api/v3/op/info/license`, XML).
    ///
    /// # Errors
    ///
    /// [`FetchErrorKind::InvalidTarget`] for a URL that is not HTTP(S), carries credentials
    /// (`https://user:password@host`: the message does not repeat them), or whose API cannot be
    /// told. No message repeats the URL's user information.
    pub fn parse(url: &str, api: Option<Api>) -> Result<Endpoint, FetchError> {
        let invalid = |m: &str| FetchError::new(FetchErrorKind::InvalidTarget, m);
        let uri: Uri = url
            .parse()
            .map_err(|_| invalid("not a valid http:// or https:// URL"))?;
        let https = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => true,
            Some(s) if s.eq_ignore_ascii_case("http") => false,
            _ => return Err(invalid("not an http:// or https:// URL")),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| invalid("the URL names no server"))?;
        if authority.as_str().contains('@') {
            return Err(invalid(
                "the URL carries credentials, which would show in process lists and logs: give \
                 the user with --user or LICSCOPE_USER and the secret with --password-file, \
                 --api-key-file or the environment",
            ));
        }
        let host = authority.host().to_owned();
        if host.is_empty() {
            return Err(invalid("the URL names no server"));
        }
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let path = uri.path();
        let recognized = if path.ends_with(A360_DETAILS) {
            Some(Api::Automation360)
        } else if path.starts_with("/webacs/api/") {
            Some(Api::CiscoPrime)
        } else {
            None
        };
        let bare = path.is_empty() || path == "/";
        let api = api.or(recognized).ok_or_else(|| {
            invalid(if bare {
                "the URL has no path to tell its API by: give --source (or the target's source)"
            } else {
                "the URL's path is neither .../v2/license/details (Automation 360) nor under \
                 /webacs/api/ (Cisco Prime): give --source (or the target's source)"
            })
        })?;
        let path_and_query = if bare {
            let default = match api {
                Api::Automation360 => A360_DETAILS,
                Api::CiscoPrime => PRIME_LICENSE,
            };
            match uri.query() {
                Some(q) => format!("{default}?{q}"),
                None => default.to_owned(),
            }
        } else {
            uri.path_and_query().map_or(path, |p| p.as_str()).to_owned()
        };
        let prefix = match api {
            Api::Automation360 if !bare => path
                .strip_suffix(A360_DETAILS)
                .unwrap_or_default()
                .to_owned(),
            _ => String::new(),
        };
        Ok(Endpoint {
            api,
            origin: format!(
                "{}://{}",
                if https { "https" } else { "http" },
                authority.as_str()
            ),
            prefix,
            path_and_query,
            seats: bare && api == Api::Automation360,
            host,
            port,
            https,
        })
    }

    /// The API this endpoint answers.
    pub fn api(&self) -> Api {
        self.api
    }

    /// The URL of the license resource.
    pub fn url(&self) -> String {
        format!("{}{}", self.origin, self.path_and_query)
    }

    /// The Control Room's product list (`POST <base>/v2/license/product/list`), when it is asked
    /// for beside the details: for a Control Room given by its base URL alone
    /// (`https://cr.example.net`). A URL that names `/v2/license/details` asks for the details
    /// alone; Cisco Prime has no product list.
    pub fn products_url(&self) -> Option<String> {
        self.seats
            .then(|| format!("{}{}{A360_PRODUCTS}", self.origin, self.prefix))
    }

    /// The server's host and port, `host:port` (`[::1]:8443` for IPv6): the origin label of
    /// the records fetched from it unless a name is given, and the key of the per-server
    /// request limit.
    pub fn host_port(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The host, as written in the URL (IPv6 addresses in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Whether the URL is `https://`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// Whether a Cisco Prime request asks for JSON (a path ending in `.json`).
    pub(crate) fn wants_json(&self) -> bool {
        let path = self.path_and_query.split('?').next().unwrap_or_default();
        path.ends_with(".json")
    }

    /// The Control Room's login URL, beside its license resource.
    pub(crate) fn login_url(&self) -> String {
        format!("{}{}{A360_LOGIN}", self.origin, self.prefix)
    }

    /// What identifies a Control Room for its tokens: its origin and prefix.
    pub(crate) fn control_room(&self) -> String {
        format!("{}{}", self.origin, self.prefix)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("api", &self.api)
            .field("url", &self.url())
            .finish()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

#[cfg(test)]
mod tests {
    use super::{Api, Endpoint};

    #[test]
    fn only_a_control_rooms_base_url_asks_for_its_product_list() {
        let products = |url: &str, api| Endpoint::parse(url, api).unwrap().products_url();
        assert_eq!(
            products("https://cr.example.net", Some(Api::Automation360)).as_deref(),
            Some("https://cr.example.net/v2/license/product/list")
        );
        assert_eq!(
            products("https://cr.example.net:8443/", Some(Api::Automation360)).as_deref(),
            Some("https://cr.example.net:8443/v2/license/product/list")
        );
        assert_eq!(
            products("https://cr.example.net/v2/license/details", None),
            None
        );
        assert_eq!(
            products("https://cr.example.net/aa/v2/license/details", None),
            None
        );
        assert_eq!(
            products("https://prime.example.net", Some(Api::CiscoPrime)),
            None
        );
    }

    #[test]
    fn urls_name_their_api_and_resource() {
        for (url, api, expect, host_port, login) in [
            (
                "https://cr.example.net/v2/license/details",
                None,
                "https://cr.example.net/v2/license/details",
                "cr.example.net:443",
                "https://cr.example.net/v2/authentication",
            ),
            (
                "https://cr.example.net:8443/aa/v2/license/details",
                None,
                "https://cr.example.net:8443/aa/v2/license/details",
                "cr.example.net:8443",
                "https://cr.example.net:8443/aa/v2/authentication",
            ),
            (
                "https://cr.example.net",
                Some(Api::Automation360),
                "https://cr.example.net/v2/license/details",
                "cr.example.net:443",
                "https://cr.example.net/v2/authentication",
            ),
            (
                "http://prime/",
                Some(Api::CiscoPrime),
                "http://prime/webacs/api/v3/op/info/license",
                "prime:80",
                "http://prime/v2/authentication",
            ),
            (
                "https://[::1]:9/webacs/api/v4/op/info/license.json?.full=true",
                None,
                "https://[::1]:9/webacs/api/v4/op/info/license.json?.full=true",
                "[::1]:9",
                "https://[::1]:9/v2/authentication",
            ),
        ] {
            let e = Endpoint::parse(url, api).expect(url);
            assert_eq!(e.url(), expect);
            assert_eq!(e.host_port(), host_port);
            assert_eq!(e.login_url(), login);
        }
        let json = Endpoint::parse("https://p/webacs/api/v3/op/info/license.json", None);
        assert!(json.expect("valid").wants_json());
        let xml = Endpoint::parse("https://p/webacs/api/v3/op/info/license?x=.json", None);
        assert!(!xml.expect("valid").wants_json());
    }

    #[test]
    fn bad_urls_are_refused_without_repeating_credentials() {
        for url in [
            "https://monitor:hunter2@prime/webacs/api/v3/op/info/license",
            "https://monitor@prime/webacs/api/v3/op/info/license",
            "ftp://prime/webacs/api/v3/op/info/license",
            "https://prime",
            "https://prime/some/other/path",
            "https:///v2/license/details",
            "not a url",
        ] {
            let e = Endpoint::parse(url, None).expect_err(url);
            let text = e.to_string();
            assert!(
                !text.contains("hunter2") && !text.contains("monitor"),
                "{text}"
            );
            assert!(!text.is_empty());
        }
    }
}
