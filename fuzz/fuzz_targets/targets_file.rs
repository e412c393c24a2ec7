//! The targets file and the URLs in it: any text is read without a panic, an error names a
//! line of the text, and every URL either is refused or names an endpoint whose URL reads back
//! to the same resource of the same server (a Control Room's base URL asks for its product list
//! too, the details' URL read back for the details alone); a refusal never repeats the URL's user information.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licscope_cli::targets::urls;
use licscope_fetch::{Api, Endpoint};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = text.lines().count().max(1);
    let mut candidates = vec![(0, text.to_owned())];
    match urls(text) {
        Ok(found) => candidates.extend(found),
        Err((line, message)) => {
            assert!(
                (1..=lines + 1).contains(&line),
                "line {line} of {lines}: {message}"
            );
            assert!(!message.is_empty());
        }
    }
    for (_, url) in candidates {
        for api in [None, Some(Api::Automation360), Some(Api::CiscoPrime)] {
            match Endpoint::parse(&url, api) {
                Ok(endpoint) => {
                    let again = Endpoint::parse(&endpoint.url(), Some(endpoint.api()))
                        .expect("an endpoint's URL reads back");
                    // The same resource of the same server; a Control Room's base URL also
                    // asks for its product list, which the details' URL read back does not.
                    assert_eq!((again.api(), again.url()), (endpoint.api(), endpoint.url()));
                    assert_eq!(again.host_port(), endpoint.host_port());
                    assert_eq!(again.products_url(), None);
                    if let Some(products) = endpoint.products_url() {
                        assert_eq!(endpoint.api(), Api::Automation360);
                        assert!(products.ends_with("/v2/license/product/list"), "{products}");
                    }
                    assert!(!endpoint.url().contains('@') || !endpoint.host().contains('@'));
                }
                Err(e) => {
                    // The message may hold the user information only where its fixed text
                    // does anyway: as it reads with another user information in its place.
                    if let Some((start, end)) = userinfo(&url) {
                        let userinfo = &url[start..end];
                        let other = format!("{}u{}", &url[..start], &url[end..]);
                        let fixed = Endpoint::parse(&other, api)
                            .err()
                            .is_some_and(|e| e.message().contains(userinfo));
                        assert!(fixed || !e.message().contains(userinfo), "{}", e.message());
                    }
                }
            }
        }
    }
});

/// Where the text before the last `@` of a URL's authority lies, if it is not empty.
fn userinfo(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..end].rfind('@')?;
    (at > 0).then_some((start, start + at))
}
