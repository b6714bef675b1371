//! The body of Okta's call, as the hook parses it (the borrowed essentials)
//! and as local-okta reads it (the whole request): any bytes, no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(essentials) = serde_json::from_slice::<token_hook::RequestEssentials>(data) {
        let _ = essentials.preferred_username();
    }
    if let Ok(request) = serde_json::from_slice::<token_hook::TokenHookRequest>(data) {
        let _ = request.minted_tokens();
        let _ = serde_json::to_vec(&request);
    }
});
