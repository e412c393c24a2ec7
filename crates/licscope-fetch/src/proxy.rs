//! Choosing a proxy from the environment as curl does.
//!
//! ureq reads the proxy variables too, but by other rules (`ALL_PROXY` before the scheme's own,
//! `HTTPS_PROXY` for `http://` URLs, `NO_PROXY` without address ranges or bare domain suffixes),
//! so licscope picks the proxy itself and hands ureq the one chosen, or none:
//!
//! - `http://` URLs: `http_proxy` (lower case only: `HTTP_PROXY` can be set by a CGI request's
//!   `Proxy:` header, so curl ignores it), then `all_proxy`/`ALL_PROXY`;
//! - `https://` URLs: `https_proxy`/`HTTPS_PROXY`, then `all_proxy`/`ALL_PROXY`;
//! - `no_proxy`/`NO_PROXY`: comma-separated; `*` alone bypasses every host; a name matches
//!   itself and its subdomains (a leading dot is ignored); an IP address matches itself and a
//!   CIDR range (`10.0.0.0/8`, `fd00::/8`) the addresses in it; ports are not compared.
//!
//! An empty variable counts as unset. One difference from curl remains: ureq reaches an
//! `http://` URL through the proxy with a `CONNECT` tunnel too, where curl sends the request
//! itself to the proxy; a proxy that allows `CONNECT` only to port 443 (Squid's default) refuses
//! plain-HTTP targets: use `https://`, or list the server in `no_proxy`.

use std::net::IpAddr;

/// The proxy URL for a request to `host` (as written in its URL, IPv6 in brackets), if any.
pub(crate) fn proxy_for(
    https: bool,
    host: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let var = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| env(n).filter(|v| !v.trim().is_empty()))
    };
    let proxy = if https {
        var(&["https_proxy", "HTTPS_PROXY"])
    } else {
        var(&["http_proxy"])
    }
    .or_else(|| var(&["all_proxy", "ALL_PROXY"]))?;
    let bypass = var(&["no_proxy", "NO_PROXY"]).is_some_and(|list| no_proxy_matches(&list, host));
    (!bypass).then_some(proxy)
}

/// Whether `host` is in the `no_proxy` list.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.');
    let address: Option<IpAddr> = host.parse().ok();
    list.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry.trim_start_matches('[');
        let (name, bits) = match entry.split_once('/') {
            Some((name, bits)) => (name, Some(bits)),
            None => (entry, None),
        };
        let name = name.trim_end_matches(']');
        if let Some(address) = address {
            let Ok(network) = name.parse::<IpAddr>() else {
                return false;
            };
            return match bits {
                None => network == address,
                Some(bits) => bits
                    .parse::<u32>()
                    .is_ok_and(|bits| in_range(address, network, bits)),
            };
        }
        if bits.is_some() {
            return false;
        }
        let name = name.trim_start_matches('.').trim_end_matches('.');
        if name.is_empty() {
            return false;
        }
        // Bytes, not characters: a suffix of a name need not start on a character boundary.
        let (host, name) = (host.as_bytes(), name.as_bytes());
        host.eq_ignore_ascii_case(name)
            || (host.len() > name.len()
                && host[host.len() - name.len() - 1] == b'.'
                && host[host.len() - name.len()..].eq_ignore_ascii_case(name))
    })
}

/// Whether `address` lies in `network/bits`.
fn in_range(address: IpAddr, network: IpAddr, bits: u32) -> bool {
    let (a, n, width) = match (address, network) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (u128::from(a.to_bits()), u128::from(n.to_bits()), 32),
        (IpAddr::V6(a), IpAddr::V6(n)) => (a.to_bits(), n.to_bits(), 128),
        _ => return false,
    };
    if bits > width {
        return false;
    }
    let shift = width - bits;
    bits == 0 || (a >> shift) == (n >> shift)
}

#[cfg(test)]
mod tests {
    use super::proxy_for;

    fn with<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_schemes_variable_then_all_proxy() {
        let env = with(&[
            ("https_proxy", "http://tls-proxy:3128"),
            ("HTTP_PROXY", "http://cgi-planted:1"),
            ("ALL_PROXY", "http://any:8080"),
        ]);
        assert_eq!(
            proxy_for(true, "prime", &env).as_deref(),
            Some("http://tls-proxy:3128")
        );
        // HTTP_PROXY in capitals is not read (curl's CGI rule); ALL_PROXY is.
        assert_eq!(
            proxy_for(false, "prime", &env).as_deref(),
            Some("http://any:8080")
        );
        assert_eq!(proxy_for(true, "prime", &with(&[])), None);
        let upper = with(&[("HTTPS_PROXY", "http://p:1"), ("https_proxy", "")]);
        assert_eq!(proxy_for(true, "x", &upper).as_deref(), Some("http://p:1"));
    }

    #[test]
    fn no_proxy_as_curl_reads_it() {
        let list = "localhost, .corp.example, example.org,10.0.0.0/8,192.168.1.7, [::1], fd00::/8";
        let env = [("https_proxy", "http://proxy:3128"), ("NO_PROXY", list)];
        let env = with(&env);
        for (host, bypassed) in [
            ("localhost", true),
            ("prime.corp.example", true),
            ("corp.example", true),
            ("example.org", true),
            ("cr.example.org", true),
            ("EXAMPLE.ORG", true),
            ("badexample.org", false),
            ("example.org.evil", false),
            ("10.20.30.40", true),
            ("11.0.0.1", false),
            ("192.168.1.7", true),
            ("192.168.1.8", false),
            ("[::1]", true),
            ("[fd12::1]", true),
            ("[fe80::1]", false),
            ("prime.example.net", false),
        ] {
            assert_eq!(proxy_for(true, host, &env).is_none(), bypassed, "{host}");
        }
        let all = [("https_proxy", "http://proxy:3128"), ("no_proxy", "*")];
        assert_eq!(proxy_for(true, "anything", &with(&all)), None);
    }
}
