//! Renders Prometheus exposition for a custom set of records: records a tool built itself (here
//! two, from another inventory), evaluated with licscope's policy and written with the same
//! renderer as `licscope normalize --format prometheus` and the exporter.
//!
//! ```text
//! cargo run -p licscope --example custom_exposition
//! ```

use licscope::normalize::{Policy, from_cisco_prime_record};
use licscope::prime::{LicenseInfo, LicenseStatus};
use licscope::report::{Format, Renderer};

fn main() -> std::io::Result<()> {
    let as_of = licscope::parse_rfc3339("2026-12-01T00:00:00Z").map_err(std::io::Error::other)?;
    let policy = Policy::new(as_of);
    let mut renderer = Renderer::new(Format::Prometheus, &policy);
    let out = &mut std::io::stdout().lock();
    // Records from somewhere else: an inventory that knows feature names, days and devices.
    for (name, days, used, remaining) in [("Assurance", 12, 95, 5), ("Lifecycle", 400, 40, 60)] {
        let mut info = LicenseInfo::default();
        info.name = Some(name.into());
        info.days_to_expire = Some(days);
        info.device_count_used = Some(used);
        info.device_count_remaining = Some(remaining);
        info.status = Some(LicenseStatus::Licensed);
        let record = from_cisco_prime_record(info, Some("inventory"), &policy);
        if let Err(refusal) = renderer.record(out, &record) {
            eprintln!("{name}: not rendered: {refusal:?}");
        }
    }
    renderer.end_input(None);
    renderer.finish(out)
}
