//! local-okta's `org.toml` loader, with its cross-checks: any text, no panic
//! (a bad file gets a line and a problem).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = local_okta::org::Org::parse(text);
    }
});
